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

type Prices = dict[str, tuple[Decimal, Decimal, Decimal | None]]


def model_prices() -> Prices:
    """Each priced model's input, output and cached input price per million tokens."""
    prices = cache.get(_PRICES_KEY)
    if prices is None:
        prices = {
            price.model: (
                price.input_per_million,
                price.output_per_million,
                price.cached_input_per_million,
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
    input_price, output_price, cached_price = price
    if cached_price is None:
        cached_price = input_price
    cached = min(run.cached_tokens or 0, run.input_tokens)
    # Reasoning tokens are part of the output count, billed as output.
    total = (
        (run.input_tokens - cached) * input_price
        + cached * cached_price
        + run.output_tokens * output_price
    ) / _MILLION
    return total.quantize(Decimal("0.000001"))
