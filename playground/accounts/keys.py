"""API keys held at three levels, and which one pays for a piece of work.

The rule (`paying_key_for`), decided when an answer or job is made and recorded on it
(`key_source`, `key_label`, and the stored key it points at):

1. the user's personal key, if they saved one;
2. else the team's key: the comparison's team when the work belongs to a team comparison,
   otherwise the team the user joined first (earliest membership) - and only while the
   user is a member of it;
3. else the instance key (NEXCONN_API_KEY), unless an administrator forbade it for the user
   (InstanceKeyAccess): then nothing is sent and the user is told why (`NoPayingKey`).

In demo mode (no NEXCONN_API_KEY) everything goes to the embedded simulator and no key pays:
the source is "demo" for everyone, stored keys included (they are kept for when the server
gets a key, and "Test this key" asks the simulator).

Stored keys are encrypted at rest with Fernet (MultiFernet over settings.KEY_ENCRYPTION_KEYS,
newest first; older ones still decrypt). Without that setting the key is derived from
SECRET_KEY, and SECRET_KEY_FALLBACKS still decrypt, so rotating SECRET_KEY needs the old one
listed there until `manage.py rotate_stored_keys` has re-encrypted every key. A key is
decrypted only where it is about to be sent, and blanked from what is recorded
(core/redaction.py) while its work runs.
"""

import base64
import re
from dataclasses import dataclass
from functools import lru_cache

from asgiref.sync import async_to_sync
from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db.models import Exists, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce

from playground.accounts.models import InstanceKeyAccess, StoredKey
from playground.core.redaction import redact_also, redacting
from playground.nexconn.errors import NexconnError
from playground.teams.models import Membership
from playground.usage.models import KeySource

NO_PAYING_KEY = (
    "No key pays for this: ask your team owner or an administrator for a key, or add your "
    "own on your Account page."
)
KEY_GONE = (
    "The key that was to pay for this was removed before it could be used. Try again: "
    "another key may pay now."
)
KEY_UNREADABLE = (
    "The stored key that was to pay for this cannot be decrypted here. An administrator must "
    "list the encryption key it was saved with in KEY_ENCRYPTION_KEYS (see README, Keys)."
)
LABEL_LENGTH = 100


class NoPayingKey(Exception):
    """No key may pay for the user's work: refuse before anything is sent upstream."""

    def __init__(self, message: str = NO_PAYING_KEY):
        super().__init__(message)
        self.message = message


# --- encryption at rest ---------------------------------------------------------------


def _derived_key(secret: str) -> bytes:
    """A Fernet key made from SECRET_KEY (or one of its fallbacks), for this purpose only."""
    hkdf = HKDF(
        algorithm=hashes.SHA256(),
        length=32,
        salt=None,
        info=b"nexconn-playground stored API keys",
    )
    return base64.urlsafe_b64encode(hkdf.derive(secret.encode()))


@lru_cache(maxsize=4)
def _fernet_for(
    configured: tuple[str, ...], secret: str, fallbacks: tuple[str, ...]
) -> MultiFernet:
    fernets = []
    for position, value in enumerate(configured, start=1):
        try:
            fernets.append(Fernet(value.strip().encode()))
        except ValueError:
            raise ImproperlyConfigured(
                f"KEY_ENCRYPTION_KEYS entry {position} is not a Fernet key (32 url-safe base64 "
                "bytes). Make one with: python -c 'from cryptography.fernet import Fernet; "
                "print(Fernet.generate_key().decode())'"
            ) from None
    # The keys derived from SECRET_KEY always decrypt (what was stored before
    # KEY_ENCRYPTION_KEYS was set); they encrypt only when no key is configured.
    fernets += [Fernet(_derived_key(value)) for value in (secret, *fallbacks) if value]
    return MultiFernet(fernets)


def _fernet() -> MultiFernet:
    return _fernet_for(
        tuple(key for key in settings.KEY_ENCRYPTION_KEYS if key.strip()),
        settings.SECRET_KEY,
        tuple(getattr(settings, "SECRET_KEY_FALLBACKS", ())),
    )


def encrypt(api_key: str) -> str:
    return _fernet().encrypt(api_key.encode()).decode("ascii")


def decrypt(ciphertext: str) -> str:
    """The key; InvalidToken when no listed encryption key opens it."""
    return _fernet().decrypt(ciphertext.encode("ascii")).decode()


def reencrypt(ciphertext: str) -> str:
    """The same key, encrypted with the newest encryption key."""
    return _fernet().rotate(ciphertext.encode("ascii")).decode("ascii")


# --- which key pays -----------------------------------------------------------------------


@dataclass(frozen=True)
class PayingKey:
    source: str  # a KeySource value
    label: str  # what the pages show: never the key, at most its last four characters
    stored: StoredKey | None = None  # for personal and team keys

    def api_key(self) -> str | None:
        """The key to send (None: the instance key's client, or the simulator)."""
        return api_key_of(self.source, self.stored)


DEMO = PayingKey(KeySource.DEMO, "Demo")
INSTANCE = PayingKey(KeySource.INSTANCE, "Instance key")


def label_for(stored: StoredKey) -> tuple[str, str]:
    if stored.team_id is not None:
        label = f"Team {stored.team.name} key …{stored.last_four}"
        if len(label) > LABEL_LENGTH:
            label = f"Team {stored.team.name[: LABEL_LENGTH - 16]}… key …{stored.last_four}"
        return KeySource.TEAM, label
    return KeySource.PERSONAL, f"Personal key …{stored.last_four}"


