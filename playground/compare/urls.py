from django.urls import path

from playground.compare import views

app_name = "compare"

urlpatterns = [
    path("compare/", views.comparison_list, name="list"),
    path("compare/new/", views.comparison_create, name="create"),
    path("compare/column/<int:index>/", views.column_settings, name="column-settings"),
    path("compare/leaderboard/", views.leaderboard, name="leaderboard"),
    path("compare/<int:pk>/", views.comparison_detail, name="comparison"),
    path("compare/<int:pk>/events/", views.comparison_events, name="events"),
    path("compare/<int:pk>/turn/", views.turn_create, name="turn"),
    path("compare/<int:pk>/cell/<int:entry_id>/", views.entry_cell, name="cell"),
    path("compare/<int:pk>/media/<int:output_id>/", views.entry_media, name="media"),
    path("compare/<int:pk>/retry/<int:entry_id>/", views.entry_retry, name="retry"),
    path("compare/<int:pk>/vote/<int:turn_id>/", views.vote, name="vote"),
    path("compare/<int:pk>/share/", views.share_create, name="share"),
    path("compare/<int:pk>/share/<int:link_id>/revoke/", views.share_revoke, name="share-revoke"),
    path("compare/<int:pk>/delete/", views.comparison_delete, name="delete"),
    path("compare/<int:pk>/export.<str:file_format>", views.comparison_export, name="export"),
    path("s/<str:token>/", views.shared, name="shared"),
    path("s/<str:token>/media/<int:output_id>/", views.shared_media, name="shared-media"),
]
