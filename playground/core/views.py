import sys

from django.contrib.auth.decorators import login_not_required
from django.db import OperationalError, connection
from django.http import JsonResponse
from django.shortcuts import render
from django.views import defaults
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from playground.core.ids import InvalidId
from playground.core.responses import refusal


@login_not_required
@never_cache
@require_GET
def health(request):
    """For load balancers and the Docker HEALTHCHECK: the app answers and the database too."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except Exception:  # any database failure means unhealthy
        return JsonResponse({"status": "error", "database": "unreachable"}, status=503)
    return JsonResponse({"status": "ok"})


def bad_request(request, exception):
    """Django's 400 page, except that a value we refused by name (an id in a link) says
    which one; other 400s (hosts, sizes) keep Django's page, which tells attackers nothing."""
    if isinstance(exception, InvalidId):
        if request.htmx:
            return refusal(request, str(exception), status=400)
        return render(request, "core/bad_link.html", {"notice": str(exception)}, status=400)
    return defaults.bad_request(request, exception)


def server_error(request):
    """Django's 500 page, except when the database was too busy to answer in time (SQLite
    waits `timeout` seconds for its write lock under a burst of writes): then 503, which
    says to try again. The error is logged either way."""
    error = sys.exc_info()[1]
    if isinstance(error, OperationalError) and "locked" in str(error):
        response = refusal(
            request, "The server is busy right now. Wait a moment, then try again.", status=503
        )
        response["Retry-After"] = "5"
        return response
    return defaults.server_error(request)
