from django.contrib import admin
from django.urls import include, path

from playground.core import views as core_views

urlpatterns = [
    path("healthz", core_views.health, name="health"),
    path("admin/", admin.site.urls),
    path("accounts/", include("playground.accounts.urls")),
    path("", include("playground.studio.urls")),
    path("", include("playground.files.urls")),
    path("", include("playground.teams.urls")),
    path("", include("playground.compare.urls")),
    path("", include("playground.presets.urls")),
    path("", include("playground.usage.urls")),
    path("", include("playground.explorer.urls")),
    path("", include("playground.chat.urls")),
]

handler400 = core_views.bad_request
handler500 = core_views.server_error
