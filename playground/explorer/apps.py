from django.apps import AppConfig


class ExplorerConfig(AppConfig):
    name = "playground.explorer"
    verbose_name = "API explorer"
