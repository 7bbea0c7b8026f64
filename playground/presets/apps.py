from django.apps import AppConfig
from django.apps import apps as global_apps
from django.db.models.signals import post_migrate


def _sync_starters(sender, *, using, apps=global_apps, **kwargs):
    """After every migrate (and every flush, tests' included, which sends the same signal
    without `apps`) the starters are what presets/starters.py says."""
    from playground.presets.services import starters_sync

    try:
        model = apps.get_model("presets", "Preset")
    except LookupError:  # migrated back to before presets existed
        return
    starters_sync(using=using, model=model)


class PresetsConfig(AppConfig):
    name = "playground.presets"

    def ready(self):
        post_migrate.connect(_sync_starters, sender=self, dispatch_uid="presets-starters")
