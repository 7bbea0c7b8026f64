"""A conversation as a file: Markdown for reading, JSON with every branch and figure."""

from playground.chat import selectors
from playground.chat.models import Conversation, Message


def as_markdown(conversation: Conversation) -> str:
    lines = [f"# {conversation.title or 'Conversation'}", ""]
    if conversation.system_prompt:
        lines += ["**System prompt:**", "", conversation.system_prompt, ""]
    for entry in selectors.conversation_thread(conversation=conversation):
        message = entry.message
        if message.role == Message.Role.USER:
            lines += ["## You", "", message.content]
            lines += [f"- attachment: {a.name or a.kind}" for a in message.attachments.all()]
        elif message.role == Message.Role.TOOL:
            lines += [f"## Result of `{message.tool_name}`", "", "```", message.content, "```"]
        else:
            run = getattr(message, "run", None)
            lines += [f"## {run.model if run else 'Assistant'}", ""]
            if message.reasoning:
                lines += ["> " + line for line in message.reasoning.splitlines()] + [""]
            lines.append(message.content)
            for call in message.tool_calls:
                lines += ["", f"Calls `{call['name']}`:", "```json", call["arguments"], "```"]
            if run and run.error_message:
                lines += ["", f"*{run.error_message}*"]
        lines.append("")
    return "\n".join(lines)


def as_json(conversation: Conversation) -> dict:
    messages = conversation.messages.select_related("run").prefetch_related("attachments")
    return {
        "id": conversation.pk,
        "title": conversation.title,
        "model": conversation.model,
        "protocol": conversation.protocol,
        "system_prompt": conversation.system_prompt,
        "params": conversation.params,
        "branch_on_show": [
            entry.message.pk for entry in selectors.conversation_thread(conversation=conversation)
        ],
        "messages": [_message(message) for message in messages.order_by("id")],
    }


def _message(message: Message) -> dict:
    item = {
        "id": message.pk,
        "parent": message.parent_id,
        "role": message.role,
        "content": message.content,
        "created_at": message.created_at.isoformat(),
    }
    if message.reasoning:
        item["reasoning"] = message.reasoning
    if message.tool_calls:
        item["tool_calls"] = message.tool_calls
    if message.tool_call_id:
        item["tool_call_id"] = message.tool_call_id
    attachments = [
        {"kind": a.kind, "name": a.name, "content_type": a.content_type, "url": a.url}
        for a in message.attachments.all()
    ]
    if attachments:
        item["attachments"] = attachments
    run = getattr(message, "run", None)
    if run is not None:
        item["answer"] = {
            "model": run.model,
            "protocol": run.protocol,
            "status": run.status,
            "error": run.error_message,
            "finish_reason": run.finish_reason,
            "usage": {
                "input_tokens": run.input_tokens,
                "output_tokens": run.output_tokens,
                "reasoning_tokens": run.reasoning_tokens,
                "cached_tokens": run.cached_tokens,
            },
            "cost": str(run.cost) if run.cost is not None else None,
            "time_to_first_token_ms": run.time_to_first_token_ms,
            "tokens_per_second": run.tokens_per_second,
        }
    return item
