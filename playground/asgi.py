import os

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "playground.settings")

from playground.core.asgi import get_asgi_application

application = get_asgi_application()
