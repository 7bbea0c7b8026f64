"""API keys at three levels (issue 16, points 4 and 5): personal, team and instance keys, the
rule that picks the one that pays, encryption at rest with rotation, "Test this key", and the
key kept out of everything recorded."""

import logging

import httpx
import pytest
import respx
from asgiref.sync import async_to_sync
from cryptography.fernet import Fernet, InvalidToken
from django.core.management import call_command
from django.db import connection
from django.test import AsyncClient, Client
from django.urls import reverse

import playground.simulator.app as simulator
from playground.accounts import keys
from playground.accounts.models import InstanceKeyAccess, StoredKey
from playground.chat.models import Conversation, Message, Run
from playground.compare import services as compare_services
from playground.nexconn.client import reset_clients
from playground.studio.models import Generation
from playground.teams import services as team_services
from playground.usage.models import KeySource
from tests.chat.streaming import page_events_url, send_message
from tests.conftest import serve_in_thread

INSTANCE = "sk-instance-INST0000"
PERSONAL = "sk-personal-SECRETwxyz"
TEAM_KEY = "sk-team-TEAMSECRETc3d4"


def _save(client: Client, api_key: str, url: str | None = None):
    return client.post(url or reverse("account-key-save"), {"api_key": api_key})


class _Recorder:
    """In front of the simulator: the Authorization header of each request, by path."""

    def __init__(self, app):
        self.app = app
        self.seen: list[tuple[str, str | None]] = []

    async def __call__(self, scope, receive, send):
        if scope["type"] == "http":
            authorization = dict(scope["headers"]).get(b"authorization")
            self.seen.append((scope["path"], authorization and authorization.decode()))
        await self.app(scope, receive, send)

    def keys_sent_to(self, path: str) -> list[str | None]:
        return [auth for seen_path, auth in self.seen if seen_path == path]


@pytest.fixture
def upstream(settings):
    """An instance key, and the simulator over real HTTP as the API."""
    recorder = _Recorder(simulator.application)
    simulator.application.reset()
    url, stop = serve_in_thread(recorder)
    settings.NEXCONN_API_KEY = INSTANCE
    settings.DEMO_MODE = False
    settings.NEXCONN_BASE_URL = url
    settings.NEXCONN_MAX_RETRIES = 0
    reset_clients()
    yield recorder
    stop()
    simulator.application.reset()


@pytest.fixture
def live_settings(settings):
    """Not demo mode, without any upstream: for the rule alone."""
    settings.NEXCONN_API_KEY = INSTANCE
    settings.DEMO_MODE = False


# --- encryption at rest, rotation -----------------------------------------------------------


@pytest.mark.django_db
def test_a_saved_key_is_encrypted_at_rest_and_only_its_last_four_are_shown(owner_client, owner):
    response = _save(owner_client, PERSONAL)
    assert response.status_code == 302
    page = owner_client.get(reverse("account")).content.decode()
    assert "…wxyz" in page
    assert PERSONAL not in page and "SECRET" not in page
    assert 'name="api_key"' in page and 'value="sk-' not in page  # the field stays empty

    with connection.cursor() as cursor:
        cursor.execute("SELECT ciphertext, last_four FROM accounts_storedkey")
        rows = cursor.fetchall()
    assert len(rows) == 1
    ciphertext, last_four = rows[0]
    assert last_four == "wxyz"
    assert "SECRET" not in ciphertext and PERSONAL not in ciphertext
    assert keys.decrypt(ciphertext) == PERSONAL


@pytest.mark.django_db
def test_htmx_save_answers_with_the_card_and_bad_keys_keep_the_form(owner_client):
    htmx = {"HX-Request": "true"}
    saved = owner_client.post(reverse("account-key-save"), {"api_key": PERSONAL}, headers=htmx)
    assert saved.status_code == 200
    body = saved.content.decode()
    assert 'id="key-card"' in body and "…wxyz" in body and PERSONAL not in body
    # "Which key pays" is updated beside it (demo mode here: the simulator answers all).
    assert 'id="paying" class="card stack" aria-labelledby="paying-heading" hx-swap-oob' in body
    bad = owner_client.post(reverse("account-key-save"), {"api_key": "two words"}, headers=htmx)
    assert bad.status_code == 400
    assert "no spaces" in bad.content.decode()
    removed = owner_client.post(reverse("account-key-remove"), headers=htmx)
    assert removed.status_code == 200 and "Removed your key." in removed.content.decode()
    assert not StoredKey.objects.exists()


