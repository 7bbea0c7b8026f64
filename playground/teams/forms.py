from django import forms

from playground.teams.models import Team


class TeamForm(forms.Form):
    name = forms.CharField(
        label="Team name",
        max_length=Team._meta.get_field("name").max_length,
        strip=True,
        error_messages={"required": "Give the team a name."},
        help_text="Everyone in the team sees it, e.g. “Support bots” or “Design review”.",
    )


class MemberAddForm(forms.Form):
    username = forms.CharField(
        label="Username",
        max_length=150,
        strip=True,
        error_messages={"required": "Type the username of the person to add."},
        help_text="The name they log in with. They join as a member and see the team at once.",
    )