def paying_key_for(*, user, team=None, conversation=None) -> PayingKey:
    """Which key pays for `user`'s next piece of work (see the module's docstring). `team`:
    the comparison's team, when the caller knows it; `conversation`: a chat, whose
    comparison (if any) gives the team. Raises NoPayingKey when none may."""
    if settings.DEMO_MODE:
        return DEMO
    if team is not None:
        team_id = team.pk
    else:
        first_team = Subquery(
            Membership.objects.filter(user=user).order_by("created_at", "pk").values("team")[:1]
        )
        team_id = first_team
        if conversation is not None:
            from playground.compare.models import Comparison

            comparison_team = Comparison.objects.filter(
                columns__conversation=conversation, team__isnull=False
            ).values("team")[:1]
            team_id = Coalesce(Subquery(comparison_team), first_team)
    member = Exists(Membership.objects.filter(user=user, team=OuterRef("team")))
    stored = list(
        StoredKey.objects.filter(Q(user=user) | (Q(team_id=team_id) & member)).select_related(
            "team"
        )
    )
    chosen = min(stored, key=lambda row: row.user_id is None, default=None)  # personal first
    if chosen is not None:
        source, label = label_for(chosen)
        return PayingKey(source, label, chosen)
    if InstanceKeyAccess.objects.filter(user=user, may_use_instance_key=False).exists():
        raise NoPayingKey
    return INSTANCE


def may_use_instance_key(user) -> bool:
    return not InstanceKeyAccess.objects.filter(user=user, may_use_instance_key=False).exists()


# --- using the key that was chosen ------------------------------------------------------


def api_key_of(source: str, stored: StoredKey | None) -> str | None:
    """The key to send for work recorded with `source` and `stored` (None: the instance's
    client, the simulator in demo mode). Raises NexconnError when a stored key is gone or
    cannot be decrypted, so the work fails with that message before anything is sent."""
    if source not in (KeySource.PERSONAL, KeySource.TEAM):
        return None
    if settings.DEMO_MODE:
        return None  # the simulator answers everyone in demo mode
    if stored is None:
        raise NexconnError("auth", KEY_GONE)
    try:
        return decrypt(stored.ciphertext)
    except InvalidToken:
        raise NexconnError("auth", KEY_UNREADABLE) from None


def record_on(work, paying: PayingKey) -> None:
    """Note on a Run or Generation (not yet saved) which key pays for it."""
    work.key_source = paying.source
    work.key_label = paying.label
    work.paying_key = paying.stored


def key_for_work(work) -> str | None:
    """The key that pays for a Run or Generation (its `paying_key` loaded, or loaded here
    in sync code). Send it inside `core.redaction.redacting(key)`."""
    return api_key_of(work.key_source, work.paying_key if work.paying_key_id else None)


def client_for_run(run):
    """The upstream client for a chat answer, in the run's own asyncio task: its key is
    blanked from everything the task records from now on."""
    from playground.nexconn.client import get_client

    api_key = key_for_work(run)
    redact_also(api_key)
    return get_client(api_key)


# --- saving, removing, testing ------------------------------------------------------------

_BEARER = re.compile(r"^\s*bearer\s+", re.IGNORECASE)
MIN_KEY_LENGTH, MAX_KEY_LENGTH = 8, 500


class KeyRefused(Exception):
    """A key that cannot be stored, with the reason in plain words."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def clean_key(value: str) -> str:
    """The key as typed or pasted, without a "Bearer " prefix; KeyRefused when it cannot
    be one."""
    api_key = _BEARER.sub("", value or "").strip()
    if not api_key:
        raise KeyRefused("Paste the API key.")
    if any(character.isspace() for character in api_key):
        raise KeyRefused("An API key has no spaces or line breaks in it: paste the key alone.")
    if len(api_key) < MIN_KEY_LENGTH:
        raise KeyRefused(f"That is too short for an API key (at least {MIN_KEY_LENGTH}).")
    if len(api_key) > MAX_KEY_LENGTH:
        raise KeyRefused(f"That is too long for an API key (at most {MAX_KEY_LENGTH}).")
    return api_key


def key_save(*, api_key: str, by, user=None, team=None) -> StoredKey:
    """Store (or replace) the key of `user` or of `team`, encrypted; only its last four
    characters stay readable."""
    api_key = clean_key(api_key)
    stored, _ = StoredKey.objects.update_or_create(
        user=user,
        team=team,
        defaults={"ciphertext": encrypt(api_key), "last_four": api_key[-4:], "updated_by": by},
    )
    return stored


def key_remove(*, user=None, team=None) -> bool:
    """Forget the key of `user` or of `team`. Work it was to pay for and not yet sent then
    fails with a plain message (KEY_GONE)."""
    deleted, _ = StoredKey.objects.filter(user=user, team=team).delete()
    return bool(deleted)


TEST_TIMEOUT_SECONDS = 15.0


def key_models(stored: StoredKey) -> list[str]:
    """The ids of the models the stored key may use (GET /v1/models with it), sorted.
    Raises NexconnError (the key taken out of its text) when the API refuses it."""
    from playground.nexconn.client import client_from_settings

    try:
        api_key = decrypt(stored.ciphertext)
    except InvalidToken:
        raise NexconnError(
            "auth", KEY_UNREADABLE.replace("that was to pay for this ", "")
        ) from None

    async def listed() -> list[dict]:
        client = client_from_settings(api_key=api_key, timeout=TEST_TIMEOUT_SECONDS, max_retries=0)
        try:
            return await client.list_models()
        except NexconnError as error:
            raise client.redact(error) from None
        finally:
            await client.aclose()

    with redacting(api_key):
        models = async_to_sync(listed)()
    return sorted({model["id"] for model in models})