@pytest.mark.django_db
def test_rotation_old_keys_still_decrypt_and_the_command_reencrypts(settings, owner):
    old, new = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    settings.KEY_ENCRYPTION_KEYS = [old]
    keys.key_save(api_key=PERSONAL, by=owner, user=owner)
    before = StoredKey.objects.get().ciphertext

    settings.KEY_ENCRYPTION_KEYS = [new, old]  # a new key first, the old one kept
    assert keys.decrypt(StoredKey.objects.get().ciphertext) == PERSONAL
    call_command("rotate_stored_keys", stdout=open("/dev/null", "w"))  # noqa: SIM115
    after = StoredKey.objects.get().ciphertext
    assert after != before

    settings.KEY_ENCRYPTION_KEYS = [new]  # the old one dropped
    assert keys.decrypt(after) == PERSONAL
    settings.KEY_ENCRYPTION_KEYS = [old]
    with pytest.raises(InvalidToken):
        keys.decrypt(after)


@pytest.mark.django_db
def test_without_encryption_keys_a_changed_secret_key_needs_the_old_one_as_fallback(
    settings, owner
):
    settings.KEY_ENCRYPTION_KEYS = []
    settings.SECRET_KEY = "first-secret-key-for-this-test"
    keys.key_save(api_key=PERSONAL, by=owner, user=owner)
    ciphertext = StoredKey.objects.get().ciphertext
    settings.SECRET_KEY = "second-secret-key-for-this-test"
    with pytest.raises(InvalidToken):
        keys.decrypt(ciphertext)
    settings.SECRET_KEY_FALLBACKS = ["first-secret-key-for-this-test"]
    assert keys.decrypt(ciphertext) == PERSONAL


# --- the rule ---------------------------------------------------------------------------------


@pytest.mark.django_db
def test_personal_then_team_then_instance(live_settings, owner, member, other_user, team):
    assert keys.paying_key_for(user=member) == keys.INSTANCE
    keys.key_save(api_key=TEAM_KEY, by=owner, team=team)
    paying = keys.paying_key_for(user=member)
    assert (paying.source, paying.label) == (KeySource.TEAM, "Team Model reviewers key …c3d4")
    assert paying.api_key() == TEAM_KEY
    assert keys.paying_key_for(user=other_user) == keys.INSTANCE  # not in the team
    keys.key_save(api_key=PERSONAL, by=member, user=member)
    paying = keys.paying_key_for(user=member)
    assert (paying.source, paying.label) == (KeySource.PERSONAL, "Personal key …wxyz")
    assert paying.api_key() == PERSONAL


@pytest.mark.django_db
def test_the_first_team_joined_pays_unless_the_work_is_a_team_comparisons(
    live_settings, owner, member, team
):
    later = team_services.team_create(user=owner, name="Later team")
    team_services.member_add(team=later, by=owner, username=member.username)
    keys.key_save(api_key="sk-later-team-9999", by=owner, team=later)
    assert keys.paying_key_for(user=member) == keys.INSTANCE  # the first team has no key
    comparison, _ = compare_services.comparison_create(
        user=member,
        kind="chat",
        columns=[compare_services.ColumnSpec("deepseek-v3"), compare_services.ColumnSpec("gpt-5")],
        prompt="Hi",
        team=later,
    )
    conversation = comparison.columns.first().conversation
    paying = keys.paying_key_for(user=member, conversation=conversation)
    assert paying.label == "Team Later team key …9999"
    assert {run.key_label for run in Run.objects.all()} == {"Team Later team key …9999"}


