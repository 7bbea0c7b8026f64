"""The composer's parameters panel and attachments, driven by the chosen model's catalog entry.

Raw values travel as `p_<name>` form fields and are kept on the conversation as typed, so a
model switch never loses them; the model's own rules turn them into request settings.
"""

from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator

from playground.chat.services import NewAttachment
from playground.core.files import checked_upload
from playground.core.ids import parse_ids
from playground.files.selectors import ready_files
from playground.nexconn.catalog import ChatModel, ParamField
from playground.nexconn.protocols import protocols_for

PREFIX = "p_"
IMAGE_TYPES = {"image/png": "PNG", "image/jpeg": "JPEG", "image/webp": "WebP", "image/gif": "GIF"}
MAX_ATTACHMENTS = 10


@dataclass(frozen=True)
class PanelField:
    field: ParamField
    value: str
    error: str

    @property
    def html_name(self) -> str:
        return PREFIX + self.field.name

    @property
    def options(self) -> list[tuple[str, str]]:
        """Select options: the model's default first when nothing is sent by default."""
        if self.field.type == "bool":
            options = [("true", "On"), ("false", "Off")]
        else:
            options = [(str(choice), str(choice)) for choice in self.field.choices]
        if self.field.default is None:
            options.insert(0, ("", "Model default"))
        return options


def raw_values(data, model: ChatModel) -> dict[str, str]:
    return {f.name: data.get(PREFIX + f.name, "") for f in model.fields if PREFIX + f.name in data}


def panel(model: ChatModel, values: dict, errors: dict[str, str]) -> list[PanelField]:
    fields = []
    for field in model.fields:
        value = values.get(field.name)
        if value is None or value == "":
            value = "" if field.default is None else _form_value(field.default)
        fields.append(PanelField(field, str(value), errors.get(field.name, "")))
    return fields


def _form_value(value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def protocol_choices(model_id: str) -> list[tuple[str, str]]:
    return [(protocol.id, protocol.label) for protocol in protocols_for(model_id)]


def attachments_from(request, model: ChatModel) -> tuple[list[NewAttachment], dict[str, str]]:
    """What the user attached, checked against what the model accepts and our limits."""
    items: list[NewAttachment] = []
    errors: dict[str, str] = {}
    limit_mb = settings.CHAT_MAX_ATTACHMENT_MB
    images = request.FILES.getlist("images")
    image_urls = [u.strip() for u in request.POST.get("image_urls", "").splitlines() if u.strip()]
    audio = request.FILES.getlist("audio")
    video_url = request.POST.get("video_url", "").strip()
    chosen_files = request.POST.getlist("files")
    file_ids = parse_ids(chosen_files)
    if len(file_ids) != len(chosen_files):
        errors["files"] = "Choose documents from the list: one of them is not a file of yours."
    elif file_ids and not model.file_input:
        errors["files"] = f"{model.label} does not take documents from the Files page."
    if (images or image_urls) and not model.vision:
        errors["images"] = f"{model.label} does not take images."
    if audio and not model.audio_input:
        errors["audio"] = f"{model.label} does not take audio."
    if video_url and not model.video_input:
        errors["video_url"] = f"{model.label} does not take video links."
    if errors:
        return [], errors
    for upload in images:
        try:
            content_type = checked_upload(upload, limit_mb=limit_mb, allowed=IMAGE_TYPES)
        except ValidationError as error:
            errors["images"] = error.message
        else:
            items.append(NewAttachment(kind="image", upload=upload, content_type=content_type))
    validate = URLValidator(schemes=["http", "https"])
    for url in image_urls:
        try:
            validate(url)
        except ValidationError:
            errors["images"] = f"“{url[:80]}” is not an http(s) link."
            continue
        items.append(NewAttachment(kind="image", url=url, name=url.rsplit("/", 1)[-1][:200]))
    for upload in audio:
        head = upload.read(16)
        upload.seek(0)
        content_type = _audio_type(head)
        if upload.size > limit_mb * 1024 * 1024:
            errors["audio"] = f"“{upload.name}” is larger than {limit_mb} MB."
        elif content_type is None:
            errors["audio"] = f"“{upload.name}” is not an MP3 or WAV file."
        else:
            items.append(NewAttachment(kind="audio", upload=upload, content_type=content_type))
    if video_url:
        try:
            validate(video_url)
            items.append(NewAttachment(kind="video", url=video_url, name=video_url[:200]))
        except ValidationError:
            errors["video_url"] = "The video link must be an http(s) address."
    documents = list(ready_files(user=request.user).filter(pk__in=file_ids)) if file_ids else []
    if len(documents) != len(set(file_ids)):
        errors["files"] = "A chosen document left the Files page or is not ready: choose again."
    for document in documents:
        items.append(
            NewAttachment(
                kind="document",
                upstream_file_id=document.file_id,
                name=document.display_name,
                content_type=document.content_type,
            )
        )
    if len(items) > MAX_ATTACHMENTS:
        errors["images"] = f"At most {MAX_ATTACHMENTS} attachments per message."
    return items, errors


def _audio_type(head: bytes) -> str | None:
    if head.startswith(b"ID3") or head[:2] in (b"\xff\xfb", b"\xff\xf3", b"\xff\xf2"):
        return "audio/mpeg"
    if head.startswith(b"RIFF") and head[8:12] == b"WAVE":
        return "audio/wav"
    return None
