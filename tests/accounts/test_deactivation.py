"""An administrator deactivates an account: its sessions end, its answers stop, its studio
jobs and file imports not yet sent upstream are cancelled, its invitation links stop; jobs
already sent run to their end (they are billed) and stay visible in the admin."""

import asyncio

import pytest
from asgiref.sync import sync_to_async
from django.contrib.sessions.models import Session
from django.test import AsyncClient
from django.urls import reverse

from playground.accounts import services
from playground.accounts.models import Invitation
from playground.chat.models import Run
from playground.files.models import UpstreamFile
from playground.simulator.app import application as simulator
from playground.studio import services as studio_services
from playground.studio.models import Generation
from tests.chat.streaming import send_message
from tests.chat.test_runs import logged_in, run_async
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def _quick_jobs(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    settings.STUDIO_POLL_FIRST_SECONDS = 0.05
    settings.STUDIO_POLL_MAX_SECONDS = 0.2
    simulator.reset()


def deactivate(client, user):
    return client.post(
        reverse("admin:auth_user_changelist"),
        {"action": "deactivate", "_selected_action": [user.pk]},
        follow=True,
    )


def video_job(client) -> Generation:
    response = client.post(
        reverse("studio:create"),
        {
            "mode": "text",
            "model": "video:kling-v2-5-turbo",
            "prompt": "a paper boat on a river [sim job=0.6]",
            "opt_duration": "5",
        },
    )
    assert response.status_code == 302
    return Generation.objects.latest("pk")


def test_deactivating_ends_sessions_and_cancels_only_what_was_not_sent(
    client, admin_user, member, other_user, team, run_tasks
):
    from django.test import Client

    bob = Client()
    bob.force_login(member)
    charlie = Client()
    charlie.force_login(other_user)
    sent = video_job(bob)
    studio_services.generation_submit(generation_id=sent.pk)  # the worker sent this one
    sent.refresh_from_db()
    assert sent.status in (Generation.Status.QUEUED, Generation.Status.RUNNING)
    waiting = video_job(bob)  # this one the worker has not taken yet
    file_waiting = UpstreamFile.objects.create(
        owner=member, source_url="https://example.com/a.pdf", model="qwen-long"
    )
    file_sent = UpstreamFile.objects.create(
        owner=member,
        source_url="https://example.com/b.pdf",
        model="qwen-long",
        file_id="qfile-b",
        polls=1,
    )
    link = services.invitation_create(by=admin_user, team=team, days=7, max_uses=1)
    Invitation.objects.filter(pk=link.pk).update(created_by=member)

    client.force_login(admin_user)
    response = deactivate(client, member)
    html = response.content.decode()
    assert "Deactivated bob: 1 session(s) ended, 0 answer(s) stopped, 1 studio job(s) and" in html
    assert "1 file import(s) cancelled before sending, 1 invitation link(s) withdrawn." in html

    member.refresh_from_db()
    assert not member.is_active
    page = bob.get(reverse("chat:home"))
    assert page.status_code == 302 and page["Location"].startswith(reverse("login"))
    assert charlie.get(reverse("chat:home")).status_code == 200  # other people stay in
    assert Session.objects.count() == 2  # the administrator's and charlie's

    waiting.refresh_from_db()
    assert waiting.status == Generation.Status.CANCELLED
    assert waiting.error_message == services.JOB_CANCELLED
    file_waiting.refresh_from_db()
    assert file_waiting.status == UpstreamFile.Status.FAILED
    assert file_waiting.error_message == services.FILE_CANCELLED
    file_sent.refresh_from_db()
    assert file_sent.status == UpstreamFile.Status.PENDING
    assert Invitation.objects.get(pk=link.pk).revoked_at is not None

    run_tasks(lambda: not Generation.objects.get(pk=sent.pk).is_active)
    sent.refresh_from_db()
    assert sent.status == Generation.Status.SUCCEEDED, sent.error_message
    assert sent.outputs.count() == 1
    waiting.refresh_from_db()
    assert waiting.status == Generation.Status.CANCELLED  # its submit task found nothing to send
    assert len([r for r in simulator.received if r["method"] == "POST"]) == 1

    jobs = client.get(reverse("admin:studio_generation_changelist") + "?q=bob").content.decode()
    assert reverse("admin:studio_generation_change", args=[sent.pk]) in jobs
    assert reverse("admin:studio_generation_change", args=[waiting.pk]) in jobs


@pytest.mark.parametrize(
    "engine",
    ["django.contrib.sessions.backends.db", "django.contrib.sessions.backends.cached_db"],
)
def test_an_ended_session_stays_ended_when_the_account_is_activated_again(
    client, admin_user, member, settings, engine
):
    """With a shared cache (CACHE_URL) sessions are cached_db: the cached copy goes too."""
    from django.test import Client

    settings.SESSION_ENGINE = engine
    bob = Client()
    bob.force_login(member)
    assert bob.get(reverse("chat:home")).status_code == 200  # read, so cached
    client.force_login(admin_user)
    deactivate(client, member)
    member.refresh_from_db()
    member.is_active = True
    member.save()
    page = bob.get(reverse("chat:home"))
    assert page.status_code == 302 and page["Location"].startswith(reverse("login"))


def test_a_deactivated_account_cannot_log_in(client, admin_user, member):
    client.force_login(admin_user)
    deactivate(client, member)
    client.logout()
    response = client.post(reverse("login"), {"username": "bob", "password": PASSWORD})
    assert response.status_code == 400
    assert "correct username and password" in response.content.decode()


def test_an_administrator_does_not_deactivate_themselves(client, admin_user, member):
    client.force_login(admin_user)
    response = client.post(
        reverse("admin:auth_user_changelist"),
        {"action": "deactivate", "_selected_action": [admin_user.pk, member.pk]},
        follow=True,
    )
    assert "Your own account stays active." in response.content.decode()
    admin_user.refresh_from_db()
    member.refresh_from_db()
    assert admin_user.is_active and not member.is_active


def test_unticking_active_on_the_account_form_deactivates_as_the_action_does(
    client, admin_user, member
):
    waiting = video_job(_logged_in_client(member))
    client.force_login(admin_user)
    change = reverse("admin:auth_user_change", args=[member.pk])
    joined = member.date_joined
    response = client.post(
        change,
        {
            "username": "bob",
            "first_name": "",
            "last_name": "",
            "email": "",
            "date_joined_0": joined.strftime("%Y-%m-%d"),
            "date_joined_1": joined.strftime("%H:%M:%S"),
            # "is_active" left out: the box is unticked
        },
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    member.refresh_from_db()
    assert not member.is_active
    waiting.refresh_from_db()
    assert waiting.status == Generation.Status.CANCELLED


def _logged_in_client(user):
    from django.test import Client

    client = Client()
    client.force_login(user)
    return client


def test_deactivating_stops_the_accounts_running_answers(admin_user, member):
    async def scenario():
        bob = await logged_in(member)
        _, run_id = await send_message(bob, "Long answer [sim tokens=400 rate=40]")
        await asyncio.sleep(0.3)  # some text has come
        admin = AsyncClient()
        await admin.aforce_login(admin_user)
        response = await admin.post(
            reverse("admin:auth_user_changelist"),
            {"action": "deactivate", "_selected_action": [member.pk]},
        )
        async with asyncio.timeout(5):
            # Neither the simulator nor the database offers an event to wait on.
            while not simulator.disconnects:  # noqa: ASYNC110
                await asyncio.sleep(0.02)
            while await sync_to_async(_run_status)(run_id) in Run.ACTIVE:  # noqa: ASYNC110
                await asyncio.sleep(0.02)
        return response, run_id

    response, run_id = run_async(scenario)
    assert response.status_code == 302
    run = Run.objects.select_related("message").get(pk=run_id)
    assert run.status == Run.Status.STOPPED
    assert run.message.content, "the text so far is kept"


def _run_status(run_id: int) -> str:
    return Run.objects.values_list("status", flat=True).get(pk=run_id)
