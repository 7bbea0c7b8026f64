"""Presets: who sees and who changes which, the starters, the page and its form, through the
app's views and services on a real database."""

import pytest
from django.test import Client
from django.urls import reverse

from playground.nexconn import catalog
from playground.presets import selectors, services
from playground.presets.models import Preset
from playground.presets.services import NotAllowed, PresetError
from playground.presets.starters import STARTERS
from playground.teams.services import team_create

pytestmark = pytest.mark.django_db
HTMX = {"HTTP_HX_REQUEST": "true"}


def logged_in(user):
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


def make(user, name, *, team=None, model="deepseek-v3", **extra):
    return services.preset_create(
        user=user, name=name, model=model, system_prompt=f"{name} prompt", team=team, **extra
    )


def visible_names(user) -> set[str]:
    return {p.name for p in selectors.presets_visible(user=user) if not p.is_starter}


def test_starters_ship_checked_and_everyone_sees_them_but_nobody_changes_them(owner, other_user):
    starters = list(Preset.objects.exclude(starter_key=None).order_by("pk"))
    assert [p.starter_key for p in starters] == [s.key for s in STARTERS]
    for preset in starters:
        assert preset.model in {model.id for model in catalog.CHAT_MODELS}
        kept, errors = services.settings_clean(
            model_id=preset.model, raw=services.settings_as_form(preset.settings)
        )
        assert not errors and kept == preset.settings, preset.name
        assert preset.system_prompt
    for user in (owner, other_user):
        assert {p.pk for p in selectors.presets_visible(user=user)} >= {p.pk for p in starters}
        assert not selectors.may_change(user=user, preset=starters[0])
    with pytest.raises(NotAllowed):
        services.preset_delete(preset=starters[0], by=owner)
    page = logged_in(other_user).get(reverse("presets:list")).content.decode()
    assert "Starters" in page and "Code reviewer" in page


def test_starters_follow_the_table_after_a_migrate(owner):
    starter = Preset.objects.get(starter_key="translator")
    Preset.objects.filter(pk=starter.pk).update(name="Changed in the database")
    Preset.objects.filter(starter_key="code-reviewer").delete()
    services.starters_sync()
    assert Preset.objects.get(pk=starter.pk).name == "Translator"
    assert Preset.objects.filter(starter_key="code-reviewer").exists()
    assert Preset.objects.exclude(starter_key=None).count() == len(STARTERS)


def test_visibility_follows_the_owner_and_the_team(owner, member, other_user, team):
    make(owner, "Alice alone")
    make(owner, "Alice for the team", team=team)
    make(member, "Bob for the team", team=team)
    make(other_user, "Charlie alone")
    assert visible_names(owner) == {"Alice alone", "Alice for the team", "Bob for the team"}
    assert visible_names(member) == {"Alice for the team", "Bob for the team"}
    assert visible_names(other_user) == {"Charlie alone"}
    groups = selectors.presets_grouped(user=member)
    assert [g.label for g in groups] == ["Yours", "Team Model reviewers", "Starters"]
    assert [p.name for p in groups[0].presets] == ["Bob for the team"]
    assert [p.name for p in groups[1].presets] == ["Alice for the team"]


def test_a_team_preset_is_changed_by_its_owner_or_the_team_owner_only(owner, member, team):
    by_member = make(member, "Bob's", team=team)
    by_owner = make(owner, "Alice's", team=team)
    assert selectors.may_change(user=member, preset=by_member)
    assert selectors.may_change(user=owner, preset=by_member)  # the team's owner
    assert not selectors.may_change(user=member, preset=by_owner)
    with pytest.raises(NotAllowed):
        services.preset_delete(preset=by_owner, by=member)
    # The team's owner changes what it says, not who it is shared with.
    fields = {"name": "Bob's, tidied", "model": "deepseek-v3", "team": team}
    services.preset_update(preset=by_member, by=owner, **fields)
    with pytest.raises(NotAllowed):
        services.preset_update(preset=by_member, by=owner, **(fields | {"team": None}))
    services.preset_update(preset=by_member, by=member, **(fields | {"team": None}))
    assert Preset.objects.get(pk=by_member.pk).team is None


def test_sharing_needs_membership_and_settings_are_checked(owner, other_user, team):
    with pytest.raises(PresetError, match="a team you are in"):
        make(other_user, "Sneaky", team=team)
    with pytest.raises(PresetError) as refused:
        make(owner, "Too hot", settings={"temperature": 5})
    assert "temperature" in refused.value.errors
    with pytest.raises(PresetError, match="no chat model"):
        make(owner, "Nothing", model="no-such-model")
    with pytest.raises(PresetError, match="protocol"):
        make(owner, "Wrong way", protocol="gemini")  # deepseek is not a Gemini model


def access_cases(preset, starter):
    """(method, url, expected for the preset's owner, a team member, an outsider, anonymous,
    and the data sent). Deleting comes last: the owner's delete ends the preset."""
    pk = preset.pk
    return [
        ("get", reverse("presets:list"), (200, 200, 200, 302), {}),
        ("get", reverse("presets:create"), (200, 200, 200, 302), {}),
        ("get", reverse("presets:settings"), (200, 200, 200, 302), {"model": "openai/gpt-5"}),
        ("get", reverse("presets:edit", args=[pk]), (200, 403, 404, 302), {}),
        ("post", reverse("presets:edit", args=[pk]), (422, 403, 404, 302), {}),
        ("post", reverse("presets:duplicate", args=[pk]), (302, 302, 404, 302), {}),
        ("get", reverse("presets:edit", args=[starter.pk]), (403, 403, 403, 302), {}),
        ("post", reverse("presets:delete", args=[starter.pk]), (403, 403, 403, 302), {}),
        ("post", reverse("presets:apply-chat"), (302, 302, 404, 302), {"preset": pk}),
        ("post", reverse("presets:apply-compare"), (302, 302, 404, 302), {"preset": pk}),
        ("post", reverse("presets:delete", args=[pk]), (302, 403, 404, 302), {}),
    ]