@pytest.mark.django_db
def test_in_demo_mode_the_simulator_answers_everyone(owner, owner_client):
    keys.key_save(api_key=PERSONAL, by=owner, user=owner)
    InstanceKeyAccess.objects.create(user=owner, may_use_instance_key=False)
    assert keys.paying_key_for(user=owner) == keys.DEMO
    page = owner_client.get(reverse("account")).content.decode()
    assert "demo mode" in page and "Demo" in page


@pytest.mark.django_db(transaction=True)
def test_a_forbidden_instance_key_refuses_before_anything_is_sent(upstream, owner, owner_client):
    InstanceKeyAccess.objects.create(user=owner, may_use_instance_key=False)
    sent = owner_client.post(
        reverse("chat:send"),
        {"text": "Hello there", "model": "deepseek-v3", "conversation": ""},
        headers={"HX-Request": "true"},
    )
    assert sent.status_code == 409
    body = sent.content.decode()
    assert "No key pays for this" in body
    assert "Hello there" in body  # the form keeps what was typed
    job = owner_client.post(
        reverse("studio:create"),
        {
            "mode": "text",
            "model": "video:kling-v2-5-turbo",
            "prompt": "a paper boat",
            "opt_duration": "5",
        },
    )
    assert job.status_code == 409 and "No key pays for this" in job.content.decode()
    assert not Run.objects.exists() and not Conversation.objects.exists()
    assert not Generation.objects.exists()
    assert not upstream.keys_sent_to("/v1/chat/completions")

    assert owner_client.get(reverse("account")).content.decode().count("No key pays") == 1


# --- the key that pays is the key sent, and the answer says so ------------------------------


def _answer(user, text: str) -> Run:
    async def scenario():
        client = AsyncClient()
        await client.aforce_login(user)
        _, run_id = await send_message(client, text)
        events = await client.get(page_events_url(run_id))
        async for chunk in events.streaming_content:
            if b"event: done-" in chunk:
                break
        await events.streaming_content.aclose()
        return run_id

    return Run.objects.get(pk=async_to_sync(scenario)())


@pytest.mark.django_db(transaction=True)
def test_each_answer_is_sent_with_and_shows_the_key_that_paid(upstream, owner, member, team):
    keys.key_save(api_key=PERSONAL, by=member, user=member)
    keys.key_save(api_key=TEAM_KEY, by=owner, team=team)

    personal = _answer(member, "First [sim rate=0 tokens=5]")
    assert (personal.status, personal.key_source) == ("done", KeySource.PERSONAL)
    keys.key_remove(user=member)
    teamed = _answer(member, "Second [sim rate=0 tokens=5]")
    assert (teamed.status, teamed.key_source) == ("done", KeySource.TEAM)
    instance = _answer(owner, "Third [sim rate=0 tokens=5]")  # the owner's first team: same
    keys.key_remove(team=team)
    instance = _answer(owner, "Fourth [sim rate=0 tokens=5]")
    assert instance.key_source == KeySource.INSTANCE

    assert upstream.keys_sent_to("/v1/chat/completions") == [
        f"Bearer {PERSONAL}",
        f"Bearer {TEAM_KEY}",
        f"Bearer {TEAM_KEY}",
        f"Bearer {INSTANCE}",
    ]
    client = Client()
    client.force_login(member)
    page = client.get(reverse("chat:conversation", args=[personal.message.conversation_id]))
    assert "Personal key …wxyz" in page.content.decode()
    page = client.get(reverse("chat:conversation", args=[teamed.message.conversation_id]))
    assert "Team Model reviewers key …c3d4" in page.content.decode()
    for run in Run.objects.all():
        assert PERSONAL not in str(run.request) and TEAM_KEY not in str(run.request)


@pytest.mark.django_db(transaction=True)
def test_a_key_removed_before_its_answer_starts_fails_plainly(upstream, owner):
    keys.key_save(api_key=PERSONAL, by=owner, user=owner)
    run = _answer(owner, "Hello [sim rate=0 tokens=5]")
    assert run.status == "done"
    from playground.chat import runs

    again = Message.objects.create(
        conversation=run.message.conversation, role="assistant", parent=run.message.parent
    )
    queued = Run.objects.create(
        message=again, model="deepseek-v3", key_source=KeySource.PERSONAL
    )  # paid by a key that is no longer there
    loaded = runs.load(queued.pk)
    assert loaded[0].paying_key is None

    async def start():
        await runs.run_start(queued.pk)
        await runs._tasks[queued.pk]

    async_to_sync(start)()
    queued.refresh_from_db()
    assert queued.status == "failed" and "was removed" in queued.error_message


