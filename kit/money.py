"""Money as people read it, one way everywhere (portal, back office, e-mails, PDFs, exports of
text): the currency's symbol or code, thousands separators and two decimals, in every language.

Django's Chinese number format has no thousands separator (¥23859.26; its grouping is by four),
so amounts are grouped here the way Chinese invoices and banks print them too, in threes with
commas and a point for the decimals, whatever the reader's language.
"""

from decimal import ROUND_HALF_UP, Decimal

from django.utils.numberformat import format as format_number

CENT = Decimal("0.01")
CURRENCY_SYMBOLS = {"CNY": "¥", "HKD": "HK$", "USD": "US$"}


def currency_symbol(currency: str) -> str:
    """What stands before an amount of this currency: ¥, HK$, US$, or the code itself."""
    return CURRENCY_SYMBOLS.get(currency, currency)


def format_money(amount: Decimal | int | str | None, currency: str) -> str:
    """¥1,234.50 or EUR 1,234.50: always the currency, always two decimals, always grouped."""
    if amount is None:
        return ""
    amount = Decimal(amount).quantize(CENT, rounding=ROUND_HALF_UP)
    # The sign goes before the currency: -¥200.00, as a bank statement prints it.
    sign = "-" if amount < 0 else ""
    figure = format_number(abs(amount), ".", decimal_pos=2, grouping=3, thousand_sep=",", force_grouping=True)
    symbol = CURRENCY_SYMBOLS.get(currency)
    return f"{sign}{symbol}{figure}" if symbol else f"{sign}{currency} {figure}"
