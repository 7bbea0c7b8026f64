from django.urls import path

from playground.usage import limit_views, views

app_name = "usage"

urlpatterns = [
    path("usage/", views.usage, name="usage"),
    path("usage/export.csv", views.usage_export, name="export"),
    path("teams/<id:pk>/limits/", limit_views.team_limits, name="team-limits"),
    path("teams/<id:pk>/limits/team/", limit_views.team_limit_save, name="team-limit-save"),
    path(
        "teams/<id:pk>/limits/members/<id:user_id>/",
        limit_views.team_limit_save,
        name="member-limit-save",
    ),
]
