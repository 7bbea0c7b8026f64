from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractUser
from django.db import connection, transaction

# Any fixed number: the key of the PostgreSQL advisory lock that sign-ups take in turn.
_SIGNUP_LOCK_KEY = 0x5349474E5550  # "SIGNUP"


def user_create(*, username: str, password: str) -> AbstractUser:
    """Create an account. The very first account becomes the administrator."""
    User = get_user_model()
    user = User(username=username)
    user.set_password(password)  # slow on purpose: done before any lock is taken
    with transaction.atomic():
        _take_turns_signing_up()
        is_first = not User.objects.exists()
        user.is_staff = user.is_superuser = is_first
        user.save()
    return user


def _take_turns_signing_up() -> None:
    """Until this transaction ends, no other sign-up can run, so two simultaneous first
    sign-ups cannot both find no account and both become administrator.

    Locking rows does not do it: on an empty table there is no row to lock. SQLite's
    transactions here begin IMMEDIATE (settings.py), which already lets one writer in at a
    time; PostgreSQL takes a transaction-level advisory lock, released at commit or rollback.
    """
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_SIGNUP_LOCK_KEY])
