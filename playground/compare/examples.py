"""Ready-made comparisons for a first visit. In demo mode each one starts with one click
(the simulator answers, nothing is billed); with a real key they are only suggestions."""

from dataclasses import dataclass

from playground.nexconn.media.catalog import media_model


@dataclass(frozen=True)
class Example:
    title: str
    summary: str
    fields: dict[str, str]  # what the new-comparison form posts for it

    @property
    def models(self) -> list[str]:
        return [value for name, value in self.fields.items() if "model_" in name]


EXAMPLES = (
    Example(
        "Blind taste test",
        "Two chat models answer one question with their names hidden. Vote for the better "
        "answer, then see which model wrote it.",
        {
            "kind": "chat",
            "model_0": "deepseek-v3",
            "model_1": "claude-4.5-sonnet",
            "blind": "on",
            "tags": "explain",
            "prompt": "Explain what an API is to someone who has never programmed, "
            "in four sentences.",
        },
    ),
    Example(
        "Three models, one task",
        "Compare the code, the speed and the cost of three models side by side.",
        {
            "kind": "chat",
            "model_0": "deepseek-v3",
            "model_1": "claude-4.5-sonnet",
            "model_2": "openai/gpt-5",
            "tags": "coding",
            "prompt": "Write a Python function that tells whether a word is a palindrome, "
            "with two tests.",
        },
    ),
    Example(
        "Two image models",
        "The same prompt and the same square shape for both: which picture is better?",
        {
            "kind": "image",
            "image_model_0": "kling-v2-1",
            "image_model_1": "gemini-2.5-flash-image",
            "aspect_ratio": "1:1",
            "blind": "on",
            "prompt": "A lighthouse on a rocky coast at dusk, in watercolour",
        },
    ),
)


def examples_for(*, chat_model_ids: list[str]) -> list[Example]:
    """The examples whose models can be picked here (the upstream's chat models, the
    catalog's image models)."""

    def available(model_id: str, kind: str) -> bool:
        if kind == "image":
            return media_model(model_id, kind="image") is not None
        return model_id in chat_model_ids

    return [
        example
        for example in EXAMPLES
        if all(available(model, example.fields["kind"]) for model in example.models)
    ]
