from django.contrib import admin

from playground.presets.models import Preset


@admin.register(Preset)
class PresetAdmin(admin.ModelAdmin):
    list_display = ["name", "model", "owner", "team", "starter_key", "updated_at"]
    list_filter = ["model"]
    list_select_related = ["owner", "team"]
    search_fields = ["name", "description", "model", "owner__username", "team__name"]
    raw_id_fields = ["owner", "team"]
    # Starters are written from presets/starters.py after each migrate: edits here go.
    readonly_fields = ["starter_key"]
