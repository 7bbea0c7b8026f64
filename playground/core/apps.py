from django.apps import AppConfig
from django.urls import register_converter


class CoreConfig(AppConfig):
    name = "playground.core"

    def ready(self):
        from playground.core.ids import IdConverter

        register_converter(IdConverter, "id")  # before any URLconf is read
