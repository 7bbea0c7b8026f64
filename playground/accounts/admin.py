from django.contrib import admin, messages
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin

from playground.accounts import services
from playground.accounts.models import Invitation, SignupPolicy

User = get_user_model()


@admin.register(SignupPolicy)
class SignupPolicyAdmin(admin.ModelAdmin):
    """One row: who may sign up. Deleting it goes back to settings.SIGNUP_POLICY."""

    list_display = ["policy", "updated_at", "updated_by"]
    readonly_fields = ["updated_at", "updated_by"]

    def has_add_permission(self, request):
        return super().has_add_permission(request) and not SignupPolicy.objects.exists()

    def save_model(self, request, obj, form, change):
        obj.updated_by = request.user
        super().save_model(request, obj, form, change)


@admin.register(Invitation)
class InvitationAdmin(admin.ModelAdmin):
    list_display = ["__str__", "created_at", "expires_at", "use_count", "max_uses", "revoked_at"]
    list_filter = ["revoked_at"]
    list_select_related = ["team", "created_by"]
    search_fields = ["team__name", "created_by__username"]
    raw_id_fields = ["team", "created_by", "used_by"]
    readonly_fields = ["token", "use_count", "used_by", "created_at"]


admin.site.unregister(User)


@admin.register(User)
class AccountAdmin(UserAdmin):
    """Django's user admin, with deactivation that also ends what the account has running,
    and unlocking of logins that failed too often."""

    list_display = [*UserAdmin.list_display, "is_active", "last_login"]
    actions = ["deactivate", "unlock_logins"]

    @admin.action(description="Deactivate: log out, stop answers, cancel jobs not yet sent")
    def deactivate(self, request, queryset):
        for user in queryset.exclude(pk=request.user.pk):
            done = services.user_deactivate(user=user)
            self.message_user(
                request,
                f"Deactivated {user.get_username()}: {done.sessions_ended} session(s) ended, "
                f"{done.answers_stopped} answer(s) stopped, {done.jobs_cancelled} studio "
                f"job(s) and {done.files_cancelled} file import(s) cancelled before sending, "
                f"{done.invitations_revoked} invitation link(s) withdrawn. Jobs already sent "
                "run to their end.",
                messages.SUCCESS,
            )
        if queryset.filter(pk=request.user.pk).exists():
            self.message_user(request, "Your own account stays active.", messages.WARNING)

    @admin.action(description="Unlock logins (after too many failed attempts)")
    def unlock_logins(self, request, queryset):
        usernames = [user.get_username() for user in queryset]
        cleared = services.logins_unlock(usernames=usernames)
        self.message_user(
            request,
            f"Unlocked {', '.join(usernames)} ({cleared} failed-login record(s) cleared). A "
            "lockout of an address is lifted in Axes → Access attempts.",
            messages.SUCCESS,
        )

    def save_model(self, request, obj, form, change):
        """Unticking “Active” on the form deactivates the account as the action does."""
        super().save_model(request, obj, form, change)
        if change and "is_active" in form.changed_data and not obj.is_active:
            services.user_deactivate(user=obj)
