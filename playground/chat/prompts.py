"""What the model is told for one answer: the branch up to it, as chat-completions messages.

Every protocol module translates this one shape into its own, so attachments and tool
calls are described once, here.
"""

import base64

from playground.chat.models import Attachment, Message, Run
from playground.chat.threads import Tree
from playground.nexconn import catalog

# Failed and interrupted attempts are not part of what the model is told.
_LEFT_OUT = (Run.Status.FAILED, Run.Status.INTERRUPTED)
_AUDIO_FORMATS = {"audio/mpeg": "mp3", "audio/mp3": "mp3", "audio/wav": "wav", "audio/x-wav": "wav"}


type Branch = list[tuple[Message, list[Attachment]]]


def prompt_messages(*, run: Run, branch: Branch | None = None) -> list[dict]:
    """`branch`: the messages before the answer with their attachments, when the caller
    has them (the first message of a new conversation): nothing is read then."""
    conversation = run.message.conversation
    if branch is None:
        tree = Tree(conversation.messages.select_related("run").prefetch_related("attachments"))
        path = tree.path_to(tree.by_id[run.message_id])[:-1]
        branch = [(message, list(message.attachments.all())) for message in path]
    messages: list[dict] = []
    if conversation.system_prompt:
        messages.append({"role": "system", "content": conversation.system_prompt})
    for message, attachments in branch:
        if item := _wire_message(message, attachments, answering=run):
            messages.append(item)
    return messages


def _wire_message(
    message: Message, attachments: list[Attachment], *, answering: Run
) -> dict | None:
    if message.role == Message.Role.TOOL:
        return {"role": "tool", "tool_call_id": message.tool_call_id, "content": message.content}
    if message.role == Message.Role.ASSISTANT:
        run = getattr(message, "run", None)
        images = [a for a in attachments if a.kind == Attachment.Kind.IMAGE and a.is_output]
        if (run is not None and run.status in _LEFT_OUT) or not (
            message.content or message.tool_calls or images
        ):
            return None
        item: dict = {"role": "assistant", "content": message.content}
        if images:
            # The pictures an image model drew go back with its turn, so that it can change
            # them (docs/api/chat.md §4.2, `images` of an assistant message).
            item["images"] = [
                {"type": "image_url", "image_url": {"url": _data_url(image)}, "index": index}
                for index, image in enumerate(images)
            ]
        if message.tool_calls:
            item["tool_calls"] = [
                {
                    "id": call["id"],
                    "type": "function",
                    "function": {"name": call["name"], "arguments": call["arguments"]},
                }
                for call in message.tool_calls
            ]
        # Models that show their reasoning take it back as reasoning_content
        # (docs/api/chat.md §4.2); DeepSeek and Kimi refuse a tool call turn without it when
        # thinking is on.
        if catalog.chat_model(answering.model).returns_reasoning_text and (
            message.reasoning or message.tool_calls
        ):
            item["reasoning_content"] = message.reasoning
        if run is not None and _same_source(run, answering):
            _add_replay_state(item, message.replay_state)
        return item
    parts = [_part(attachment) for attachment in attachments]
    parts = [part for part in parts if part]
    if not parts:
        return {"role": "user", "content": message.content}
    text = [{"type": "text", "text": message.content}] if message.content else []
    return {"role": "user", "content": text + parts}


def _protocol_family(protocol: str) -> str:
    return protocol.removesuffix("_bypass")  # the bypass speaks the same Anthropic messages


def _same_source(earlier: Run, answering: Run) -> bool:
    """Signatures and reasoning items only mean something to the model and the protocol
    that gave them."""
    same_family = _protocol_family(earlier.protocol) == _protocol_family(answering.protocol)
    return same_family and earlier.model == answering.model


def _add_replay_state(item: dict, state: dict) -> None:
    """The stored state, in the keys each protocol module reads from an assistant message:
    `thinking_blocks` (Anthropic, docs/api/chat.md §4.2), a Gemini thought signature in
    `extra_content.google` (on a tool call, an image, or the message for its text), Responses
    `reasoning_items` and each call's output item id (`item_id`)."""
    if blocks := state.get("thinking_blocks"):
        item["thinking_blocks"] = blocks
    if items := state.get("reasoning_items"):
        item["reasoning_items"] = items
    calls = item.get("tool_calls") or []
    for found in state.get("call_item_ids") or ():
        if 0 <= found["call"] < len(calls):
            calls[found["call"]]["item_id"] = found["id"]
    images = item.get("images") or []
    for signed in state.get("thought_signatures") or ():
        google = {"google": {"thought_signature": signed["signature"]}}
        if "call" in signed:
            if 0 <= signed["call"] < len(calls):
                calls[signed["call"]]["extra_content"] = google
        elif "image" in signed:
            if 0 <= signed["image"] < len(images):
                images[signed["image"]]["extra_content"] = google
        elif "text" in signed:
            item["extra_content"] = google


def _file_data(attachment: Attachment) -> str:
    with attachment.file.open("rb") as stored:
        return base64.b64encode(stored.read()).decode("ascii")


def _data_url(image: Attachment) -> str:
    """An image's link, or its stored file as a data URL."""
    return image.url or f"data:{image.content_type};base64,{_file_data(image)}"


def _part(attachment: Attachment) -> dict | None:
    match attachment.kind:
        case Attachment.Kind.IMAGE:
            return {"type": "image_url", "image_url": {"url": _data_url(attachment)}}
        case Attachment.Kind.AUDIO if attachment.file:
            audio_format = _AUDIO_FORMATS.get(attachment.content_type, "mp3")
            return {
                "type": "input_audio",
                "input_audio": {"data": _file_data(attachment), "format": audio_format},
            }
        case Attachment.Kind.VIDEO if attachment.url:
            return {"type": "video_url", "video_url": {"url": attachment.url}}
        case Attachment.Kind.DOCUMENT if attachment.upstream_file_id:
            return {
                "type": "file",
                "file": {
                    "file_id": attachment.upstream_file_id,
                    "format": attachment.content_type or "application/pdf",
                },
            }
    return None
