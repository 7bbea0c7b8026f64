from django.apps import AppConfig
from django.db.models.signals import post_delete, post_save


class UsageConfig(AppConfig):
    name = "playground.usage"
    verbose_name = "Usage and budgets"

    def ready(self):
        from playground.usage.models import MediaPrice
        from playground.usage.prices import forget_media_prices

        # A price saved or deleted (the admin) is used from the next job on.
        for signal in (post_save, post_delete):
            signal.connect(forget_media_prices, sender=MediaPrice, dispatch_uid="media-prices")
