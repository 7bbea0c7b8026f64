from django.apps import AppConfig


class FilesConfig(AppConfig):
    name = "playground.files"
