from django.conf import settings


def site(request):
    """Values every page needs: whether the app talks to the simulator instead of Nexconn."""
    return {"demo_mode": settings.DEMO_MODE}
