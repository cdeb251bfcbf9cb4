"""A message kept as a code and its parameters, put into words when someone reads it.

Reasons and notifications are stored as `{"code": "...", "params": {...}}` (a *phrase*) rather
than as text, so each reader sees them in their own language, and staff in staff wording ("the
customer's available credit") where the customer reads "your available credit".

Each app registers its codes (`register`) with lazily translated templates, one wording for
everyone or one for the customer and one for staff; `render(phrase, audience=...)` formats the
parameters in the active language:

- money: `money(amount, currency)` stores `{"amount": "1234.50", "currency": "CNY"}`, shown with
  `kit.money.format_money`;
- a name kept in English and Chinese (a product's): `bilingual(english, chinese)` stores
  `{"en": ..., "zh": ...}`, shown through `kit.languages.in_active_language`;
- dates: `day(date)` stores `{"date": "2026-12-07"}`, shown in SHORT_DATE_FORMAT; times:
  `moment(datetime)` stores it ISO, shown in SHORT_DATETIME_FORMAT in the local time zone;
- a list of phrases is said one after the other;
- a phrase inside a phrase (a notification quoting a reason) is rendered in the same audience;
- anything else is shown as it is (names, order numbers, a person's comment).

The code "text" keeps free text verbatim (rows written before codes, a person's own words). An
unknown code renders a safe generic text, never an error.
"""

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.formats import date_format
from django.utils.translation import gettext

from .languages import in_active_language
from .money import format_money

CUSTOMER = "customer"
STAFF = "staff"
TEXT = "text"
JOINED = "joined"


@dataclass(frozen=True)
class Wording:
    customer: str
    staff: str | None = None  # None: the customer's wording is right for staff too

    def template(self, audience: str) -> str:
        return str(self.staff if audience == STAFF and self.staff is not None else self.customer)


_REGISTRY: dict[str, Wording] = {}


def register(code: str, customer, staff=None) -> None:
    """Register (or replace) the wording of `code`: lazy strings with %(name)s placeholders."""
    _REGISTRY[code] = Wording(customer, staff)


def is_registered(code: str) -> bool:
    return code in _REGISTRY


def phrase(code: str, **params) -> dict:
    """The stored form of a message."""
    return {"code": code, "params": params}


def text(value: str) -> dict:
    """Free text kept verbatim: a person's words, or a row written before codes."""
    return phrase(TEXT, text=value)


def joined(items: list[dict]) -> dict:
    """Several phrases said one after the other, kept as one."""
    return phrase(JOINED, items=items)


def money(amount: Decimal | int | str, currency: str) -> dict:
    return {"amount": str(amount), "currency": currency}


def bilingual(english: str, chinese: str) -> dict:
    return {"en": english, "zh": chinese or ""}


def day(value: date) -> dict:
    return {"date": value.isoformat()}


def moment(value: datetime) -> dict:
    return {"datetime": value.isoformat()}


def _is_phrase(value) -> bool:
    return isinstance(value, dict) and "code" in value


def _param(value, audience: str):
    if _is_phrase(value):
        return render(value, audience=audience)
    if isinstance(value, dict) and set(value) == {"amount", "currency"}:
        return format_money(Decimal(value["amount"]), value["currency"])
    if isinstance(value, dict) and set(value) == {"en", "zh"}:
        return in_active_language(value["en"], value["zh"])
    if isinstance(value, dict) and set(value) == {"date"}:
        parsed = parse_date(value["date"] or "")
        return date_format(parsed, "SHORT_DATE_FORMAT") if parsed else ""
    if isinstance(value, dict) and set(value) == {"datetime"}:
        parsed = parse_datetime(value["datetime"] or "")
        return date_format(timezone.localtime(parsed), "SHORT_DATETIME_FORMAT") if parsed else ""
    if isinstance(value, list):  # several phrases said one after the other
        return " ".join(str(_param(item, audience)) for item in value)
    return "" if value is None else value


def render(stored, *, audience: str = CUSTOMER) -> str:
    """The phrase in the active language, in `audience`'s wording; "" for nothing stored."""
    if not stored:
        return ""
    if isinstance(stored, str):  # a reason stored as text before codes
        return stored
    if not _is_phrase(stored):
        return gettext("(message not available)")
    params = stored.get("params") or {}
    if stored["code"] == TEXT:
        return str(params.get("text", ""))
    if stored["code"] == JOINED:
        return " ".join(render(item, audience=audience) for item in params.get("items") or [])
    wording = _REGISTRY.get(stored["code"])
    if wording is None:
        return gettext("(message not available)")
    values = {name: _param(value, audience) for name, value in params.items()}
    try:
        return wording.template(audience) % values
    except (KeyError, TypeError, ValueError):
        return gettext("(message not available)")


def render_all(stored_list, *, audience: str = CUSTOMER) -> list[str]:
    return [render(stored, audience=audience) for stored in stored_list or []]
