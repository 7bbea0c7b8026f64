from django import forms
from django.contrib.auth.forms import UserCreationForm

from playground.accounts import selectors
from playground.accounts.services import INVITATION_DAYS, INVITATION_MAX_USES


class SignupForm(UserCreationForm):
    usable_password = None  # sign-up always sets a password


class InvitationForm(forms.Form):
    team = forms.ModelChoiceField(
        queryset=None,
        label="Team",
        help_text="The person who signs up through the link joins this team as a member.",
        error_messages={
            "required": "Choose the team to invite people to.",
            "invalid_choice": "Choose one of your teams.",
        },
    )
    days = forms.TypedChoiceField(
        label="Works for",
        choices=[(days, f"{days} day{'s' if days > 1 else ''}") for days in INVITATION_DAYS],
        coerce=int,
        initial=7,
        help_text="After that the link no longer works.",
    )
    max_uses = forms.IntegerField(
        label="Uses",
        min_value=1,
        max_value=INVITATION_MAX_USES,
        initial=1,
        help_text=f"How many accounts the link can make (1 to {INVITATION_MAX_USES}).",
        error_messages={
            "required": "Say how many people may use the link.",
            "min_value": "A link is for at least one person.",
            "max_value": f"A link can be used {INVITATION_MAX_USES} times at most.",
            "invalid": "Type a whole number.",
        },
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        team = self.fields["team"]
        team.queryset = selectors.teams_to_invite_to(user=user)
        if selectors.is_admin(user):
            team.required = False
            team.empty_label = "No team: just an account"
            team.help_text += " Without a team the link only lets them create an account."
        else:
            team.empty_label = None


class ApiKeyForm(forms.Form):
    """A Nexconn API key to store. Never rendered back: the field is always empty."""

    api_key = forms.CharField(
        label="API key",
        strip=True,
        max_length=600,
        widget=forms.PasswordInput(render_value=False),
        error_messages={"required": "Paste the API key."},
        help_text="Stored encrypted. After saving, only its last four characters are shown.",
    )

    def clean_api_key(self):
        from playground.accounts.keys import KeyRefused, clean_key

        try:
            return clean_key(self.cleaned_data["api_key"])
        except KeyRefused as refused:
            raise forms.ValidationError(refused.message) from None
