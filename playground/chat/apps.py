from django.apps import AppConfig
from django.db.models.signals import post_delete, post_save


class ChatConfig(AppConfig):
    name = "playground.chat"

    def ready(self):
        from playground.chat.models import ModelPrice
        from playground.chat.pricing import forget_model_prices

        # A price saved or deleted (the admin) is used from the next answer on.
        for signal in (post_save, post_delete):
            signal.connect(forget_model_prices, sender=ModelPrice, dispatch_uid="model-prices")
