"""Login throttling (django-axes): after five failures for one account, or from one address,
logins are refused with a plain message until the cool-off has passed or an administrator
unlocks them; the admin's own login counts and is refused alike."""

import datetime as dt

import pytest
from axes.models import AccessAttempt
from django.urls import reverse

from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db

LOCKED = "Too many failed logins"


def log_in(client, username, password=PASSWORD, *, address="10.0.0.1", url=None):
    return client.post(
        url or reverse("login"), {"username": username, "password": password}, REMOTE_ADDR=address
    )


def fail(client, username, times, **where):
    return [log_in(client, username, "wrong password", **where) for _ in range(times)]


def test_five_wrong_passwords_lock_the_account_with_a_plain_message(client, owner):
    responses = fail(client, "alice", 5)
    assert [r.status_code for r in responses] == [400, 400, 400, 400, 429]
    assert "correct username and password" in responses[0].content.decode()

    response = log_in(client, "alice")  # the right password does not get in either
    assert response.status_code == 429
    html = response.content.decode()
    assert LOCKED in html
    assert "Logging in as “alice” is paused" in html
    assert "Try again in 15 minutes." in html
    assert "_auth_user_id" not in client.session


def test_the_account_stays_locked_from_another_address(client, owner):
    for number in range(5):
        log_in(client, "alice", "wrong password", address=f"10.0.1.{number}")
    assert log_in(client, "alice", address="10.9.9.9").status_code == 429


def test_an_address_trying_many_accounts_is_locked_for_all_of_them(client, owner, other_user):
    for name in ("root", "admin", "test", "dave", "erin"):
        log_in(client, name, "guess", address="10.0.0.7")
    assert log_in(client, "charlie", address="10.0.0.7").status_code == 429
    assert log_in(client, "charlie", address="10.0.0.8").status_code == 302


def test_a_success_clears_the_count(client, owner):
    fail(client, "alice", 4)
    assert log_in(client, "alice").status_code == 302
    client.logout()
    assert [r.status_code for r in fail(client, "alice", 4)] == [400] * 4
    assert log_in(client, "alice").status_code == 302


def test_the_lockout_ends_after_the_cool_off(client, owner):
    fail(client, "alice", 5)
    assert log_in(client, "alice").status_code == 429
    AccessAttempt.objects.update(attempt_time=dt.datetime.now(dt.UTC) - dt.timedelta(minutes=16))
    assert log_in(client, "alice").status_code == 302


def test_the_admin_login_counts_and_is_locked_too(client, admin_user):
    admin_login = reverse("admin:login")
    responses = fail(client, "root", 5, url=admin_login)
    assert [r.status_code for r in responses] == [200, 200, 200, 200, 429]
    response = log_in(client, "root", url=admin_login)
    assert response.status_code == 429
    assert LOCKED in response.content.decode()
    assert log_in(client, "root").status_code == 429  # our own login page as well


def test_an_administrator_unlocks_an_account_in_the_admin(client, admin_user, owner):
    fail(client, "alice", 5)
    assert log_in(client, "alice").status_code == 429

    client.force_login(admin_user)
    response = client.post(
        reverse("admin:auth_user_changelist"),
        {"action": "unlock_logins", "_selected_action": [owner.pk]},
        follow=True,
    )
    assert "Unlocked alice" in response.content.decode()
    client.logout()
    assert log_in(client, "alice").status_code == 302


def test_an_administrator_lifts_an_address_lockout_in_the_admin(client, admin_user, owner):
    for name in ("x1", "x2", "x3", "x4", "x5"):
        log_in(client, name, "guess", address="10.0.0.7")
    assert log_in(client, "alice", address="10.0.0.7").status_code == 429

    client.force_login(admin_user)
    attempts = AccessAttempt.objects.filter(ip_address="10.0.0.7").values_list("pk", flat=True)
    response = client.post(
        reverse("admin:axes_accessattempt_changelist"),
        {"action": "delete_selected", "_selected_action": list(attempts), "post": "yes"},
    )
    assert response.status_code == 302
    client.logout()
    assert log_in(client, "alice", address="10.0.0.7").status_code == 302
