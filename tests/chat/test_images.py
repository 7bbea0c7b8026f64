"""Chat with image output (the Gemini image models): the images are stored as files and
shown in the answer, to the owner only."""

import base64

import pytest
from asgiref.sync import async_to_sync
from django.test import AsyncClient, Client
from django.urls import reverse
from PIL import Image

from playground.chat.models import Attachment, Message, Run
from playground.simulator.app import application as simulator
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


def test_a_follow_up_gives_back_the_drawn_image_with_its_signature(owner):
    """Gemini 3 image models continue from their own pictures: the next request carries the
    earlier picture as an inline part with the thought signature it came with."""
    simulator.reset()

    async def scenario():
        chat = AsyncClient()
        await chat.aforce_login(owner)
        runs = []
        conversation_id = None
        for text in ("Draw a lighthouse [sim tokens=5]", "Now paint it red [sim tokens=5]"):
            _, run_id = await send_message(
                chat,
                text,
                model="gemini-3.1-flash-image-preview",
                conversation_id=conversation_id,
                extra={"protocol": "gemini"},
            )
            await read_all(await open_events(chat, run_id))
            run = await Run.objects.select_related("message").aget(pk=run_id)
            conversation_id = run.message.conversation_id
            runs.append(run)
        return runs

    first, second = async_to_sync(scenario)()
    assert (first.status, second.status) == (Run.Status.DONE, Run.Status.DONE), second.error_message
    drawn = Attachment.objects.get(message=first.message)
    [signed] = Message.objects.get(pk=first.message_id).replay_state["thought_signatures"]
    sent = [r for r in simulator.received if r["method"] == "POST"][-1]["json"]
    model_turn = sent["contents"][1]
    assert model_turn["role"] == "model"
    [image_part] = [part for part in model_turn["parts"] if "inlineData" in part]
    assert (
        image_part["thoughtSignature"] == signed["signature"] != "skip_thought_signature_validator"
    )
    with drawn.file.open("rb") as stored:
        assert image_part["inlineData"]["data"] == base64.b64encode(stored.read()).decode()
