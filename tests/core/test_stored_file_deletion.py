"""Deleting a chat, a message, a comparison or a studio job deletes its stored files, once the
delete is committed; a file another row still holds stays."""

import pytest
from django.core.files.base import ContentFile
from django.urls import reverse

from playground.chat.models import Attachment, Conversation, Message, Run
from playground.compare.models import Column, Comparison, Entry, Turn
from tests.studio.factories import finished_generation, png_bytes

pytestmark = pytest.mark.django_db(transaction=True)  # the files go once the delete commits


@pytest.fixture(autouse=True)
def stored(settings, tmp_path):
    """Which of these names are files in storage."""
    settings.MEDIA_ROOT = tmp_path
    return lambda *names: [(tmp_path / name).is_file() for name in names]


def conversation_of(owner, title="Chat") -> Conversation:
    return Conversation.objects.create(owner=owner, title=title, model="deepseek-v3")


def question(conversation, parent=None, *, text="Look at this") -> Message:
    return Message.objects.create(
        conversation=conversation, role="user", content=text, parent=parent
    )


def answer(conversation, parent) -> Message:
    message = Message.objects.create(conversation=conversation, role="assistant", parent=parent)
    Run.objects.create(message=message, model=conversation.model, status=Run.Status.DONE)
    return message


def attach(message, *, is_output=False) -> str:
    """A new stored image in the message; its name in storage."""
    attachment = Attachment(
        message=message, kind="image", is_output=is_output, content_type="image/png"
    )
    attachment.file.save("picture.png", ContentFile(png_bytes()), save=True)
    return attachment.file.name


def share(message, name: str) -> None:
    """Another row naming the same stored file."""
    Attachment.objects.create(message=message, kind="image", content_type="image/png", file=name)


def test_deleting_a_chat_deletes_its_attachments_and_generated_images(owner_client, owner, stored):
    chat = conversation_of(owner)
    asked = question(chat)
    uploaded = attach(asked)
    drawn = attach(answer(chat, asked), is_output=True)
    elsewhere = question(conversation_of(owner, "Another chat"))
    kept = attach(elsewhere)
    shared = attach(asked)
    share(elsewhere, shared)

    response = owner_client.post(reverse("chat:conversation-delete", args=[chat.pk]))

    assert response.status_code == 302
    assert stored(uploaded, drawn) == [False, False]
    assert stored(kept, shared) == [True, True]
    still_shown = reverse("chat:attachment", args=[elsewhere.attachments.last().pk])
    assert owner_client.get(still_shown).status_code == 200


def test_deleting_a_message_deletes_the_files_of_what_it_takes_with_it(owner_client, owner, stored):
    chat = conversation_of(owner)
    first = question(chat, text="First question")
    earlier = attach(first)
    second = question(chat, answer(chat, first), text="Second question")
    uploaded = attach(second)
    drawn = attach(answer(chat, second), is_output=True)
    # An edit of the second question, on a branch of its own, with the same picture.
    edited = question(chat, second.parent, text="Second question, edited")
    share(edited, uploaded)

    response = owner_client.post(reverse("chat:message-delete", args=[second.pk]))

    assert response.status_code in (200, 302)
    assert not Message.objects.filter(pk=second.pk).exists()
    assert stored(drawn) == [False]
    assert stored(earlier, uploaded) == [True, True]  # still in the messages left
    owner_client.post(reverse("chat:message-delete", args=[edited.pk]))
    assert stored(uploaded, earlier) == [False, True]


def chat_comparison(owner, columns: int = 2) -> tuple[Comparison, list[Message]]:
    comparison = Comparison.objects.create(owner=owner, kind="chat", title="Side by side")
    turn = Turn.objects.create(comparison=comparison, index=0, prompt="Look at this")
    questions = []
    for position in range(columns):
        chat = conversation_of(owner, f"Side by side · {position}")
        column = Column.objects.create(
            comparison=comparison, position=position, model=chat.model, conversation=chat
        )
        asked = question(chat)
        reply = answer(chat, asked)
        Entry.objects.create(turn=turn, column=column, run=reply.run)
        questions.append(asked)
    return comparison, questions


def test_deleting_a_comparison_deletes_its_column_chats_files(owner_client, owner, stored):
    comparison, (left, right) = chat_comparison(owner)
    picture = attach(left)
    share(right, picture)  # one upload sent to both columns
    drawn = [attach(question.children.get(), is_output=True) for question in (left, right)]
    reused = attach(right)
    share(question(conversation_of(owner, "Later chat")), reused)

    response = owner_client.post(reverse("compare:delete", args=[comparison.pk]))

    assert response.status_code == 302
    assert not Conversation.objects.filter(title__startswith="Side by side").exists()
    assert stored(picture, *drawn) == [False, False, False]
    assert stored(reused) == [True]


def test_an_image_comparison_leaves_its_results_in_the_gallery(owner_client, owner, stored):
    generation, output, _ = finished_generation(owner=owner)
    comparison = Comparison.objects.create(owner=owner, kind="image", title="Pictures")
    turn = Turn.objects.create(comparison=comparison, index=0, prompt=generation.prompt)
    column = Column.objects.create(comparison=comparison, position=0, model=generation.model)
    Entry.objects.create(turn=turn, column=column, generation=generation)

    owner_client.post(reverse("compare:delete", args=[comparison.pk]))

    assert not Comparison.objects.filter(pk=comparison.pk).exists()
    assert stored(output.file.name, output.preview.name) == [True, True]
    served = owner_client.get(reverse("studio:output-file", args=[output.pk]))
    assert served.status_code == 200


def test_deleting_a_studio_job_deletes_its_files(owner_client, owner, stored):
    generation, output, reference = finished_generation(owner=owner)
    names = [output.file.name, output.preview.name, reference.file.name]

    response = owner_client.post(reverse("studio:delete", args=[generation.pk]))

    assert response.status_code == 302
    assert stored(*names) == [False, False, False]
