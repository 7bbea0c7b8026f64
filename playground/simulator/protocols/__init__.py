"""The chat protocols the simulator speaks (docs/api/chat.md §4-7), all answering through `engine`:

chat_completions  POST /v1/chat/completions                       OpenAI chat completions
anthropic         POST /v1/messages, /bypass/anthropic/v1/messages  Anthropic messages
gemini            POST /bypass/vertex/v1/models/{model}:streamGenerateContent|:generateContent
responses         POST /bypass/openai/v1/responses                 OpenAI Responses
"""

from typing import TYPE_CHECKING

from playground.simulator.http import Handler, Request, Route, Send
from playground.simulator.protocols import anthropic, chat_completions, gemini, responses
from playground.simulator.protocols.engine import Api, answer

if TYPE_CHECKING:
    from playground.simulator.app import Simulator


def chat_routes(simulator: "Simulator") -> list[Route]:
    def serve(api: Api) -> Handler:
        async def handler(request: Request, send: Send) -> None:
            await answer(simulator, api, request, send)

        return handler

    vertex = "/bypass/vertex/v1/models/{model}"
    return [
        ("POST", "/v1/chat/completions", serve(chat_completions.API)),
        ("POST", "/v1/messages", serve(anthropic.API)),
        ("POST", "/bypass/anthropic/v1/messages", serve(anthropic.API)),
        ("POST", f"{vertex}:streamGenerateContent", serve(gemini.STREAM_API)),
        ("POST", f"{vertex}:generateContent", serve(gemini.SINGLE_API)),
        ("POST", "/bypass/openai/v1/responses", serve(responses.API)),
    ]
