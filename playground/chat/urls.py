from django.urls import path

from playground.chat import message_views, views

app_name = "chat"

urlpatterns = [
    path("", views.home, name="home"),
    path("send/", views.message_send, name="send"),
    path("composer/options/", views.composer_options, name="composer-options"),
    path("conversations/", views.conversation_list, name="conversation-list"),
    path("c/<int:pk>/", views.conversation_detail, name="conversation"),
    path("c/<int:pk>/item/", views.conversation_item, name="conversation-item"),
    path("c/<int:pk>/rename/", views.conversation_rename, name="conversation-rename"),
    path("c/<int:pk>/delete/", views.conversation_delete, name="conversation-delete"),
    path(
        "c/<int:pk>/export.<str:file_format>",
        views.conversation_export,
        name="conversation-export",
    ),
    path("runs/<int:pk>/events/", views.run_events, name="run-events"),
    path("pages/<str:page>/events/", views.page_events, name="page-events"),
    path("runs/<int:pk>/stop/", views.run_stop, name="run-stop"),
    path("runs/<int:pk>/retry/", views.run_retry, name="run-retry"),
    path("runs/<int:pk>/inspect/", views.run_inspect, name="run-inspect"),
    path("attachments/<int:pk>/", views.attachment_file, name="attachment"),
    path("m/<int:pk>/edit/", message_views.message_edit, name="message-edit"),
    path("m/<int:pk>/regenerate/", message_views.message_regenerate, name="message-regenerate"),
    path("m/<int:pk>/show/", message_views.message_show, name="message-show"),
    path("m/<int:pk>/delete/", message_views.message_delete, name="message-delete"),
    path("m/<int:pk>/tool-results/", message_views.tool_results, name="tool-results"),
]
