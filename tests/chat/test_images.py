"""Chat with image output (the Gemini image models): the images are stored as files and
shown in the answer, to the owner only."""

import pytest
from asgiref.sync import async_to_sync
from django.test import AsyncClient, Client
from django.urls import reverse
from PIL import Image

from playground.chat.models import Attachment, Run
from tests.chat.streaming import open_events, read_all, send_message

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def test_an_image_answer_is_stored_and_shown(owner, other_user):
    async def scenario():
        chat = AsyncClient()
        await chat.aforce_login(owner)
        _, run_id = await send_message(
            chat, "Draw a lighthouse [sim tokens=5]", model="gemini-2.5-flash-image"
        )
        return run_id, await read_all(await open_events(chat, run_id))

    run_id, events = async_to_sync(scenario)()
    run = Run.objects.select_related("message").get(pk=run_id)
    assert run.status == Run.Status.DONE, run.error_message
    image = Attachment.objects.get(message=run.message)
    assert image.is_output and image.content_type == "image/png"
    assert image.file.name.startswith("chat/")  # a file, not base64 in a row
    url = reverse("chat:attachment", args=[image.pk])
    assert url in events[-1].data  # the final rendering shows it

    viewer = Client()
    viewer.force_login(owner)
    assert viewer.get(url).status_code == 200
    with image.file.open("rb") as stored:
        assert Image.open(stored).format == "PNG"
    viewer.force_login(other_user)
    assert viewer.get(url).status_code == 404
    viewer.logout()
    assert viewer.get(url).status_code == 302
