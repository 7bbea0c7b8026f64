from django.conf import settings

from playground.nexconn.client import auth_probe_for_settings


def site(request):
    """Values every page needs: whether the app talks to the simulator instead of Nexconn,
    and what the model-list probe found out about the Authorization form."""
    return {"demo_mode": settings.DEMO_MODE, "auth_probe": auth_probe_for_settings()}
