"""How the Usage page writes amounts: money in the prices' currency, counts with separators,
and spend that says how much of it had no price rather than counting it as nothing."""

from decimal import Decimal

from django import template

register = template.Library()

_SYMBOLS = {"USD": "$", "EUR": "€", "GBP": "£"}


@register.filter
def money(value: Decimal | None, currency: str = "USD") -> str:
    """Cents, or up to six decimals for amounts below a cent: $12.34, $0.000321."""
    if value is None:
        return "not priced"
    value = Decimal(value)
    if value == 0:
        text = "0.00"
    elif abs(value) < Decimal("0.01"):
        text = f"{value.quantize(Decimal('0.000001')).normalize():f}"
    else:
        text = f"{value.quantize(Decimal('0.01')):,}"
    symbol = _SYMBOLS.get(currency)
    return f"{symbol}{text}" if symbol else f"{text} {currency}"


@register.filter
def spend(sums, currency: str = "USD") -> str:
    """ "$1.20", "$1.20 + 3 not priced requests", or "not priced (3 requests)"."""
    unpriced = sums.unpriced_requests
    plural = "s" if unpriced != 1 else ""
    if sums.cost is None:
        return f"not priced ({unpriced:,} request{plural})" if unpriced else money(0, currency)
    if unpriced:
        return f"{money(sums.cost, currency)} + {unpriced:,} not priced request{plural}"
    return money(sums.cost, currency)


@register.filter
def count(value) -> str:
    """12,345; video seconds keep the decimals they have: 12.5, 30."""
    if isinstance(value, Decimal):
        return f"{value.normalize():,f}"
    return f"{value or 0:,}"
