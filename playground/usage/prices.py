"""What answers and media jobs cost, or may cost, at the administrator's prices.

Chat prices are chat.ModelPrice (chat/pricing.py); media prices are MediaPrice, by model and,
where it differs, resolution. Both tables are cached and dropped when a price changes.
"""

import math
from decimal import Decimal

from django.conf import settings
from django.core.cache import cache
from django.db import transaction

from playground.chat.pricing import model_prices, tokens_cost
from playground.usage.models import MediaPrice

_MEDIA_PRICES_KEY = "usage:media-prices"
_MEDIA_PRICES_SECONDS = 60
NOT_PRICED = "not priced"

type MediaPrices = dict[tuple[str, str], tuple[Decimal | None, Decimal | None]]


def media_prices() -> MediaPrices:
    """(model, resolution or "") → (per image, per video second)."""
    prices = cache.get(_MEDIA_PRICES_KEY)
    if prices is None:
        prices = {
            (price.model, price.resolution): (price.per_image, price.per_video_second)
            for price in MediaPrice.objects.all()
        }
        cache.set(_MEDIA_PRICES_KEY, prices, _MEDIA_PRICES_SECONDS)
    return prices


def forget_media_prices(**kwargs) -> None:
    transaction.on_commit(lambda: cache.delete(_MEDIA_PRICES_KEY))


def is_priced(*, kind: str, model: str, params: dict | None = None) -> bool:
    if kind == "answer":
        return model in model_prices()
    return _unit_price(kind=kind, model=model, params=params or {}) is not None


# --- chat -------------------------------------------------------------------------------


def answer_estimate(*, model: str, prompt_tokens: int, max_tokens: int) -> Decimal | None:
    """The most an answer may cost: the prompt, and every token it may write billed at the
    dearer of the output and reasoning prices. None: the model has no price."""
    price = model_prices().get(model)
    if price is None:
        return None
    input_price, output_price, _, reasoning_price = price
    dearest = max(output_price, reasoning_price or output_price)
    return tokens_cost(
        (input_price, dearest, None, None), input_tokens=prompt_tokens, output_tokens=max_tokens
    )


def prompt_tokens_estimate(characters: int) -> int:
    """About four characters a token, rounded up."""
    return math.ceil(characters / 4)


def requested_max_tokens(params: dict, chat_model) -> int:
    """The answer's length limit as the panel set it, else the model's, else the default."""
    try:
        chosen = int(params.get("max_tokens") or 0)
    except (TypeError, ValueError):
        chosen = 0
    return (
        chosen
        or chat_model.default_max_tokens
        or chat_model.max_output_tokens
        or settings.USAGE_DEFAULT_MAX_TOKENS
    )


# --- media ------------------------------------------------------------------------------


def _resolution(params: dict) -> str:
    for name in ("resolution", "size", "image_size"):
        if params.get(name):
            return str(params[name])
    return ""


def _unit_price(*, kind: str, model: str, params: dict) -> Decimal | None:
    """The price of one image, or one second of video, at the job's resolution."""
    prices = media_prices()
    chosen = prices.get((model, _resolution(params))) or prices.get((model, ""))
    if chosen is None:
        return None
    per_image, per_second = chosen
    return per_image if kind == "image" else per_second


def _count(params: dict) -> int:
    try:
        return max(1, int(params.get("n") or 1))
    except (TypeError, ValueError):
        return 1


def requested_video_seconds(params: dict, media_model=None) -> Decimal:
    """The length asked for: the form's duration, else the model's default, else the
    setting's."""
    value = params.get("duration")
    if value in (None, "") and media_model is not None:
        value = next((f.default for f in media_model.fields if f.name == "duration"), None)
    try:
        seconds = Decimal(str(value))
    except ArithmeticError:
        seconds = Decimal(0)
    return seconds if seconds > 0 else Decimal(settings.USAGE_DEFAULT_VIDEO_SECONDS)


def media_amounts(*, kind: str, params: dict, media_model=None) -> tuple[int, Decimal]:
    """(images, video seconds) a job asks for."""
    count = _count(params)
    if kind == "image":
        return count, Decimal(0)
    return 0, requested_video_seconds(params, media_model) * count


def media_cost(
    *, kind: str, model: str, params: dict, images: int, video_seconds: Decimal
) -> Decimal | None:
    unit = _unit_price(kind=kind, model=model, params=params)
    if unit is None:
        return None
    amount = Decimal(images) if kind == "image" else Decimal(video_seconds)
    return (unit * amount).quantize(Decimal("0.000001"))
