from django.urls import path

from playground.compare import views

app_name = "compare"

urlpatterns = [
    path("compare/", views.comparison_list, name="list"),
    path("compare/new/", views.comparison_create, name="create"),
    path("compare/column/<int:index>/", views.column_settings, name="column-settings"),
    path("compare/leaderboard/", views.leaderboard, name="leaderboard"),
    path("compare/<id:pk>/", views.comparison_detail, name="comparison"),
    path("compare/<id:pk>/events/", views.comparison_events, name="events"),
    path("compare/<id:pk>/turn/", views.turn_create, name="turn"),
    path("compare/<id:pk>/cell/<id:entry_id>/", views.entry_cell, name="cell"),
    path("compare/<id:pk>/media/<id:output_id>/", views.entry_media, name="media"),
    path("compare/<id:pk>/retry/<id:entry_id>/", views.entry_retry, name="retry"),
    path("compare/<id:pk>/vote/<id:turn_id>/", views.vote, name="vote"),
    path("compare/<id:pk>/share/", views.share_create, name="share"),
    path("compare/<id:pk>/share/<id:link_id>/revoke/", views.share_revoke, name="share-revoke"),
    path("compare/<id:pk>/delete/", views.comparison_delete, name="delete"),
    path("compare/<id:pk>/export.<str:file_format>", views.comparison_export, name="export"),
    path("s/<str:token>/", views.shared, name="shared"),
    path("s/<str:token>/media/<id:output_id>/", views.shared_media, name="shared-media"),
]
