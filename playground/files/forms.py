from django import forms

from playground.files.services import DEFAULT_FILE_MODEL, file_models
from playground.nexconn.files import MAX_FILE_BYTES


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
