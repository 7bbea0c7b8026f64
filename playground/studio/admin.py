from django.contrib import admin

from playground.studio.models import Generation


@admin.register(Generation)
class GenerationAdmin(admin.ModelAdmin):
    """Studio jobs, read-only: a billed job stays on record, also for an account that was
    deactivated (its jobs already sent run to their end; those not sent show as cancelled)."""

    list_display = ["id", "owner", "kind", "model", "status", "created_at", "finished_at"]
    list_filter = ["status", "kind"]
    list_select_related = ["owner"]
    search_fields = ["owner__username", "model", "upstream_task_id"]
    date_hierarchy = "created_at"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
