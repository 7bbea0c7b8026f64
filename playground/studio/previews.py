"""Thumbnails for images and poster frames for videos, made when a result is stored."""

import io
import warnings
from dataclasses import dataclass
from typing import IO

import av
from PIL import Image

PREVIEW_SIZE = (640, 640)


class MediaError(Exception):
    """The file is not a readable image or video."""


@dataclass
class Preview:
    data: bytes  # a WebP thumbnail
    width: int
    height: int
    duration: float | None = None


def _thumbnail(image: Image.Image) -> bytes:
    image = image.convert("RGB")
    image.thumbnail(PREVIEW_SIZE)
    buffer = io.BytesIO()
    image.save(buffer, format="WEBP", quality=80)
    return buffer.getvalue()


def image_preview(file: IO[bytes]) -> Preview:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(file)
            image.load()
    except (OSError, Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise MediaError("The image could not be read.") from exc
    width, height = image.size
    return Preview(data=_thumbnail(image), width=width, height=height)


def video_preview(file: IO[bytes]) -> Preview:
    """The first frame as the poster, with the video's size and length."""
    try:
        with av.open(file, mode="r") as container:
            stream = container.streams.video[0]
            duration = None
            if stream.duration is not None and stream.time_base is not None:
                duration = float(stream.duration * stream.time_base)
            elif container.duration is not None:
                duration = container.duration / av.time_base
            for frame in container.decode(stream):
                poster = frame.to_image()
                break
            else:
                raise MediaError("The video has no frames.")
    except (av.FFmpegError, IndexError) as exc:
        raise MediaError("The video could not be read.") from exc
    width, height = poster.size
    return Preview(data=_thumbnail(poster), width=width, height=height, duration=duration)
