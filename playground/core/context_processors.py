from django.conf import settings
from django.utils.functional import SimpleLazyObject

from playground.accounts.selectors import preference_for
from playground.nexconn.client import auth_probe_for_settings


def site(request):
    """Values every page needs: whether the app talks to the simulator instead of Nexconn,
    and what the model-list probe found out about the Authorization form."""
    return {"demo_mode": settings.DEMO_MODE, "auth_probe": auth_probe_for_settings()}


def preferences(request):
    """The person's layout choices, read only by the pages that use them."""
    return {"preferences": SimpleLazyObject(lambda: preference_for(user=request.user))}
