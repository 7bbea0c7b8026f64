"""What an answer cost, at the prices the administrator set (Admin → Model prices)."""

from decimal import Decimal

from playground.chat.models import ModelPrice, Run

_MILLION = Decimal(1_000_000)


def run_cost(run: Run) -> Decimal | None:
    """None when the model has no price or the answer reported no usage."""
    price = ModelPrice.objects.filter(model=run.model).first()
    if price is None or run.input_tokens is None or run.output_tokens is None:
        return None
    cached = min(run.cached_tokens or 0, run.input_tokens)
    cached_price = price.cached_input_per_million
    if cached_price is None:
        cached_price = price.input_per_million
    # Reasoning tokens are part of the output count, billed as output.
    total = (
        (run.input_tokens - cached) * price.input_per_million
        + cached * cached_price
        + run.output_tokens * price.output_per_million
    ) / _MILLION
    return total.quantize(Decimal("0.000001"))
