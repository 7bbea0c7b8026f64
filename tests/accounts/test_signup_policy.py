"""Who may sign up: open, by invitation (the default) or closed, from settings or as an
administrator set it in the admin. The first account is made on a fresh install whatever
the policy."""

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

from playground.accounts.models import SignupPolicy
from tests.accounts.conftest import signup_data

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("policy", ["open", "invite", "closed"])
def test_a_fresh_install_makes_its_first_account_whatever_the_policy(client, settings, policy):
    settings.SIGNUP_POLICY = policy
    assert client.get(reverse("signup")).status_code == 200
    assert client.post(reverse("signup"), signup_data("first")).status_code == 302
    assert get_user_model().objects.get().is_superuser


def test_by_default_sign_up_needs_an_invitation_once_an_account_exists(client, owner):
    page = client.get(reverse("signup"))
    assert page.status_code == 403
    assert "Sign-up on this server is by invitation." in page.content.decode()
    response = client.post(reverse("signup"), signup_data("mallory"))
    assert response.status_code == 403
    assert not get_user_model().objects.filter(username="mallory").exists()


def test_closed_sign_up_says_so(client, owner, settings):
    settings.SIGNUP_POLICY = "closed"
    page = client.get(reverse("signup"))
    assert page.status_code == 403
    assert "Sign-up is closed on this server." in page.content.decode()
    assert client.post(reverse("signup"), signup_data("mallory")).status_code == 403
    assert get_user_model().objects.count() == 1


def test_open_sign_up_takes_anyone(client, owner, settings):
    settings.SIGNUP_POLICY = "open"
    assert client.post(reverse("signup"), signup_data("dave")).status_code == 302
    assert not get_user_model().objects.get(username="dave").is_superuser


def test_the_login_page_offers_sign_up_only_when_it_is_open(client, owner, settings):
    settings.SIGNUP_POLICY = "open"
    assert f'href="{reverse("signup")}"' in client.get(reverse("login")).content.decode()
    settings.SIGNUP_POLICY = "invite"
    page = client.get(reverse("login")).content.decode()
    assert f'href="{reverse("signup")}"' not in page
    assert "Ask an administrator or your team’s owner for an invitation link." in page


def test_an_administrator_sets_the_policy_in_the_admin_and_it_wins_over_settings(
    client, admin_user, settings
):
    settings.SIGNUP_POLICY = "invite"
    client.force_login(admin_user)
    add = reverse("admin:accounts_signuppolicy_add")
    assert client.post(add, {"policy": "open"}).status_code == 302
    policy = SignupPolicy.objects.get()
    assert policy.policy == "open" and policy.updated_by == admin_user
    # Only one row: the admin offers no second one.
    assert client.get(add).status_code == 403

    client.logout()
    assert client.post(reverse("signup"), signup_data("dave")).status_code == 302

    client.force_login(admin_user)
    change = reverse("admin:accounts_signuppolicy_change", args=[policy.pk])
    assert client.post(change, {"policy": "closed"}).status_code == 302
    client.logout()
    assert client.get(reverse("signup")).status_code == 403
    assert "closed" in client.get(reverse("signup")).content.decode()


def test_settings_reject_an_unknown_policy():
    import os
    import subprocess
    import sys

    from django.conf import settings

    env = {**os.environ, "SIGNUP_POLICY": "sometimes", "SECRET_KEY": "x"}
    result = subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode != 0
    assert 'SIGNUP_POLICY must be "open", "invite" or "closed".' in result.stderr
