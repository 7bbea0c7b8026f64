"""Helpers for driving the simulator's media routes in process."""

import asyncio
import io
import time
from collections.abc import Callable
from typing import Any

import av
import httpx
from PIL import Image

from playground.simulator.app import Simulator
from playground.simulator.transport import StreamingASGITransport

BASE = "http://simulator.local"
AUTH = {"Authorization": "Bearer sk-test"}


def client(simulator: Simulator | None = None) -> httpx.AsyncClient:
    return httpx.AsyncClient(
        transport=StreamingASGITransport(app=simulator or Simulator()),
        base_url=BASE,
        headers=AUTH,
        timeout=30,
    )


async def poll(
    http: httpx.AsyncClient,
    url: str,
    done: Callable[[dict[str, Any]], bool],
    *,
    interval: float = 0.02,
    within: float = 10.0,
) -> list[httpx.Response]:
    """GET url until `done(body)`; every response, in order."""
    responses: list[httpx.Response] = []
    deadline = time.monotonic() + within
    while True:
        response = await http.get(url)
        responses.append(response)
        if done(response.json()):
            return responses
        assert time.monotonic() < deadline, f"not done in time: {response.json()}"
        await asyncio.sleep(interval)


def distinct(values: list[Any]) -> list[Any]:
    """The values without consecutive repeats: the progression a poller saw."""
    return [value for index, value in enumerate(values) if index == 0 or values[index - 1] != value]


def png_size(data: bytes) -> tuple[int, int]:
    with Image.open(io.BytesIO(data)) as image:
        assert image.format == "PNG"
        image.load()
        return image.size


def mp4_info(data: bytes) -> tuple[float, int, int, str]:
    """(duration in seconds, width, height, codec) of an MP4."""
    assert data[4:8] == b"ftyp"
    with av.open(io.BytesIO(data)) as container:
        stream = container.streams.video[0]
        duration = float(container.duration or 0) / av.time_base
        context = stream.codec_context
        return duration, context.width, context.height, context.name


def moov_before_mdat(data: bytes) -> bool:
    """True if the MP4's index comes before its media data (progressive playback)."""
    offset, atoms = 0, []
    while offset + 8 <= len(data):
        size = int.from_bytes(data[offset : offset + 4])
        atoms.append(data[offset + 4 : offset + 8])
        if size < 8:
            break
        offset += size
    return atoms.index(b"moov") < atoms.index(b"mdat")
