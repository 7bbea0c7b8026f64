from django import forms

from playground.files.services import DEFAULT_FILE_MODEL, file_models
from playground.nexconn.files import (
    DEFAULT_EXPIRES_IN,
    MAX_EXPIRES_IN,
    MAX_FILE_BYTES,
    MIN_EXPIRES_IN,
)

# Within the 1 hour to 7 days the API takes (docs/api/files.md §2).
KEEP_FOR_CHOICES = [
    (MIN_EXPIRES_IN, "1 hour"),
    (21_600, "6 hours"),
    (86_400, "1 day"),
    (DEFAULT_EXPIRES_IN, "2 days"),
    (MAX_EXPIRES_IN, "7 days"),
]


def _model_choices() -> list[tuple[str, str]]:
    return [(model.id, model.label) for model in file_models()]


class UpstreamFileForm(forms.Form):
    """The link and the model; the service checks what the link points to."""

    source_url = forms.CharField(
        label="Link to the file",
        max_length=2000,
        widget=forms.URLInput(
            attrs={"placeholder": "https://example.com/report.pdf", "autocomplete": "off"}
        ),
        help_text=(
            f"A public http(s) link straight to the file, up to {MAX_FILE_BYTES // 1024**3} GB: "
            "PDF or text documents, pictures, audio or video. The provider copies it and keeps "
            "it for a limited time."
        ),
    )
    model = forms.ChoiceField(
        label="For the model",
        choices=_model_choices,
        initial=DEFAULT_FILE_MODEL,
        help_text="Only these models read files this way.",
    )
    expires_in = forms.TypedChoiceField(
        label="Keep it for",
        choices=KEEP_FOR_CHOICES,
        coerce=int,
        required=False,
        empty_value=None,  # not sent: the provider's default, two days
        initial=DEFAULT_EXPIRES_IN,
        help_text="Then the provider deletes its copy; chats can no longer use it.",
    )
