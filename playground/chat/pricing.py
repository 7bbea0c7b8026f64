"""What an answer cost, at the prices the administrator set (Admin → Model prices)."""

from decimal import Decimal

from django.core.cache import cache
from django.db import transaction

from playground.chat.models import ModelPrice, Run

_MILLION = Decimal(1_000_000)
# Every answer looks its price up as it ends; prices change rarely (the admin), so the whole
# table is kept in the cache, and dropped when a price is saved or deleted (chat/apps.py).
# Other processes with a cache of their own (no CACHE_URL) see a change within a minute.
_PRICES_KEY = "chat:model-prices"
_PRICES_SECONDS = 60

type Prices = dict[str, tuple[Decimal, Decimal, Decimal | None, Decimal | None]]


def model_prices() -> Prices:
    """Each priced model's input, output, cached input and reasoning price per million
    tokens (the last two None: the input and the output price)."""
    prices = cache.get(_PRICES_KEY)
    if prices is None:
        prices = {
            price.model: (
                price.input_per_million,
                price.output_per_million,
                price.cached_input_per_million,
                price.reasoning_per_million,
            )
            for price in ModelPrice.objects.all()
        }
        cache.set(_PRICES_KEY, prices, _PRICES_SECONDS)
    return prices


def forget_model_prices(**kwargs) -> None:
    """A price was saved or deleted: the next lookup reads them again, once the change is
    committed (a lookup in between would cache the old ones)."""
    transaction.on_commit(lambda: cache.delete(_PRICES_KEY))


def run_cost(run: Run) -> Decimal | None:
    """None when the model has no price or the answer reported no usage."""
    price = model_prices().get(run.model)
    if price is None or run.input_tokens is None or run.output_tokens is None:
        return None
    return tokens_cost(
        price,
        input_tokens=run.input_tokens,
        output_tokens=run.output_tokens,
        cached_tokens=run.cached_tokens or 0,
        reasoning_tokens=run.reasoning_tokens or 0,
    )


def tokens_cost(
    price: tuple, *, input_tokens: int, output_tokens: int, cached_tokens=0, reasoning_tokens=0
) -> Decimal:
    input_price, output_price, cached_price, reasoning_price = price
    if cached_price is None:
        cached_price = input_price
    if reasoning_price is None:
        reasoning_price = output_price
    cached = min(cached_tokens, input_tokens)
    # Reasoning tokens are part of the output count, billed at the reasoning price.
    reasoning = min(reasoning_tokens, output_tokens)
    total = (
        (input_tokens - cached) * input_price
        + cached * cached_price
        + (output_tokens - reasoning) * output_price
        + reasoning * reasoning_price
    ) / _MILLION
    return total.quantize(Decimal("0.000001"))
