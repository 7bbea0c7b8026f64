"""Costs as pages show them: an amount, or “not priced” for a model without a price
(never $0)."""

from django import template

from playground.chat.pricing import model_prices
from playground.usage import prices
from playground.usage.models import UsageRecord

register = template.Library()


@register.filter
def unpriced(model: str) -> bool:
    """The chat model has no price in the administrator's table."""
    return model not in model_prices()


@register.simple_tag
def job_cost(generation) -> str:
    """What a media job cost once it ended, else what it may cost; or “not priced”."""
    if not generation.is_active:
        row = UsageRecord.objects.filter(source=f"generation:{generation.pk}").first()
        if row is not None:
            return prices.NOT_PRICED if row.cost is None else f"${row.cost.normalize()}"
    images, seconds = prices.media_amounts(kind=generation.kind, params=generation.params)
    estimate = prices.media_cost(
        kind=generation.kind,
        model=generation.model,
        params=generation.params,
        images=images,
        video_seconds=seconds,
    )
    if estimate is None:
        return prices.NOT_PRICED
    return f"up to ${estimate.normalize()}" if generation.is_active else f"${estimate.normalize()}"
