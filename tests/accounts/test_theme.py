"""The theme switch in the account menu (System, Light, Dark): kept per person, drawn by the
server on <html> of every page (no flash of the other theme), with htmx or without JS."""

import json
import re

import pytest
from django.test import Client
from django.urls import reverse

from playground.accounts.selectors import preference_for

pytestmark = pytest.mark.django_db

THEME = reverse("theme-save")


def drawn_theme(response) -> str:
    return re.search(r'<html lang="en" data-theme="(\w*)">', response.text).group(1)


def pressed(response) -> list[str]:
    return re.findall(r'value="(\w+)" id="theme-\w+" aria-pressed="true"', response.text)


def test_a_new_account_and_a_visitor_follow_the_system(owner_client):
    page = owner_client.get(reverse("teams:teams"))
    assert drawn_theme(page) == "system" and pressed(page) == ["system"]
    assert drawn_theme(Client().get(reverse("login"))) == "system"


def test_the_chosen_theme_is_drawn_on_every_page_and_in_every_browser(owner_client, owner):
    response = owner_client.post(THEME, {"theme": "dark", "next": "/usage/?period=7"})
    assert response.status_code == 302 and response["Location"] == "/usage/?period=7"
    for url in (reverse("usage:usage"), reverse("account"), reverse("files:files")):
        page = owner_client.get(url)
        assert drawn_theme(page) == "dark" and pressed(page) == ["dark"]

    elsewhere = Client()
    elsewhere.force_login(owner)
    assert drawn_theme(elsewhere.get(reverse("teams:teams"))) == "dark"

    owner_client.post(THEME, {"theme": "system", "next": "/teams/"})
    assert drawn_theme(elsewhere.get(reverse("teams:teams"))) == "system"


def test_with_htmx_the_form_redraws_itself_and_names_the_theme_for_the_page(owner_client, owner):
    response = owner_client.post(
        THEME, {"theme": "light", "next": "/teams/"}, headers={"HX-Request": "true"}
    )
    assert response.status_code == 200
    assert json.loads(response["HX-Trigger"]) == {"theme-changed": {"theme": "light"}}
    assert response.text.lstrip().startswith('<form id="theme-form"')
    assert pressed(response) == ["light"]
    assert 'name="next" value="/teams/"' in response.text  # a later choice without JS goes back
    assert preference_for(user=owner).theme == "light"


def test_an_unknown_theme_is_refused_and_nothing_changes(owner_client, owner):
    owner_client.post(THEME, {"theme": "dark"})
    refused = owner_client.post(THEME, {"theme": "purple"}, headers={"HX-Request": "true"})
    assert refused.status_code == 400
    assert "Choose System, Light or Dark." in refused.text and pressed(refused) == ["dark"]
    assert owner_client.post(THEME, {}).status_code == 400
    assert preference_for(user=owner).theme == "dark"


def test_it_goes_back_only_to_this_site(owner_client):
    away = owner_client.post(THEME, {"theme": "dark", "next": "https://elsewhere.example/"})
    assert away["Location"] == reverse("chat:home")
    # A page drawn for a POST (a refused form) has no address of its own in the form.
    back = owner_client.post(THEME, {"theme": "dark"}, headers={"Referer": "/teams/"})
    assert back["Location"] == "/teams/"


def test_only_a_signed_in_person_posts_a_theme(owner_client):
    assert Client().post(THEME, {"theme": "dark"})["Location"].startswith(reverse("login"))
    assert owner_client.get(THEME).status_code == 405
