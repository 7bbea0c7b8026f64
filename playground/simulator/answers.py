"""Deterministic, realistic answer text, and the word-piece tokens it streams in."""

import hashlib
import re

# A token is a word piece with its leading whitespace, so joined tokens give back the text.
_TOKEN = re.compile(r"\s*\S{1,8}|\s+")

_FILLER = (
    "The simulator writes these sentences so that long answers stream for a while.",
    "Each sentence is plain prose, the way a model fills out an explanation.",
    "A real model would tailor this part to the question and its context.",
    "Token counts follow the word pieces streamed, so usage numbers stay consistent.",
    "Markdown keeps working across chunk boundaries, which is worth testing.",
    "Nothing here comes from a network call; it is computed from the prompt.",
    "The same prompt always gives the same answer, which keeps tests repeatable.",
    "Ask for more tokens to make the answer longer, or fewer to make it short.",
)

_REASONING = (
    "I should give a short overview first, then a list, then a code sample.",
    "The user probably wants something they can run, so the example should be small.",
    "Let me check the formatting: headings are not needed, bullets are enough.",
    "I will keep the explanation plain and avoid jargon where I can.",
)


def tokenize(text: str) -> list[str]:
    return _TOKEN.findall(text)


def count_tokens(text: str) -> int:
    return len(_TOKEN.findall(text))


def answer_tokens(prompt: str, *, model: str, tokens: int) -> list[str]:
    """The answer to `prompt`, cut to exactly `tokens` tokens. It does not name the model
    (a blind comparison would give it away), and each model goes on with sentences of its
    own, so that answers side by side differ."""
    topic = _topic(prompt)
    opening = (
        f'**Simulated answer** to "{topic}".\n\n'
        "This reply comes from the Nexconn simulator standing in for the model asked. It has "
        "the shape of a real answer, so formatting, streaming and token counting can be tried "
        "without an API key.\n\n"
        f"- Your prompt has {len(prompt.split())} words.\n"
        "- Markdown such as **bold**, *italic* and `inline code` renders here.\n"
        "- Long answers keep streaming until the requested length.\n\n"
        "```python\n"
        "def summarize(text: str, limit: int = 12) -> str:\n"
        '    """Keep the first words of a text."""\n'
        '    return " ".join(text.split()[:limit])\n'
        "```"
    )
    return _cut(opening, _FILLER, seed=_seed(f"{model}\n{prompt}"), tokens=tokens, gap="\n\n")


def tool_answer_tokens(prompt: str, *, tool: str, output: str, tokens: int) -> list[str]:
    """The answer once a tool has run: it reports what the tool gave back."""
    opening = (
        f"The `{tool}` tool returned: {_topic(output) or '(nothing)'}\n\n"
        f'That is what the simulator bases its answer to "{_topic(prompt)}" on.'
    )
    return _cut(opening, _FILLER, seed=_seed(prompt + output), tokens=tokens, gap="\n\n")


def caption_tokens(prompt: str) -> list[str]:
    """What an image model says beside its picture."""
    return tokenize(f'Here is the picture: "{_topic(prompt)}".')


def reasoning_tokens(prompt: str, *, tokens: int) -> list[str]:
    opening = f'The user asks about "{_topic(prompt)}".'
    return _cut(opening, _REASONING, seed=_seed(prompt), tokens=tokens, gap=" ")


def _cut(
    opening: str, sentences: tuple[str, ...], *, seed: int, tokens: int, gap: str
) -> list[str]:
    """`opening`, then sentences from `seed` on (the first after `gap`), to `tokens` tokens."""
    pieces = tokenize(opening)
    index = seed
    while len(pieces) < tokens:
        pieces += tokenize(gap + sentences[index % len(sentences)])
        index, gap = index + 1, " "
    return pieces[:tokens]


def _topic(prompt: str) -> str:
    words = " ".join(prompt.split())
    return words if len(words) <= 80 else words[:79] + "…"


def _seed(prompt: str) -> int:
    return int.from_bytes(hashlib.sha256(prompt.encode()).digest()[:4])