# --- Test this key ----------------------------------------------------------------------------


@pytest.mark.django_db
def test_test_this_key_lists_the_models_the_simulator_offers_in_demo_mode(owner_client, owner):
    assert owner_client.post(reverse("account-key-test")).status_code == 409  # nothing saved
    _save(owner_client, PERSONAL)
    response = owner_client.post(reverse("account-key-test"), headers={"HX-Request": "true"})
    assert response.status_code == 200
    body = response.content.decode()
    assert "The key works" in body and "deepseek-v3" in body and "demo mode" in body
    assert PERSONAL not in body


@pytest.mark.django_db
def test_a_rejected_key_is_said_plainly_and_never_echoed(owner_client, settings, caplog):
    settings.NEXCONN_API_KEY = INSTANCE
    settings.DEMO_MODE = False
    settings.NEXCONN_BASE_URL = "https://upstream.test"
    _save(owner_client, PERSONAL)
    caplog.set_level(logging.DEBUG)
    with respx.mock(using="httpx") as mock:
        route = mock.get("https://upstream.test/v1/models").mock(
            return_value=httpx.Response(
                401, json={"error": {"message": f"Incorrect API key provided: {PERSONAL}"}}
            )
        )
        response = owner_client.post(reverse("account-key-test"), headers={"HX-Request": "true"})
    assert route.called
    assert route.calls[0].request.headers["authorization"] in (f"Bearer {PERSONAL}", PERSONAL)
    body = response.content.decode()
    assert response.status_code == 200
    assert "rejected the API key" in body
    assert PERSONAL not in body and "SECRETwxyz" not in body
    assert PERSONAL not in caplog.text


# --- never recorded -----------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_a_stored_key_echoed_by_the_upstream_is_not_recorded_nor_logged(settings, owner, caplog):
    settings.NEXCONN_API_KEY = INSTANCE
    settings.DEMO_MODE = False
    settings.NEXCONN_BASE_URL = "https://upstream.test"
    settings.NEXCONN_MAX_RETRIES = 0
    reset_clients()
    keys.key_save(api_key=PERSONAL, by=owner, user=owner)
    caplog.set_level(logging.DEBUG)
    stream = (
        b'data: {"id":"c1","object":"chat.completion.chunk","created":1,"model":"deepseek-v3",'
        b'"choices":[{"index":0,"delta":{"content":"Hi"},"finish_reason":null}]}\n\n'
        b'data: {"error": {"message": "Key ' + PERSONAL.encode() + b' was revoked"}}\n\n'
    )
    with respx.mock(assert_all_called=False, using="httpx") as mock:
        mock.get("https://upstream.test/v1/models").respond(200, json={"data": []})
        chat = mock.post("https://upstream.test/v1/chat/completions").mock(
            return_value=httpx.Response(
                200, content=stream, headers={"content-type": "text/event-stream"}
            )
        )
        run = _answer(owner, "Hello")
    assert chat.calls[0].request.headers["authorization"] == f"Bearer {PERSONAL}"
    assert run.status == "failed"
    recorded = f"{run.exchange} {run.request} {run.error_message}"
    assert "was revoked" in recorded or "error" in recorded
    assert PERSONAL not in recorded and "SECRETwxyz" not in recorded
    assert PERSONAL not in caplog.text
    inspect = Client()
    inspect.force_login(owner)
    page = inspect.get(reverse("chat:run-inspect", args=[run.pk])).content.decode()
    assert PERSONAL not in page and "Personal key …wxyz" in page


# --- the team key, and who may change it -------------------------------------------------------


