from django import forms

from playground.chat.models import Conversation

# Every text a user sends to a model (a message, an edit, tool results, a comparison's
# prompts) has this limit, whichever page it comes from.
MAX_MESSAGE_CHARS = 100_000
TOO_LONG = f"This is longer than the {MAX_MESSAGE_CHARS:,} characters a message can have."


class MessageForm(forms.Form):
    text = forms.CharField(
        max_length=MAX_MESSAGE_CHARS,
        strip=True,
        error_messages={"required": "Type a message first.", "max_length": TOO_LONG},
    )
    model = forms.ChoiceField(help_text="Which model answers.")
    system_prompt = forms.CharField(
        required=False,
        max_length=20_000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Instructions the model follows for the whole conversation.",
    )
    protocol = forms.CharField(required=False)

    def __init__(self, *args, model_ids: list[str], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["model"].choices = [(model_id, model_id) for model_id in model_ids]


def message_form_initial(conversation: Conversation | None, default_model: str) -> dict:
    """A new message starts from the conversation's current settings."""
    if conversation is None:
        return {"model": default_model}
    return {
        "model": conversation.model,
        "protocol": conversation.protocol,
        "system_prompt": conversation.system_prompt,
    }


class RenameForm(forms.Form):
    title = forms.CharField(max_length=200, strip=True)
