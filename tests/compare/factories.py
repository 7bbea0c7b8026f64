"""Comparison rows made directly, for tests about reading them or voting on them, not about
making them (those go through the views and the simulator)."""

from playground.chat.models import Conversation, Message, Run
from playground.compare.models import Column, Comparison, Entry, Turn
from tests.studio.factories import finished_generation

CHAT_MODELS = ["deepseek-v3", "claude-4.5-sonnet"]
IMAGE_MODELS = ["kling-v2-1", "gemini-2.5-flash-image"]


def chat_comparison(
    owner,
    *,
    blind=True,
    team=None,
    title="Which explains tides",
    models=CHAT_MODELS,
    status=Run.Status.DONE,
):
    """A chat comparison of one turn, as comparison_create leaves it; its answers have ended
    (or have `status`)."""
    comparison = Comparison.objects.create(owner=owner, blind=blind, team=team, title=title)
    turn = Turn.objects.create(comparison=comparison, index=0, prompt="Explain tides")
    for position, model in enumerate(models):
        label = f"Model {'ABCDEF'[position]}" if blind else model
        conversation = Conversation.objects.create(
            owner=owner, title=f"{title} · {label}", model=model
        )
        column = Column.objects.create(
            comparison=comparison, position=position, model=model, conversation=conversation
        )
        question = Message.objects.create(
            conversation=conversation, role="user", content="Explain tides"
        )
        answer = Message.objects.create(
            conversation=conversation, role="assistant", parent=question, content="The moon."
        )
        conversation.current_leaf = answer
        conversation.save()
        run = Run.objects.create(message=answer, model=model, status=status, request={"body": {}})
        Entry.objects.create(turn=turn, column=column, run=run)
    return comparison


def image_comparison(owner, *, blind=True, models=IMAGE_MODELS):
    """An image comparison of one turn whose jobs have finished."""
    comparison = Comparison.objects.create(
        owner=owner, blind=blind, kind=Comparison.Kind.IMAGE, title="Lighthouses"
    )
    turn = Turn.objects.create(comparison=comparison, index=0, prompt="A lighthouse")
    for position, model in enumerate(models):
        column = Column.objects.create(
            comparison=comparison, position=position, model=model, kind="image"
        )
        generation, _, _ = finished_generation(owner=owner, prompt="A lighthouse", model=model)
        Entry.objects.create(turn=turn, column=column, generation=generation)
    return comparison
