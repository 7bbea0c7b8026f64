from django.urls import path

from playground.chat import views

app_name = "chat"

urlpatterns = [
    path("", views.home, name="home"),
    path("send/", views.message_send, name="send"),
    path("conversations/", views.conversation_list, name="conversation-list"),
    path("c/<int:pk>/", views.conversation_detail, name="conversation"),
    path("c/<int:pk>/item/", views.conversation_item, name="conversation-item"),
    path("c/<int:pk>/rename/", views.conversation_rename, name="conversation-rename"),
    path("c/<int:pk>/delete/", views.conversation_delete, name="conversation-delete"),
    path("runs/<int:pk>/events/", views.run_events, name="run-events"),
    path("runs/<int:pk>/stop/", views.run_stop, name="run-stop"),
    path("runs/<int:pk>/retry/", views.run_retry, name="run-retry"),
    path("attachments/<int:pk>/", views.attachment_file, name="attachment"),
]
