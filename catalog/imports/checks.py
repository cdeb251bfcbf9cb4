"""Checking an import: every row validated against the database, nothing saved."""

import dataclasses
import difflib
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.utils import timezone
from django.utils.translation import gettext as _

from kit.spreadsheets import SheetLayout, Table

from ..models import (
    Category,
    Location,
    Lot,
    PriceList,
    PriceListEntry,
    Product,
    SalesUnit,
    TemperatureZone,
)
from ..services import Receipt
from .sheets import (
    PRICES,
    PRODUCTS,
    RECEIPTS,
    ImportOptions,
    RowError,
    _amount,
    _boolean,
    _choice,
    _date,
    _Row,
    _text,
    _whole,
)

# How many errors a preview keeps (the download of all errors checks the staged file again).
STORED_ERRORS = 500
SAMPLE_ROWS = 10
# Suggesting a close SKU costs a scan of the catalog; only the first few unknown SKUs get one.
SUGGESTIONS = 20


# --- Checking an import -----------------------------------------------------------------------


@dataclass
class SampleRow:
    row: int
    status: str  # new / changed / unchanged
    cells: list[str]


@dataclass
class Preview:
    """What an import would do, or did: for the preview page and the result message."""

    kind: str
    columns: list[str]
    rows: int = 0
    new: int = 0
    changed: int = 0
    unchanged: int = 0
    removed: int = 0  # prices in replace mode
    quantity: int = 0  # receipts: units received
    errors: list[RowError] = field(default_factory=list)
    error_count: int = 0
    bad_rows: int = 0
    sample: list[SampleRow] = field(default_factory=list)

    @property
    def has_errors(self) -> bool:
        return self.error_count > 0

    @property
    def errors_not_shown(self) -> int:
        return self.error_count - len(self.errors)

    def add_errors(self, errors: list[RowError]) -> None:
        self.errors.extend(errors)
        self.error_count += len(errors)

    def finish(self) -> None:
        self.bad_rows = len({error.row for error in self.errors})
        # Whole-import problems first, then by row and, within a row, in the file's column order.
        order = {name: index for index, name in enumerate(self.columns)}
        self.errors.sort(key=lambda error: (error.row is not None, error.row or 0, order.get(error.column, -1)))

    def to_dict(self) -> dict:
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, data: dict) -> "Preview":
        data = dict(data)
        data["errors"] = [RowError(**error) for error in data["errors"]]
        data["sample"] = [SampleRow(**row) for row in data["sample"]]
        return cls(**data)

    def stored(self) -> "Preview":
        """A copy small enough to keep: the first errors only, with the true counts."""
        return dataclasses.replace(self, errors=self.errors[:STORED_ERRORS])


class ImportRejected(Exception):
    """Nothing was saved; `preview.errors` say why."""

    def __init__(self, preview: Preview):
        super().__init__("; ".join(str(error) for error in preview.errors[:3]))
        self.preview = preview


@dataclass
class Checked:
    preview: Preview
    plan: object  # what commit writes, by kind


def check_import(*, kind: SheetLayout, table: Table, options: ImportOptions, lock: bool = False) -> Checked:
    """Validate every row against the database; write nothing. `lock` (inside commit's
    transaction) locks what the rows will change so the check still holds when they are written."""
    preview = Preview(kind=kind.slug, columns=list(table.headers), rows=len(table.rows))
    check = {PRODUCTS.slug: _check_products, PRICES.slug: _check_prices, RECEIPTS.slug: _check_receipts}[kind.slug]
    plan = check(table, options, preview, lock=lock)
    preview.finish()
    return Checked(preview=preview, plan=plan)


def _sample(preview: Preview, number: int, status: str, cells: dict[str, str]) -> None:
    if status == "new":
        preview.new += 1
    elif status == "changed":
        preview.changed += 1
    else:
        preview.unchanged += 1
    if len(preview.sample) < SAMPLE_ROWS:
        preview.sample.append(SampleRow(row=number, status=status, cells=[cells[name] for name in preview.columns]))


def _seen_before(seen: dict, key, number: int) -> int | None:
    """The row an earlier occurrence of `key` is on, or None (and `number` is remembered)."""
    first = seen.setdefault(key, number)
    return first if first != number else None


