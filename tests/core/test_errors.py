"""A database too busy to answer in time is a 503 that says to try again, not a 500."""

import sqlite3
from contextlib import contextmanager

import pytest
from django.db import connection
from django.test import Client
from django.urls import reverse

pytestmark = pytest.mark.django_db(transaction=True)


@contextmanager
def database_locked_by_someone_else():
    connection.close()
    patient = connection.settings_dict["OPTIONS"].get("timeout")
    connection.settings_dict["OPTIONS"]["timeout"] = 0.2  # give up soon, not after 20 s
    other = sqlite3.connect(connection.settings_dict["NAME"])
    other.execute("BEGIN IMMEDIATE")  # another process holds the write lock
    try:
        yield
    finally:
        other.rollback()
        other.close()
        connection.close()
        connection.settings_dict["OPTIONS"]["timeout"] = patient


@pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite's write lock")
def test_a_send_while_the_database_is_locked_says_busy_try_again(owner):
    client = Client(raise_request_exception=False)
    client.force_login(owner)
    with database_locked_by_someone_else():
        response = client.post(
            reverse("chat:send"),
            {"text": "Hello", "model": "deepseek-v3", "conversation": ""},
            headers={"HX-Request": "true"},
        )
    assert response.status_code == 503
    assert response["Retry-After"] == "5"
    assert "busy right now" in response.content.decode()
