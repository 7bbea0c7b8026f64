from django.apps import AppConfig
from django.apps import apps as global_apps
from django.conf import settings as django_settings
from django.db.models.signals import post_migrate, pre_delete


def _sync_starters(sender, *, using, apps=global_apps, **kwargs):
    """After every migrate (and every flush, tests' included, which sends the same signal
    without `apps`) the starters are what presets/starters.py says."""
    from playground.presets.services import starters_sync

    try:
        model = apps.get_model("presets", "Preset")
    except LookupError:  # migrated back to before presets existed
        return
    starters_sync(using=using, model=model)


def _delete_unshared_presets(sender, instance, **kwargs):
    """Before a user is deleted: their presets shared with no team go with them; those
    shared with a team then lose their owner (on_delete) and stay the team's."""
    from playground.presets.models import Preset

    Preset.objects.filter(owner=instance, team=None).delete()


def _delete_ownerless_presets(sender, instance, **kwargs):
    """Before a team is deleted: the presets it kept after their owner's account was deleted
    go with it; the others return to their owners (on_delete)."""
    from playground.presets.models import Preset

    Preset.objects.filter(team=instance, owner=None, starter_key=None).delete()


class PresetsConfig(AppConfig):
    name = "playground.presets"

    def ready(self):
        post_migrate.connect(_sync_starters, sender=self, dispatch_uid="presets-starters")
        user_model = self.apps.get_model(django_settings.AUTH_USER_MODEL)
        pre_delete.connect(_delete_unshared_presets, sender=user_model, dispatch_uid="presets-user")
        team_model = self.apps.get_model("teams", "Team")
        pre_delete.connect(
            _delete_ownerless_presets, sender=team_model, dispatch_uid="presets-team"
        )
