from django import forms
from django.contrib import admin, messages
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin

from playground.accounts import keys, services
from playground.accounts.models import InstanceKeyAccess, Invitation, SignupPolicy, StoredKey

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


class StoredKeyForm(forms.ModelForm):
    """A key is typed here and never shown: the page shows only its last four characters."""

    api_key = forms.CharField(
        label="API key",
        required=False,
        widget=forms.PasswordInput(render_value=False),
        help_text="Stored encrypted. Leave empty to keep the current key.",
    )

    class Meta:
        model = StoredKey
        fields = ["user", "team"]

    def clean(self):
        cleaned = super().clean()
        if bool(cleaned.get("user")) == bool(cleaned.get("team")):
            raise forms.ValidationError("A key belongs to one user or to one team.")
        value = cleaned.get("api_key", "")
        if not value and not self.instance.pk:
            self.add_error("api_key", "Paste the API key.")
        elif value:
            try:
                cleaned["api_key"] = keys.clean_key(value)
            except keys.KeyRefused as refused:
                self.add_error("api_key", refused.message)
        return cleaned


@admin.register(StoredKey)
class StoredKeyAdmin(admin.ModelAdmin):
    """Personal and team keys: set, replaced or removed here too. Never the key itself."""

    form = StoredKeyForm
    list_display = ["__str__", "user", "team", "updated_at", "updated_by"]
    list_select_related = ["user", "team", "updated_by"]
    search_fields = ["user__username", "team__name"]
    raw_id_fields = ["user", "team"]
    readonly_fields = ["masked", "created_at", "updated_at", "updated_by"]

    @admin.display(description="Key")
    def masked(self, obj):
        return obj.masked if obj.pk else "—"

    def save_model(self, request, obj, form, change):
        api_key = form.cleaned_data.get("api_key")
        if api_key:
            obj.ciphertext = keys.encrypt(api_key)
            obj.last_four = api_key[-4:]
        obj.updated_by = request.user
        super().save_model(request, obj, form, change)


@admin.register(InstanceKeyAccess)
class InstanceKeyAccessAdmin(admin.ModelAdmin):
    """Who may fall back to the instance key (NEXCONN_API_KEY). A user without a row may; the
    user list's actions "Forbid/Allow the instance key" write these rows too."""

    list_display = ["user", "may_use_instance_key", "updated_at"]
    list_filter = ["may_use_instance_key"]
    list_editable = ["may_use_instance_key"]
    search_fields = ["user__username"]
    raw_id_fields = ["user"]


admin.site.unregister(User)


@admin.register(User)
class AccountAdmin(UserAdmin):
    """Django's user admin, with deactivation that also ends what the account has running,
    and unlocking of logins that failed too often."""

    list_display = [*UserAdmin.list_display, "is_active", "last_login"]
    actions = ["deactivate", "unlock_logins", "forbid_instance_key", "allow_instance_key"]

    @admin.action(description="Forbid the instance key (their work needs a personal or team key)")
    def forbid_instance_key(self, request, queryset):
        self._instance_key(request, queryset, allowed=False)

    @admin.action(description="Allow the instance key")
    def allow_instance_key(self, request, queryset):
        self._instance_key(request, queryset, allowed=True)

    def _instance_key(self, request, queryset, *, allowed: bool):
        for user in queryset:
            InstanceKeyAccess.objects.update_or_create(
                user=user, defaults={"may_use_instance_key": allowed}
            )
        names = ", ".join(user.get_username() for user in queryset)
        verb = "may use" if allowed else "may no longer use"
        self.message_user(request, f"{names} {verb} the instance key.", messages.SUCCESS)

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
