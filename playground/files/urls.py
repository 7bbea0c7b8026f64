from django.urls import path

from playground.files import views

app_name = "files"

urlpatterns = [
    path("files/", views.files, name="files"),
    path("files/add/", views.file_create, name="create"),
    path("files/picker/", views.file_picker, name="picker"),
    path("files/refresh/", views.files_refresh, name="refresh"),
    path("files/<id:pk>/card/", views.file_card, name="card"),
    path("files/<id:pk>/delete/", views.file_delete, name="delete"),
]