@pytest.mark.django_db
def test_owners_set_the_team_key_members_see_only_its_last_four(owner, member, team):
    owner_client, member_client = Client(), Client()
    owner_client.force_login(owner)
    member_client.force_login(member)
    saved = _save(owner_client, TEAM_KEY, reverse("teams:key-save", args=[team.pk]))
    assert saved.status_code == 302
    owner_page = owner_client.get(reverse("teams:team", args=[team.pk])).content.decode()
    member_page = member_client.get(reverse("teams:team", args=[team.pk])).content.decode()
    for page in (owner_page, member_page):
        assert "…c3d4" in page and TEAM_KEY not in page and "TEAMSECRET" not in page
    assert "Replace key" in owner_page and "Replace key" not in member_page
    tested = owner_client.post(reverse("teams:key-test", args=[team.pk]))
    assert tested.status_code == 200 and "deepseek-v3" in tested.content.decode()


TEAM_KEY_URLS = ["teams:key-save", "teams:key-remove", "teams:key-test"]


@pytest.mark.django_db
@pytest.mark.parametrize("name", TEAM_KEY_URLS)
@pytest.mark.parametrize(
    ("who", "allowed"),
    [("admin", True), ("owner", True), ("member", False), ("outsider", False), (None, False)],
)
def test_team_key_urls_by_role(name, who, allowed, admin_user, owner, member, other_user, team):
    people = {"admin": admin_user, "owner": owner, "member": member, "outsider": other_user}
    client = Client()
    if who:
        client.force_login(people[who])
    url = reverse(name, args=[team.pk])
    assert client.get(url).status_code in (302, 405)  # POST only (anonymous: to the login)
    response = client.post(url, {"api_key": TEAM_KEY})
    if who is None:
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    elif who == "member":
        assert response.status_code == 403
    elif who == "outsider":
        assert response.status_code == 404
    else:  # test: 409 while there is no key to test
        assert response.status_code in (200, 302, 409)
    stored = StoredKey.objects.filter(team=team).exists()
    if name == "teams:key-save":
        assert stored == allowed


ACCOUNT_URLS = ["account", "account-key-save", "account-key-remove", "account-key-test"]


@pytest.mark.django_db
@pytest.mark.parametrize("name", ACCOUNT_URLS)
@pytest.mark.parametrize("who", ["admin", "owner", "member", "outsider", None])
def test_account_key_urls_act_on_ones_own_key_only(
    name, who, admin_user, owner, member, other_user, team
):
    people = {"admin": admin_user, "owner": owner, "member": member, "outsider": other_user}
    keys.key_save(api_key="sk-alice-own-key-aaaa", by=owner, user=owner)
    client = Client()
    if who:
        client.force_login(people[who])
    method = client.get if name == "account" else client.post
    response = method(reverse(name), {"api_key": PERSONAL})
    if who is None:
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]
        assert StoredKey.objects.count() == 1
        return
    assert response.status_code in (200, 302, 409)
    if who != "owner":  # alice's key is untouched by anyone else
        assert StoredKey.objects.get(user=owner).last_four == "aaaa"
    assert "sk-alice-own-key" not in response.content.decode()


@pytest.mark.django_db
def test_admin_pages_never_show_a_key(admin_user, owner, team):
    keys.key_save(api_key=PERSONAL, by=owner, user=owner)
    client = Client()
    client.force_login(admin_user)
    listing = client.get(reverse("admin:accounts_storedkey_changelist")).content.decode()
    stored = StoredKey.objects.get()
    change = client.get(reverse("admin:accounts_storedkey_change", args=[stored.pk]))
    for page in (listing, change.content.decode()):
        assert PERSONAL not in page and stored.ciphertext not in page
    assert "…wxyz" in listing
    added = client.post(
        reverse("admin:accounts_storedkey_add"), {"team": team.pk, "api_key": TEAM_KEY}
    )
    assert added.status_code == 302
    assert keys.decrypt(StoredKey.objects.get(team=team).ciphertext) == TEAM_KEY
    forbid = client.post(
        reverse("admin:auth_user_changelist"),
        {"action": "forbid_instance_key", "_selected_action": [owner.pk]},
    )
    assert forbid.status_code == 302
    assert not keys.may_use_instance_key(owner)
