"""The chat wire protocols, as a registry: each one's plain-language name and its module's
two functions. (The code snippets know each protocol's SDK: snippets.py.)

Every protocol takes the same input (an OpenAI chat message list and ChatParams) and gives
the same ChatEvents, so a caller picks one by id and never sees a vendor's shape:

    protocol = PROTOCOLS[protocol_id]
    request = protocol.build_request(model=…, messages=…, params=…, reasoning=…)
    events = protocol.stream_chat(client, request)
"""

from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from functools import partial

from playground.nexconn import anthropic_messages, chat_completions, gemini, responses
from playground.nexconn.catalog import chat_model
from playground.nexconn.events import ChatEvent
from playground.nexconn.params import WireRequest
from playground.nexconn.sse import StreamDecoder

# build_request(*, model, messages, params=None, reasoning=None)
type BuildRequest = Callable[..., WireRequest]
# stream_chat(client, request): Retrying, then WireMessages and what each one means
type StreamChat = Callable[..., AsyncIterator[ChatEvent]]


@dataclass(frozen=True, slots=True)
class Protocol:
    id: str
    label: str  # what the protocol picker shows
    build_request: BuildRequest
    stream_chat: StreamChat


PROTOCOLS: dict[str, Protocol] = {
    protocol.id: protocol
    for protocol in (
        Protocol(
            "chat_completions",
            "Chat completions (OpenAI style, every model)",
            chat_completions.build_request,
            chat_completions.stream_chat,
        ),
        Protocol(
            "anthropic",
            "Anthropic messages (every model)",
            anthropic_messages.build_request,
            anthropic_messages.stream_chat,
        ),
        Protocol(
            "anthropic_bypass",
            "Anthropic messages, passed straight to Anthropic (Claude models)",
            partial(anthropic_messages.build_request, bypass=True),
            anthropic_messages.stream_chat,
        ),
        Protocol(
            "gemini",
            "Gemini generateContent, passed straight to Google (Gemini models)",
            gemini.build_request,
            gemini.stream_chat,
        ),
        Protocol(
            "responses",
            "Responses, passed straight to OpenAI (OpenAI models)",
            responses.build_request,
            responses.stream_chat,
        ),
    )
}
DEFAULT_PROTOCOL = "chat_completions"
# Each protocol's stream decoder (sse.StreamDecoder), for reading a raw answer event by event.
DECODERS: dict[str, Callable[[], StreamDecoder]] = {
    "chat_completions": chat_completions.stream_decoder,
    "anthropic": anthropic_messages.stream_decoder,
    "anthropic_bypass": anthropic_messages.stream_decoder,
    "gemini": gemini.stream_decoder,
    "responses": responses.stream_decoder,
}


def default_protocol_for(model_id: str) -> str:
    return chat_model(model_id).default_protocol


def protocols_for(model_id: str) -> tuple[Protocol, ...]:
    """The protocols that can reach a model: the catalog's list, and for a model only the
    upstream knows, those its id allows (catalog.chat_model)."""
    return tuple(PROTOCOLS[name] for name in chat_model(model_id).protocols)