def _repeated(row: _Row, column: str, what: str, first: int) -> None:
    row.fail(column, _("%(what)s is also on row %(first)s; list it once") % {"what": what, "first": first})


def _chunks(items: list, size: int = 2_000) -> Iterator[list]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


class _SkuFinder:
    """SKU → product id for the whole catalog in one query, with a "did you mean" for the first
    few unknown SKUs."""

    def __init__(self):
        self.ids = dict(Product.objects.values_list("sku", "id"))
        self._suggested = 0
        self._by_upper: dict[str, str] | None = None

    def not_found(self, sku: str) -> str:
        message = _("%(sku)s not found") % {"sku": sku}
        if self._suggested < SUGGESTIONS:
            self._suggested += 1
            if self._by_upper is None:
                self._by_upper = {known.upper(): known for known in self.ids}
            close = difflib.get_close_matches(sku.upper(), list(self._by_upper), n=1, cutoff=0.8)
            if close:
                message = _("%(sku)s not found; did you mean %(suggestion)s?") % {
                    "sku": sku,
                    "suggestion": self._by_upper[close[0]],
                }
        return message


# Products: the columns beside sku, how each is read, and the model field it sets.
_PRODUCT_TEXT_LENGTHS = {
    name: Product._meta.get_field(name).max_length
    for name in ("name_en", "name_zh", "unit_description", "unit_description_zh")
}
_PRODUCT_PARSERS = {
    "name_en": (_text, {"max_length": _PRODUCT_TEXT_LENGTHS["name_en"]}),
    "name_zh": (_text, {"max_length": _PRODUCT_TEXT_LENGTHS["name_zh"]}),
    "sales_unit": (_choice, {"choices": SalesUnit}),
    "units_per_case": (_whole, {}),
    "unit_description": (_text, {"max_length": _PRODUCT_TEXT_LENGTHS["unit_description"]}),
    "unit_description_zh": (_text, {"max_length": _PRODUCT_TEXT_LENGTHS["unit_description_zh"]}),
    "min_order_quantity": (_whole, {}),
    "order_multiple": (_whole, {}),
    "temperature_zone": (_choice, {"choices": TemperatureZone}),
    "shelf_life_days": (_whole, {}),
    "lot_tracked": (_boolean, {}),
    "allow_backorder": (_boolean, {}),
    "tax_rate": (_amount, {"places": 2, "max_digits": 5, "maximum": Decimal("100")}),
    "catch_weight": (_boolean, {}),
    "nominal_weight_kg": (_amount, {"places": 3, "max_digits": 10}),
    "weight_tolerance_percent": (_amount, {"places": 2, "max_digits": 5, "maximum": Decimal("100")}),
    "active": (_boolean, {}),
    "description": (_text, {}),
    "description_zh": (_text, {}),
}


@dataclass
class _ProductPlan:
    new: list[Product]
    changed: list[Product]
    fields: set[str]


def _check_products(table: Table, options: ImportOptions, preview: Preview, *, lock: bool) -> _ProductPlan:
    skus = sorted({cells[table.headers.index("sku")] for _number, cells in table.rows} - {""})
    existing: dict[str, Product] = {}
    for chunk in _chunks(skus):
        products = Product.objects.filter(sku__in=chunk).select_related("category")
        if lock:
            products = products.select_for_update()
        existing.update((product.sku, product) for product in products)
    categories = {category.slug: category for category in Category.objects.all()}
    plan = _ProductPlan(new=[], changed=[], fields=set())
    seen: dict[str, int] = {}
    sku_length = Product._meta.get_field("sku").max_length
    for number, cells in table.records():
        row = _Row(number, cells)
        sku = row.value("sku", _text, required=True, max_length=sku_length)
        if sku:
            first = _seen_before(seen, sku, number)
            if first:
                _repeated(row, "sku", sku, first)
        values = {}
        for name, (parse, parse_options) in _PRODUCT_PARSERS.items():
            value = row.value(name, parse, **parse_options)
            if value is not None:
                values[name] = value
        slug = cells.get("category", "")
        if slug:
            category = categories.get(slug) or categories.get(slug.lower())
            if category is None:
                row.fail("category", _("unknown category “%(slug)s”") % {"slug": slug})
            else:
                values["category"] = category
        product = existing.get(sku) if sku else None
        _check_catch_weight(row, values, product)
        if sku and product is None:
            # An empty cell keeps an existing product's value; a new product needs these two.
            if "name_en" not in values and not row.failed("name_en"):
                row.fail("name_en", _("is empty; a new product needs an English name"))
            if "category" not in values and not row.failed("category"):
                row.fail("category", _("is empty; a new product needs a category"))
        if row.errors:
            preview.add_errors(row.errors)
            continue
        if product is None:
            plan.new.append(Product(sku=sku, **values))
            _sample(preview, number, "new", cells)
            continue
        changes = {name: value for name, value in values.items() if getattr(product, name) != value}
        if changes:
            for name, value in changes.items():
                setattr(product, name, value)
            plan.changed.append(product)
            plan.fields.update(changes)
            _sample(preview, number, "changed", cells)
        else:
            _sample(preview, number, "unchanged", cells)
    return plan


