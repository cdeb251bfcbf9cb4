"""The sheets staff import (products, price-list entries, stock receipts), their columns, and the
parsers that turn one cell's text into a value or a plain-words problem."""

import re
import unicodedata
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from kit.spreadsheets import Column, SheetLayout


class _Bad(Exception):
    """One cell's value is unusable; the message completes "Row 7, unit_price: …"."""


@dataclass(frozen=True)
class RowError:
    row: int | None  # as the spreadsheet shows it; None for a problem with the whole import
    column: str
    message: str

    def __str__(self) -> str:
        if self.row is None:
            return self.message
        return _("Row %(row)s, %(column)s: %(message)s") % {
            "row": self.row,
            "column": self.column,
            "message": self.message,
        }


PRODUCTS = SheetLayout(
    slug="products",
    label=gettext_lazy("Products"),
    permission="catalog.change_product",
    columns=(
        Column("sku", required=True, example="FZ-1001"),
        Column("name_en", example="Chicken wings, mid-joint, 1 kg"),
        Column("name_zh", example="冷冻鸡翅中 1kg"),
        Column("category", example="frozen", aliases=("category_slug",)),
        Column("sales_unit", example="case"),
        Column("units_per_case", example=10),
        Column("unit_description", example="10 × 1 kg bags"),
        Column("unit_description_zh", example="10袋 × 1公斤"),
        Column("min_order_quantity", example=1),
        Column("order_multiple", example=1),
        Column("temperature_zone", example="frozen"),
        Column("shelf_life_days", example=365),
        Column("lot_tracked", example="true"),
        Column("allow_backorder", example="false"),
        Column("tax_rate", example=Decimal("13.00")),
        Column("catch_weight", example="false"),
        Column("nominal_weight_kg", example=""),
        Column("weight_tolerance_percent", example=Decimal("10.00")),
        Column("active", example="true"),
        Column("description", example="IQF, halal certified."),
        Column("description_zh", example="单冻，清真认证。"),
    ),
)
PRICES = SheetLayout(
    slug="prices",
    label=gettext_lazy("Price lists"),
    permission="catalog.change_pricelist",
    columns=(
        Column("sku", required=True, example="FZ-1001"),
        Column("min_quantity", required=True, example=1),
        Column("unit_price", required=True, example=Decimal("128.50")),
    ),
)
RECEIPTS = SheetLayout(
    slug="receipts",
    label=gettext_lazy("Stock receipts"),
    permission="catalog.add_stockmove",
    columns=(
        Column("sku", required=True, example="FZ-1001"),
        Column("lot_number", required=True, example="L2026-0412", aliases=("lot",)),
        Column("production_date", example=date(2026, 4, 12)),
        Column("expiry_date", required=True, example=date(2027, 4, 11)),
        Column("quantity", required=True, example=40),
        Column("warehouse", required=True, example="sh1", aliases=("warehouse_code",)),
        Column("location", required=True, example="F-01", aliases=("location_code",)),
    ),
)
KINDS = {kind.slug: kind for kind in (PRODUCTS, PRICES, RECEIPTS)}


@dataclass(frozen=True)
class ImportOptions:
    price_list_id: int | None = None  # prices: the list the entries go into
    replace: bool = False  # prices: remove the list's entries that are not in the file
    reference: str = ""  # receipts: delivery note or PO number, kept on every stock move


# --- Reading a file ---------------------------------------------------------------------------


_NUMBER = re.compile(r"^[+-]?(?:\d+(?:\.\d*)?|\.\d+)$")
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_TRUE = {"true", "yes", "y", "1", "t", "是"}
_FALSE = {"false", "no", "n", "0", "f", "否"}


def _number(text: str) -> Decimal:
    normal = unicodedata.normalize("NFKC", text).strip()
    if not _NUMBER.match(normal):
        if "," in normal:
            raise _Bad(
                _(
                    "“%(value)s” is not a number: write it without thousands separators and with a full stop, "
                    "like 1234.50"
                )
                % {"value": text}
            )
        raise _Bad(_("“%(value)s” is not a number") % {"value": text})
    return Decimal(normal)


def _whole(text: str, *, minimum: int = 1, maximum: int = 2_147_483_647) -> int:
    value = _number(text)
    if value != value.to_integral_value():
        raise _Bad(_("“%(value)s” is not a whole number") % {"value": text})
    if value < minimum:
        if minimum == 1:
            raise _Bad(_("“%(value)s” must be 1 or more") % {"value": text})
        raise _Bad(_("“%(value)s” must be at least %(minimum)s") % {"value": text, "minimum": minimum})
    if value > maximum:
        raise _Bad(_("“%(value)s” is too large") % {"value": text})
    return int(value)


def _amount(text: str, *, places: int = 2, max_digits: int = 14, maximum: Decimal | None = None) -> Decimal:
    value = _number(text)
    if value < 0:
        raise _Bad(_("“%(value)s” must not be negative") % {"value": text})
    if value >= Decimal(10) ** (max_digits - places):
        raise _Bad(_("“%(value)s” is too large") % {"value": text})
    try:
        rounded = value.quantize(Decimal(1).scaleb(-places))
    except InvalidOperation as error:
        raise _Bad(_("“%(value)s” is not a number") % {"value": text}) from error
    if rounded != value:
        raise _Bad(
            ngettext(
                "“%(value)s” has more than %(places)s decimal place",
                "“%(value)s” has more than %(places)s decimal places",
                places,
            )
            % {"value": text, "places": places}
        )
    if maximum is not None and rounded > maximum:
        raise _Bad(_("“%(value)s” must be %(maximum)s or less") % {"value": text, "maximum": maximum})
    return rounded


def _date(text: str) -> date:
    normal = unicodedata.normalize("NFKC", text).strip()
    if not _ISO_DATE.match(normal):
        raise _Bad(_("“%(value)s” is not a date in the form YYYY-MM-DD") % {"value": text})
    try:
        return date.fromisoformat(normal)
    except ValueError as error:
        raise _Bad(_("“%(value)s” is not a real date") % {"value": text}) from error


def _boolean(text: str) -> bool:
    normal = text.strip().lower()
    if normal in _TRUE:
        return True
    if normal in _FALSE:
        return False
    raise _Bad(_("“%(value)s” is not true or false (yes/no and 1/0 work too)") % {"value": text})


def _choice(text: str, *, choices) -> str:
    normal = text.strip().lower()
    for value, label in choices.choices:
        if normal in {value.lower(), str(label).lower()}:
            return value
    raise _Bad(_("“%(value)s” is not one of: %(choices)s") % {"value": text, "choices": ", ".join(choices.values)})


def _text(text: str, *, max_length: int | None = None) -> str:
    if max_length is not None and len(text) > max_length:
        raise _Bad(_("is %(length)s characters long; at most %(max)s fit") % {"length": len(text), "max": max_length})
    return text


class _Row:
    """One data row: parses cells, collecting every problem rather than stopping at the first."""

    def __init__(self, number: int, cells: dict[str, str]):
        self.number = number
        self.cells = cells
        self.errors: list[RowError] = []

    def fail(self, column: str, message: str) -> None:
        self.errors.append(RowError(self.number, column, message))

    def failed(self, column: str) -> bool:
        return any(error.column == column for error in self.errors)

    def value(self, column: str, parse, *, required: bool = False, **options):
        text = self.cells.get(column, "")
        if not text:
            if required:
                self.fail(column, _("is empty; every row needs a value here"))
            return None
        try:
            return parse(text, **options)
        except _Bad as bad:
            self.fail(column, str(bad))
            return None
