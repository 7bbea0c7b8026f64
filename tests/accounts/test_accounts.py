import threading

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db


def _signup(client, username):
    return client.post(
        reverse("signup"),
        {"username": username, "password1": PASSWORD, "password2": PASSWORD},
    )


def test_first_account_is_the_administrator_and_later_ones_are_not(client, settings):
    settings.SIGNUP_POLICY = "open"
    assert _signup(client, "first").status_code == 302
    client.logout()
    assert _signup(client, "second").status_code == 302
    users = {u.username: u for u in get_user_model().objects.all()}
    assert users["first"].is_superuser and users["first"].is_staff
    assert not users["second"].is_superuser and not users["second"].is_staff


def test_signup_logs_in_and_the_administrator_can_open_the_admin(client):
    _signup(client, "first")
    assert client.get(reverse("chat:home")).status_code == 200
    assert client.get(reverse("admin:index")).status_code == 200


def test_a_regular_user_cannot_open_the_admin(client, owner):
    client.force_login(owner)
    response = client.get(reverse("admin:index"))
    assert response.status_code == 302 and "/admin/login/" in response["Location"]


def test_signup_rejects_mismatched_passwords_and_keeps_the_username(client):
    response = client.post(
        reverse("signup"),
        {"username": "bob", "password1": PASSWORD, "password2": PASSWORD + "x"},
    )
    assert response.status_code == 400
    assert b"didn\xe2\x80\x99t match" in response.content
    assert b'value="bob"' in response.content
    assert not get_user_model().objects.exists()


def test_login_and_logout(client, owner):
    response = client.post(reverse("login"), {"username": "alice", "password": PASSWORD})
    assert response.status_code == 302
    assert client.get(reverse("chat:home")).status_code == 200
    client.post(reverse("logout"))
    assert client.get(reverse("chat:home")).status_code == 302


def test_wrong_password_is_a_400_with_a_message(client, owner):
    response = client.post(reverse("login"), {"username": "alice", "password": "nope"})
    assert response.status_code == 400
    assert b"correct username and password" in response.content


def test_change_password(owner_client, owner):
    response = owner_client.post(
        reverse("password_change"),
        {
            "old_password": PASSWORD,
            "new_password1": "a new long passphrase",
            "new_password2": "a new long passphrase",
        },
    )
    assert response.status_code == 302
    owner.refresh_from_db()
    assert owner.check_password("a new long passphrase")


@pytest.mark.parametrize("url_name", ["chat:home", "chat:conversation-list", "password_change"])
def test_pages_need_a_login(client, url_name):
    response = client.get(reverse(url_name))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_health_needs_no_login(client):
    assert client.get(reverse("health")).json() == {"status": "ok"}


def _sign_up_at_once(usernames: list[str], **extra) -> list[Exception]:
    """Everyone signs up at the same moment, each on a connection of their own."""
    from django.db import connections

    from playground.accounts import services

    ready = threading.Barrier(len(usernames))
    failures = []

    def sign_up(username):
        try:
            ready.wait()
            services.user_create(username=username, password=PASSWORD, **extra)
        except Exception as error:  # counted by the callers
            failures.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=sign_up, args=(name,)) for name in usernames]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    return failures


@pytest.mark.django_db(transaction=True)
def test_simultaneous_first_signups_make_exactly_one_administrator(settings):
    """On a fresh install several people sign up at once, each on its own connection: one
    of them, and only one, becomes the administrator (SQLite and PostgreSQL alike)."""
    settings.SIGNUP_POLICY = "open"
    assert not _sign_up_at_once([f"user{n}" for n in range(8)])
    users = get_user_model().objects
    assert users.count() == 8
    assert users.filter(is_superuser=True).count() == 1
    assert users.filter(is_staff=True).count() == 1


@pytest.mark.django_db(transaction=True)
def test_by_invitation_only_the_first_of_simultaneous_signups_gets_in(settings):
    """The policy is checked inside the sign-up's turn: of eight people racing on a fresh
    install, the first becomes the administrator and the seven others are refused."""
    settings.SIGNUP_POLICY = "invite"
    failures = _sign_up_at_once([f"user{n}" for n in range(8)])
    assert len(failures) == 7
    assert all("by invitation" in str(failure) for failure in failures)
    users = get_user_model().objects
    assert users.count() == 1
    assert users.get().is_superuser
