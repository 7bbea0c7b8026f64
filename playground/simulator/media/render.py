"""Real media for the simulator: PNG images and short H.264 MP4 videos showing the prompt.

Renders are deterministic (the same arguments give the same bytes), so any process can
render what a task id describes; the last few are kept in small LRU caches.
"""

import colorsys
import hashlib
import io
import math
import os
import tempfile
from fractions import Fraction
from functools import cache, lru_cache
from pathlib import Path

import av
from PIL import Image, ImageDraw, ImageFont

MAX_IMAGE_SIDE = 1024
VIDEO_LONG_SIDE = 320
VIDEO_FPS = 12
MAX_VIDEO_SECONDS = 10.0
_FONT_FILES = (
    "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf",
    "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
    "/usr/share/fonts/truetype/liberation/LiberationSans-Bold.ttf",
)


def fit(ratio_w: float, ratio_h: float, long_side: int) -> tuple[int, int]:
    """A width and height (both even) with this aspect ratio and this longer side."""
    if ratio_w >= ratio_h:
        width, height = long_side, long_side * ratio_h / ratio_w
    else:
        width, height = long_side * ratio_w / ratio_h, long_side
    return max(2, round(width / 2) * 2), max(2, round(height / 2) * 2)


def image_size(width: int, height: int) -> tuple[int, int]:
    """The size of a rendered image: the requested one, scaled down to fit MAX_IMAGE_SIDE."""
    if max(width, height) <= MAX_IMAGE_SIDE:
        return width, height
    return fit(width, height, MAX_IMAGE_SIDE)


def video_size(width: int, height: int) -> tuple[int, int]:
    return fit(width, height, VIDEO_LONG_SIDE)


@lru_cache(maxsize=32)
def render_png(width: int, height: int, text: str, seed: str) -> bytes:
    image = _frame(width, height, text, seed, phase=0.0)
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", optimize=False)
    return buffer.getvalue()


@lru_cache(maxsize=8)
def render_mp4(width: int, height: int, seconds: float, text: str, seed: str) -> bytes:
    """An H.264 (yuv420p) MP4 with its index at the front, so it plays while downloading."""
    seconds = max(1.0 / VIDEO_FPS, min(seconds, MAX_VIDEO_SECONDS))
    frames = max(1, round(seconds * VIDEO_FPS))
    # The muxer moves the index to the front by re-reading the file, so it needs a real file.
    handle, name = tempfile.mkstemp(suffix=".mp4", prefix="sim-")
    os.close(handle)
    path = Path(name)
    try:
        with av.open(name, mode="w", format="mp4", options={"movflags": "+faststart"}) as out:
            stream = out.add_stream("libx264", rate=VIDEO_FPS)
            stream.width, stream.height = width, height
            stream.pix_fmt = "yuv420p"
            stream.time_base = Fraction(1, VIDEO_FPS)
            stream.options = {"preset": "veryfast", "crf": "28", "profile": "main"}
            for number in range(frames):
                image = _frame(width, height, text, seed, phase=number / frames)
                frame = av.VideoFrame.from_image(image).reformat(format="yuv420p")
                frame.pts = number
                out.mux(stream.encode(frame))
            out.mux(stream.encode(None))
        return path.read_bytes()
    finally:
        path.unlink(missing_ok=True)


def _palette(seed: str) -> tuple[float, float]:
    digest = hashlib.sha256(seed.encode()).digest()
    return digest[0] / 255, 0.18 + digest[1] / 255 * 0.3  # base hue, hue spread


def _rgb(hue: float, saturation: float, value: float) -> tuple[int, int, int]:
    red, green, blue = colorsys.hsv_to_rgb(hue % 1.0, saturation, value)
    return round(red * 255), round(green * 255), round(blue * 255)


def _frame(width: int, height: int, text: str, seed: str, *, phase: float) -> Image.Image:
    """A soft four-corner gradient (drifting with `phase`), a moving glow and the text."""
    hue, spread = _palette(seed)
    turn = 2 * math.pi * phase
    corners = Image.new("RGB", (2, 2))
    corners.putdata(
        [
            _rgb(hue + 0.04 * math.sin(turn), 0.55, 0.95),
            _rgb(hue + spread, 0.6, 0.85),
            _rgb(hue - spread / 2, 0.65, 0.7),
            _rgb(hue + spread / 2 + 0.04 * math.cos(turn), 0.7, 0.55),
        ]
    )
    image = corners.resize((width, height), Image.Resampling.BILINEAR, box=(0.5, 0.5, 1.5, 1.5))
    draw = ImageDraw.Draw(image, "RGBA")
    radius = min(width, height) * 0.18
    centre_x = width * (0.5 + 0.32 * math.cos(turn))
    centre_y = height * (0.5 + 0.28 * math.sin(2 * turn))
    for step in range(4, 0, -1):
        grow = radius * step / 4
        draw.ellipse(
            (centre_x - grow, centre_y - grow, centre_x + grow, centre_y + grow),
            fill=(255, 255, 255, 28 + 14 * (4 - step)),
        )
    _draw_text(draw, width, height, text or "(no prompt)")
    return image


@cache
def _font(size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    for name in _FONT_FILES:
        if Path(name).exists():
            return ImageFont.truetype(name, size)
    return ImageFont.load_default(size=size)


def _draw_text(draw: ImageDraw.ImageDraw, width: int, height: int, text: str) -> None:
    size = max(10, round(min(width, height) / 11))
    font = _font(size)
    lines = _wrap(draw, text, font, width * 0.84)[:4]
    line_height = size * 1.25
    top = (height - line_height * len(lines)) / 2
    for number, line in enumerate(lines):
        y = top + number * line_height
        left = (width - draw.textlength(line, font=font)) / 2
        draw.text((left + 1, y + 1), line, font=font, fill=(0, 0, 0, 90))
        draw.text((left, y), line, font=font, fill=(255, 255, 255, 235))


def _wrap(draw: ImageDraw.ImageDraw, text: str, font, limit: float) -> list[str]:
    lines: list[str] = []
    current = ""
    for word in text.split():
        candidate = f"{current} {word}".strip()
        if current and draw.textlength(candidate, font=font) > limit:
            lines.append(current)
            current = word
        else:
            current = candidate
        while draw.textlength(current, font=font) > limit and len(current) > 1:
            cut = len(current) - 1
            while cut > 1 and draw.textlength(current[:cut], font=font) > limit:
                cut -= 1
            lines.append(current[:cut])
            current = current[cut:]
    if current:
        lines.append(current)
    if len(lines) > 4:
        lines = [*lines[:3], lines[3].rstrip(".") + "…"]
    return lines
