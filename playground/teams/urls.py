from django.urls import path

from playground.teams import views

app_name = "teams"

urlpatterns = [
    path("teams/", views.teams, name="teams"),
    path("teams/new/", views.team_create, name="create"),
    path("teams/<id:pk>/", views.team_detail, name="team"),
    path("teams/<id:pk>/delete/", views.team_delete, name="delete"),
    path("teams/<id:pk>/key/", views.team_key_save, name="key-save"),
    path("teams/<id:pk>/key/remove/", views.team_key_remove, name="key-remove"),
    path("teams/<id:pk>/key/test/", views.team_key_test, name="key-test"),
    path("teams/<id:pk>/members/add/", views.member_add, name="member-add"),
    path(
        "teams/<id:pk>/members/<id:user_id>/remove/",
        views.member_remove,
        name="member-remove",
    ),
    path("teams/<id:pk>/members/<id:user_id>/role/", views.member_role, name="member-role"),
]
