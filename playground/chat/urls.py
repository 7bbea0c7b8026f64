from django.urls import path

from playground.chat import message_views, views

app_name = "chat"

urlpatterns = [
    path("", views.home, name="home"),
    path("send/", views.message_send, name="send"),
    path("composer/options/", views.composer_options, name="composer-options"),
    path("settings-panel/", views.settings_panel, name="settings-panel"),
    path("conversations/", views.conversation_list, name="conversation-list"),
    path("c/<id:pk>/", views.conversation_detail, name="conversation"),
    path("c/<id:pk>/item/", views.conversation_item, name="conversation-item"),
    path("c/<id:pk>/rename/", views.conversation_rename, name="conversation-rename"),
    path("c/<id:pk>/delete/", views.conversation_delete, name="conversation-delete"),
    path(
        "c/<id:pk>/export.<str:file_format>",
        views.conversation_export,
        name="conversation-export",
    ),
    path("pages/<str:page>/events/", views.page_events, name="page-events"),
    path("runs/<id:pk>/stop/", views.run_stop, name="run-stop"),
    path("runs/<id:pk>/retry/", views.run_retry, name="run-retry"),
    path("runs/<id:pk>/inspect/", views.run_inspect, name="run-inspect"),
    path("attachments/<id:pk>/", views.attachment_file, name="attachment"),
    path("m/<id:pk>/edit/", message_views.message_edit, name="message-edit"),
    path("m/<id:pk>/regenerate/", message_views.message_regenerate, name="message-regenerate"),
    path("m/<id:pk>/show/", message_views.message_show, name="message-show"),
    path("m/<id:pk>/delete/", message_views.message_delete, name="message-delete"),
    path("m/<id:pk>/tool-results/", message_views.tool_results, name="tool-results"),
]
