"""Money as people read it, one way everywhere (portal, back office, e-mails, PDFs, exports of
text): the currency's symbol or code, thousands separators and two decimals, in every language.

Django's number formatting in Chinese has no thousands separator by default (¥23859.26), so the
grouping is forced here rather than left to each locale's settings.
"""

from decimal import ROUND_HALF_UP, Decimal

from django.utils.formats import number_format

CENT = Decimal("0.01")
CURRENCY_SYMBOLS = {"CNY": "¥", "HKD": "HK$", "USD": "US$"}


def format_money(amount: Decimal | int | str | None, currency: str) -> str:
    """¥1,234.50 or EUR 1,234.50: always the currency, always two decimals, always grouped."""
    if amount is None:
        return ""
    amount = Decimal(amount).quantize(CENT, rounding=ROUND_HALF_UP)
    figure = number_format(amount, decimal_pos=2, use_l10n=True, force_grouping=True)
    symbol = CURRENCY_SYMBOLS.get(currency)
    return f"{symbol}{figure}" if symbol else f"{currency} {figure}"
