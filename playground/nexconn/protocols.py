"""The chat wire protocols, as a registry: each one's plain-language name, its module's three
functions and the SDK its code snippets use.

Every protocol takes the same input (an OpenAI chat message list and ChatParams) and gives
the same ChatEvents, so a caller picks one by id and never sees a vendor's shape:

    protocol = PROTOCOLS[protocol_id]
    request = protocol.build_request(model=…, messages=…, params=…, reasoning=…)
    events = protocol.stream_chat(client, request)      # or await protocol.complete_chat(…)
"""

from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from functools import partial

from playground.nexconn import anthropic_messages, chat_completions, gemini, responses
from playground.nexconn.catalog import CHAT_MODELS, chat_model
from playground.nexconn.events import ChatEvent
from playground.nexconn.params import WireRequest

# build_request(*, model, messages, params=None, stream=True, reasoning=None)
type BuildRequest = Callable[..., WireRequest]
# stream_chat(client, request, *, on_retry=None) and complete_chat(the same)
type StreamChat = Callable[..., AsyncIterator[ChatEvent]]
type CompleteChat = Callable[..., Awaitable[list[ChatEvent]]]


@dataclass(frozen=True, slots=True)
class Protocol:
    id: str
    label: str  # what the protocol picker shows
    build_request: BuildRequest
    stream_chat: StreamChat
    complete_chat: CompleteChat
    # The official SDK snippets call it through (the same package name for Python and
    # JavaScript), or None for plain HTTP; and the path the SDK's base_url adds to the host.
    sdk: str | None
    sdk_base_path: str


PROTOCOLS: dict[str, Protocol] = {
    protocol.id: protocol
    for protocol in (
        Protocol(
            "chat_completions",
            "Chat completions (OpenAI style, every model)",
            chat_completions.build_request,
            chat_completions.stream_chat,
            chat_completions.complete_chat,
            sdk="openai",
            sdk_base_path="/v1",
        ),
        Protocol(
            "anthropic",
            "Anthropic messages (every model)",
            anthropic_messages.build_request,
            anthropic_messages.stream_chat,
            anthropic_messages.complete_chat,
            sdk="anthropic",
            sdk_base_path="",
        ),
        Protocol(
            "anthropic_bypass",
            "Anthropic messages, passed straight to Anthropic (Claude models)",
            partial(anthropic_messages.build_request, bypass=True),
            anthropic_messages.stream_chat,
            anthropic_messages.complete_chat,
            sdk="anthropic",
            sdk_base_path="/bypass/anthropic",
        ),
        Protocol(
            "gemini",
            "Gemini generateContent, passed straight to Google (Gemini models)",
            gemini.build_request,
            gemini.stream_chat,
            gemini.complete_chat,
            sdk=None,
            sdk_base_path="",
        ),
        Protocol(
            "responses",
            "Responses, passed straight to OpenAI (OpenAI models)",
            responses.build_request,
            responses.stream_chat,
            responses.complete_chat,
            sdk="openai",
            sdk_base_path="/bypass/openai/v1",
        ),
    )
}
DEFAULT_PROTOCOL = "chat_completions"
_KNOWN_MODELS = frozenset(model.id for model in CHAT_MODELS)


def default_protocol_for(model_id: str) -> str:
    if model_id in _KNOWN_MODELS:
        return chat_model(model_id).default_protocol
    return DEFAULT_PROTOCOL


def protocols_for(model_id: str) -> tuple[Protocol, ...]:
    """The protocols that can reach a model: the catalog's list, and for a model only the
    upstream knows, by its id (chat.md §7): /v1/messages serves every model; each bypass
    route only its vendor's."""
    if model_id in _KNOWN_MODELS:
        return tuple(PROTOCOLS[name] for name in chat_model(model_id).protocols)
    name = model_id.lower()
    ids = ["chat_completions", "anthropic"]
    if name.startswith(("claude", "anthropic/")):
        ids.append("anthropic_bypass")
    if name.startswith(("gemini", "google/")):
        ids.append("gemini")
    if name.startswith("openai/"):
        ids.append("responses")
    return tuple(PROTOCOLS[name] for name in ids)
