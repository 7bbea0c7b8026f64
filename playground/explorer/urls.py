from django.urls import path

from playground.explorer import views

app_name = "explorer"

urlpatterns = [
    path("explorer/", views.index, name="index"),
    path("explorer/e/<slug:endpoint_id>/", views.endpoint_page, name="endpoint"),
    path("explorer/e/<slug:endpoint_id>/panel/", views.request_panel, name="panel"),
    path("explorer/e/<slug:endpoint_id>/code/", views.code, name="code"),
    path("explorer/e/<slug:endpoint_id>/send/", views.send, name="send"),
    path("explorer/e/<slug:endpoint_id>/poll/", views.poll, name="poll"),
    path("explorer/media/<str:token>/", views.media, name="media"),
    path("explorer/save/", views.save, name="save"),
    path("explorer/import/", views.import_curl, name="import"),
    path("explorer/history/", views.history, name="history"),
    path("explorer/history/<id:pk>/", views.history_detail, name="history-detail"),
]