def _check_catch_weight(row: _Row, values: dict, product: Product | None) -> None:
    """A product charged by weight needs a nominal weight above 0, from the row or kept from before."""
    nominal = values.get("nominal_weight_kg", product.nominal_weight_kg if product else None)
    if "nominal_weight_kg" in values and not nominal:
        row.fail("nominal_weight_kg", _("must be more than 0 kg"))
        return
    charged_by_weight = values.get("catch_weight", product.catch_weight if product else False)
    if charged_by_weight and not nominal and not row.failed("nominal_weight_kg"):
        row.fail("nominal_weight_kg", _("is empty; a product charged by weight needs its nominal weight per unit"))


@dataclass
class _PricePlan:
    price_list: PriceList | None
    upserts: list[tuple[int, int, Decimal]]  # product id, min quantity, unit price
    remove_ids: list[int]


def _check_prices(table: Table, options: ImportOptions, preview: Preview, *, lock: bool) -> _PricePlan:
    price_lists = PriceList.objects.all()
    if lock:
        # Two imports into one list wait for each other instead of mixing.
        price_lists = price_lists.select_for_update()
    price_list = price_lists.filter(pk=options.price_list_id).first()
    if price_list is None:
        preview.add_errors([RowError(None, "", _("The price list no longer exists."))])
        return _PricePlan(price_list=None, upserts=[], remove_ids=[])
    skus = _SkuFinder()
    existing = {
        (product_id, min_quantity): (entry_id, unit_price)
        for product_id, min_quantity, entry_id, unit_price in PriceListEntry.objects.filter(
            price_list=price_list
        ).values_list("product_id", "min_quantity", "id", "unit_price")
    }
    plan = _PricePlan(price_list=price_list, upserts=[], remove_ids=[])
    seen: dict[tuple, int] = {}
    kept: set[tuple] = set()
    for number, cells in table.records():
        row = _Row(number, cells)
        sku = row.value("sku", _text, required=True)
        min_quantity = row.value("min_quantity", _whole)
        if min_quantity is None and not row.failed("min_quantity"):
            min_quantity = 1  # an empty break is the single price from 1 up
        unit_price = row.value("unit_price", _amount, required=True)
        product_id = skus.ids.get(sku) if sku else None
        if sku and product_id is None:
            row.fail("sku", skus.not_found(sku))
        if sku and min_quantity is not None:
            first = _seen_before(seen, (sku, min_quantity), number)
            if first:
                what = _("%(sku)s from quantity %(quantity)s") % {"sku": sku, "quantity": min_quantity}
                _repeated(row, "sku", what, first)
        if row.errors:
            preview.add_errors(row.errors)
            continue
        key = (product_id, min_quantity)
        kept.add(key)
        current = existing.get(key)
        if current is not None and current[1] == unit_price:
            _sample(preview, number, "unchanged", cells)
            continue
        plan.upserts.append((product_id, min_quantity, unit_price))
        _sample(preview, number, "new" if current is None else "changed", cells)
    if options.replace:
        plan.remove_ids = [entry_id for key, (entry_id, _price) in existing.items() if key not in kept]
        preview.removed = len(plan.remove_ids)
    return plan


@dataclass
class _ReceiptPlan:
    receipts: list[Receipt]


