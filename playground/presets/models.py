from django.conf import settings as django_settings
from django.db import models
from django.db.models import Q

MAX_SYSTEM_PROMPT_CHARS = 20_000  # the chat form's limit


class Preset(models.Model):
    """A system prompt with a model and its settings, to start a chat or a comparison from.

    A user's own preset may be shared with one of their teams: every member can use it, and
    only its owner or an owner of the team can change it. A starter ships with the app
    (presets/starters.py): it has a key and no owner, everyone sees it and nobody edits it.
    A deleted account's shared presets stay with their team, with no owner (the team's
    owners change them); its own go with it, as do a deleted team's presets with no owner
    (presets/apps.py).
    """

    name = models.CharField(max_length=100)
    description = models.CharField(max_length=300, blank=True)
    system_prompt = models.TextField(blank=True, max_length=MAX_SYSTEM_PROMPT_CHARS)
    model = models.CharField(max_length=200)
    protocol = models.CharField(max_length=32, blank=True)  # blank: the model's default
    # The parameters panel's values, checked against the model's catalog entry and kept
    # typed (0.7, 1024, true, a list of tools); only what was set, a blank being the default.
    settings = models.JSONField(default=dict, blank=True)
    owner = models.ForeignKey(
        django_settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="presets",
    )
    # A deleted team leaves its presets with their owners.
    team = models.ForeignKey(
        "teams.Team", null=True, blank=True, on_delete=models.SET_NULL, related_name="presets"
    )
    starter_key = models.SlugField(max_length=50, null=True, blank=True, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        indexes = [models.Index(fields=["owner", "name"]), models.Index(fields=["team", "name"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(starter_key__isnull=True)
                & (Q(owner__isnull=False) | Q(team__isnull=False))
                | Q(starter_key__isnull=False, owner__isnull=True, team__isnull=True),
                name="presets_owned_or_starter",
            )
        ]

    def __str__(self):
        return self.name

    @property
    def is_starter(self) -> bool:
        return self.starter_key is not None
