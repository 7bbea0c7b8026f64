from django.contrib import admin

from playground.usage.models import BudgetPolicy, Limit, MediaPrice


@admin.register(Limit)
class LimitAdmin(admin.ModelAdmin):
    """Spending and load limits: a user's own (team blank), a team's (user blank), or one
    member's within a team (both). Blank values mean no limit."""

    list_display = [
        "__str__", "monthly_spend", "max_running_answers", "max_running_media",
        "requests_per_minute", "updated_at", "updated_by",
    ]  # fmt: skip
    list_select_related = ["user", "team", "updated_by"]
    search_fields = ["user__username", "team__name"]
    raw_id_fields = ["user", "team"]

    def save_model(self, request, obj, form, change):
        obj.updated_by = request.user
        super().save_model(request, obj, form, change)


@admin.register(BudgetPolicy)
class BudgetPolicyAdmin(admin.ModelAdmin):
    """One row: how budgets treat models without a price. Deleting it goes back to
    settings.USAGE_UNPRICED_RULE."""

    list_display = ["unpriced", "updated_at"]

    def has_add_permission(self, request):
        return super().has_add_permission(request) and not BudgetPolicy.objects.exists()


@admin.register(MediaPrice)
class MediaPriceAdmin(admin.ModelAdmin):
    """Image and video prices per model, and per resolution where it differs; jobs on a
    model without one show “not priced”."""

    list_display = ["model", "resolution", "per_image", "per_video_second", "currency"]
    search_fields = ["model"]
