"""kit.phrases: a message stored as a code and parameters, put into words in the reader's language."""

from datetime import date
from decimal import Decimal

from django.utils import translation
from django.utils.translation import gettext_lazy

from kit import phrases


def test_money_and_dates_are_formatted_when_read():
    phrases.register("test.due", gettext_lazy("Order %(number)s"), "%(amount)s due %(when)s for staff")
    stored = phrases.phrase(
        "test.due", number="SO-1", amount=phrases.money(Decimal("1234.5"), "CNY"), when=phrases.day(date(2026, 3, 1))
    )
    with translation.override("en"):
        assert phrases.render(stored) == "Order SO-1"
        assert phrases.render(stored, audience=phrases.STAFF).startswith("¥1,234.50 due ")
    assert stored["params"]["amount"] == {"amount": "1234.5", "currency": "CNY"}


def test_free_text_renders_verbatim_and_several_phrases_one_after_the_other():
    stored = phrases.joined([phrases.text("Paid by card."), phrases.text("Checked.")])
    assert phrases.render(stored) == "Paid by card. Checked."
    assert phrases.render("an old frozen reason") == "an old frozen reason"
    assert phrases.render({}) == ""


def test_an_unknown_code_or_missing_parameter_is_a_safe_text_not_a_crash():
    phrases.register("test.needs_number", "Order %(number)s")
    with translation.override("en"):
        assert phrases.render(phrases.phrase("no.such.code")) == "(message not available)"
        assert phrases.render(phrases.phrase("test.needs_number")) == "(message not available)"
        assert phrases.render({"params": {}}) == "(message not available)"