def test_every_url_for_owner_member_outsider_and_anonymous(owner, member, other_user, team):
    preset = make(owner, "Shared", team=team)
    starter = Preset.objects.exclude(starter_key=None).first()
    for method, url, expected, data in access_cases(preset, starter):
        # The owner goes last, so the owner's delete does not hide the others' answers.
        users = [owner, member, other_user, None]
        for user, status in reversed(list(zip(users, expected, strict=True))):
            response = getattr(logged_in(user), method)(url, data)
            assert response.status_code == status, (method, url, user, response.content[:300])
    assert not Preset.objects.filter(pk=preset.pk).exists()


def test_the_page_lists_searches_and_the_form_keeps_what_was_typed(owner):
    client = logged_in(owner)
    assert "no presets of your own yet" in client.get(reverse("presets:list")).content.decode()
    blank = client.get(reverse("presets:create")).content.decode()
    assert '<option value="deepseek-v3" selected>' in blank and "Settings for DeepSeek V3" in blank
    data = {
        "name": "Hot take",
        "model": "deepseek-v3",
        "system_prompt": "Be bold.",
        "p_temperature": "5",
        "team": "",
    }
    refused = client.post(reverse("presets:create"), data, **HTMX)
    assert refused.status_code == 422
    page = refused.content.decode()
    assert "Temperature must be between 0 and 2" in page and "Be bold." in page
    assert 'value="5"' in page and not Preset.objects.filter(owner=owner).exists()

    created = client.post(reverse("presets:create"), data | {"p_temperature": "1.4"}, **HTMX)
    assert created.status_code == 200 and created["HX-Redirect"].startswith("/presets/")
    preset = Preset.objects.get(owner=owner)
    # Kept typed, and only what was set: the blank settings stay the model's defaults.
    assert preset.settings == {"temperature": 1.4}
    assert preset.protocol == ""

    page = client.get(reverse("presets:list")).content.decode()
    assert "Hot take" in page and "Temperature 1.4" in page and "Use in chat" in page
    found = client.get(
        reverse("presets:list"), {"q": "bold"}, HTTP_HX_TARGET="preset-groups", **HTMX
    ).content.decode()
    assert "Hot take" in found and "Code reviewer" not in found and "<html" not in found
    found = client.get(reverse("presets:list"), {"q": "reviewer"}).content.decode()
    assert "Code reviewer" in found and "Hot take" not in found


def test_editing_a_preset_and_changing_its_model_redraws_its_settings(owner, team):
    preset = make(owner, "Thinker", model="claude-4.5-sonnet", settings={"thinking": True})
    client = logged_in(owner)
    page = client.get(reverse("presets:edit", args=[preset.pk])).content.decode()
    assert "Thinking budget" in page and "Thinker prompt" in page
    options = client.get(reverse("presets:settings"), {"model": "openai/gpt-5"}, **HTMX)
    assert "Reasoning effort" in options.content.decode()
    assert "Thinking budget" not in options.content.decode()
    data = {
        "name": "Thinker",
        "model": "openai/gpt-5",
        "protocol": "responses",
        "system_prompt": "Think, then answer.",
        "p_reasoning_effort": "high",
        "team": str(team.pk),
    }
    response = client.post(reverse("presets:edit", args=[preset.pk]), data)
    assert response.status_code == 302
    preset.refresh_from_db()
    assert (preset.model, preset.protocol, preset.team) == ("openai/gpt-5", "responses", team)
    assert preset.settings == {"reasoning_effort": "high"}


def test_duplicate_makes_your_own_unshared_copy(owner, member, team):
    shared = make(owner, "Team voice", team=team, settings={"temperature": 0.2})
    response = logged_in(member).post(reverse("presets:duplicate", args=[shared.pk]))
    copy = Preset.objects.get(owner=member)
    assert response["Location"] == reverse("presets:edit", args=[copy.pk])
    assert (copy.name, copy.team) == ("Team voice (copy)", None)
    assert copy.settings == {"temperature": 0.2}


def test_a_deleted_team_leaves_its_presets_with_their_owners(owner, django_user_model):
    team = team_create(user=owner, name="Short-lived")
    preset = make(owner, "Kept", team=team)
    team.delete()
    preset.refresh_from_db()
    assert preset.team is None and preset.owner == owner


def test_a_deleted_account_leaves_its_shared_presets_with_the_team(owner, member, team):
    """The team keeps what a colleague shared when their account is deleted; their own
    presets go with them. The team's owners then change the shared ones."""
    shared = make(member, "Release notes", team=team)
    make(member, "Private drafts")
    member.delete()
    shared.refresh_from_db()
    assert shared.owner is None and shared.team == team
    assert not Preset.objects.filter(name="Private drafts").exists()
    assert "Release notes" in visible_names(owner)
    assert selectors.may_change(user=owner, preset=shared)
    page = logged_in(owner).get(reverse("presets:list")).content.decode()
    assert "Release notes" in page and "by a deleted account" in page


def test_a_deleted_team_takes_the_presets_nobody_owns_any_more(owner, member, team):
    make(member, "Release notes", team=team)
    kept = make(owner, "Kept", team=team)
    member.delete()
    team.delete()
    assert not Preset.objects.filter(name="Release notes").exists()
    kept.refresh_from_db()
    assert kept.team is None and kept.owner == owner
