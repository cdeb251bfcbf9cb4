"""Amounts read one way in both languages: the currency, thousands separators, two decimals."""

from decimal import Decimal

import pytest
from django.utils import translation

from kit.money import format_money


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_an_amount_is_grouped_the_same_in_english_and_chinese(language):
    with translation.override(language):
        assert format_money(Decimal("300000"), "CNY") == "¥300,000.00"
        assert format_money(Decimal("1234567.005"), "CNY") == "¥1,234,567.01"
        assert format_money(Decimal("-50.5"), "EUR") == "-EUR 50.50"
        assert format_money(None, "CNY") == ""


def test_a_negative_amount_carries_its_sign_before_the_currency():
    assert format_money(Decimal("-200"), "CNY") == "-¥200.00"
    assert format_money(Decimal("-1234.5"), "EUR") == "-EUR 1,234.50"
