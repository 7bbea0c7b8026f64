from django.urls import path

from playground.usage import views

app_name = "usage"

urlpatterns = [
    path("teams/<id:pk>/limits/", views.team_limits, name="team-limits"),
    path("teams/<id:pk>/limits/team/", views.team_limit_save, name="team-limit-save"),
    path(
        "teams/<id:pk>/limits/members/<id:user_id>/",
        views.team_limit_save,
        name="member-limit-save",
    ),
]