def _check_receipts(table: Table, options: ImportOptions, preview: Preview, *, lock: bool) -> _ReceiptPlan:
    skus = sorted({cells[table.headers.index("sku")] for _number, cells in table.rows} - {""})
    products: dict[str, Product] = {}
    for chunk in _chunks(skus):
        products.update((product.sku, product) for product in Product.objects.filter(sku__in=chunk))
    finder = _SkuFinder() if len(products) < len(skus) else None
    lots: dict[tuple[int, str], date] = {}
    for chunk in _chunks([product.pk for product in products.values()]):
        lots.update(
            ((product_id, lot_number), expiry)
            for product_id, lot_number, expiry in Lot.objects.filter(product_id__in=chunk).values_list(
                "product_id", "number", "expiry_date"
            )
        )
    locations = {
        (location.warehouse.code, location.code): location for location in Location.objects.select_related("warehouse")
    }
    warehouses = {warehouse for warehouse, _code in locations}
    today = timezone.localdate()
    lot_length = Lot._meta.get_field("number").max_length
    plan = _ReceiptPlan(receipts=[])
    seen: dict[tuple, int] = {}
    expiry_in_file: dict[tuple[int, str], tuple[date, int]] = {}
    new_lots: set[tuple[int, str]] = set()
    for number, cells in table.records():
        row = _Row(number, cells)
        sku = row.value("sku", _text, required=True)
        lot_number = row.value("lot_number", _text, required=True, max_length=lot_length)
        production_date = row.value("production_date", _date)
        expiry_date = row.value("expiry_date", _date, required=True)
        quantity = row.value("quantity", _whole, required=True)
        warehouse_code = row.value("warehouse", _text, required=True)
        location_code = row.value("location", _text, required=True)
        product = products.get(sku) if sku else None
        if sku and product is None:
            row.fail("sku", finder.not_found(sku))
        if expiry_date and production_date and expiry_date < production_date:
            row.fail("expiry_date", _("“%(value)s” is before the production date") % {"value": cells["expiry_date"]})
        elif expiry_date and expiry_date < today:
            row.fail(
                "expiry_date",
                _("“%(value)s” is in the past; expired stock cannot be received") % {"value": cells["expiry_date"]},
            )
        location = None
        if warehouse_code and location_code:
            location = locations.get((warehouse_code, location_code))
            if warehouse_code not in warehouses:
                row.fail("warehouse", _("unknown warehouse “%(code)s”") % {"code": warehouse_code})
            elif location is None:
                row.fail(
                    "location",
                    _("no location “%(code)s” in warehouse %(warehouse)s")
                    % {"code": location_code, "warehouse": warehouse_code},
                )
        if product is not None and location is not None and location.zone != product.temperature_zone:
            row.fail(
                "location",
                _("%(sku)s is stored %(zone)s; %(location)s is %(location_zone)s")
                % {
                    "sku": product.sku,
                    "zone": product.get_temperature_zone_display(),
                    "location": location,
                    "location_zone": location.get_zone_display(),
                },
            )
        if product is not None and lot_number and expiry_date:
            key = (product.pk, lot_number)
            known = lots.get(key)
            earlier = expiry_in_file.setdefault(key, (expiry_date, number))
            if known is not None and known != expiry_date:
                row.fail(
                    "expiry_date",
                    _("lot %(lot)s of %(sku)s already exists with expiry date %(date)s")
                    % {"lot": lot_number, "sku": product.sku, "date": known.isoformat()},
                )
            elif earlier[0] != expiry_date:
                row.fail(
                    "expiry_date",
                    _("lot %(lot)s has expiry date %(date)s on row %(first)s")
                    % {"lot": lot_number, "date": earlier[0].isoformat(), "first": earlier[1]},
                )
            first = _seen_before(seen, (product.pk, lot_number, warehouse_code, location_code), number)
            if first:
                what = _("lot %(lot)s of %(sku)s at %(warehouse)s/%(location)s") % {
                    "lot": lot_number,
                    "sku": product.sku,
                    "warehouse": warehouse_code,
                    "location": location_code,
                }
                _repeated(row, "lot_number", what, first)
        if row.errors:
            preview.add_errors(row.errors)
            continue
        key = (product.pk, lot_number)
        status = "changed" if key in lots or key in new_lots else "new"
        new_lots.add(key)
        preview.quantity += quantity
        plan.receipts.append(
            Receipt(
                product=product,
                lot_number=lot_number,
                expiry_date=expiry_date,
                quantity=quantity,
                location=location,
                production_date=production_date,
            )
        )
        _sample(preview, number, status, cells)
    return plan
