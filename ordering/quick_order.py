"""Order lines that come from outside the cart: typed rows, pasted text, uploaded CSV/XLSX files,
with the same checks (saved lists and re-orders are ordering.saved_lists).

Verbs:
- entries_from_rows / entries_from_paste / entries_from_file: what the buyer gave us, as entries
  with the label the buyer knows them by ("Row 7", "Pasted line 3"); nothing is dropped: a
  line that cannot be read becomes an entry with a problem, a heading line is reported as skipped.
- check_entries(company=..., cart=..., entries=...): every entry resolved against the company's own
  catalog (SKU, else a product name) and checked against the order rules, the licence rule, its
  prices and its stock. Reads only; a fixed number of queries whatever the number of entries.
- add_valid_lines(cart=..., report=...): the valid lines into the cart in one transaction, all or none.
- errors_csv(report) and sample_file(company=..., fmt=...): downloads.

Reading files reuses kit.spreadsheets.read_table (size, encoding, zip-bomb and heading checks);
this module adds the order's own limits and columns.
"""

import difflib
import os
import re
import unicodedata
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.models import Company
from catalog.models import Product
from catalog.offers import (
    MAX_LINE_QUANTITY,
    OfferTerms,
    Refusal,
    for_sku,
    largest_orderable_at_most,
    snapped,
)
from catalog.pricing import Price
from catalog.search import compact_sku, matches
from catalog.selectors import first_orderable_quantity, visible_products
from kit.spreadsheets import Column, SheetLayout, SpreadsheetError, read_table, spreadsheet_bytes

from . import services
from .models import Cart, CartLine

MAX_LINES = 500
MAX_UPLOAD_BYTES = 2 * 1024 * 1024
SUGGESTIONS = 3
AMBIGUOUS_SHOWN = 8


class QuickOrderError(Exception):
    """The whole list or file cannot be used; the message says why, for the buyer."""


# --- Entries ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Entry:
    """One order line as the buyer gave it."""

    key: str  # where it sits in the form ("row:3", "line:6"), so a suggested fix can be put back there
    label: str  # what the buyer calls it: "Row 7", "Pasted line 3"
    reference: str  # SKU or product name, as written
    quantity_text: str
    text: str  # the whole line as written, for the report and the errors download
    problem: str = ""  # the line could not even be read
    skipped: bool = False  # a heading row, reported but not an order line
    number: int = 0  # the row or line number in the label


def entries_from_rows(skus: list[str], quantities: list[str], numbers: list[int] | None = None) -> list[Entry]:
    """Typed rows, called "Row n" by `numbers` (rows from a file keep their spreadsheet row
    numbers) or else by position. Rows with neither a SKU nor a quantity are the form's blank
    rows, not lines."""
    entries = []
    count = max(len(skus), len(quantities))
    numbers = numbers or []
    for index in range(count):
        sku = (skus[index] if index < len(skus) else "").strip()
        quantity = (quantities[index] if index < len(quantities) else "").strip()
        if not sku and not quantity:
            continue
        number = numbers[index] if index < len(numbers) else index + 1
        entries.append(
            Entry(
                key=f"row:{index}",
                label=_("Row %(number)s") % {"number": number},
                reference=sku,
                quantity_text=quantity,
                text=f"{sku} {quantity}".strip(),
                number=number,
            )
        )
    return entries


_UNIT = (
    r"(?:cases?|ctns?|cartons?|pcs|pieces?|bags?|bottles?|kgs?|boxes|box|"
    r"箱|件|包|袋|瓶|盒|公斤|千克|斤|个|只|份)?"
)
_QUANTITY = r"[-+]?\d+(?:\.\d+)?"
# "FZ-1001 12", "FZ-1001,12", "FZ-1001 x 12", "FZ-1001 ×12", "FZ-1001*12", "FZ-1001: 12 cases".
# An "x" separates only after a space: "BOX12" is a SKU, not "BO" times 12.
_REFERENCE_FIRST = re.compile(
    rf"^(?P<ref>.+?)(?:\s*[,;:×*=]\s*|\s+[xX]\s*|\s+)(?P<qty>{_QUANTITY})\s*{_UNIT}\.?$", re.IGNORECASE
)
# "鸡翅5箱", "鸡翅×5": Chinese text runs straight into the number.
_CHINESE_TIGHT = re.compile(rf"^(?P<ref>.*[^\x00-\x7f])(?P<qty>\d+(?:\.\d+)?)\s*{_UNIT}$", re.IGNORECASE)
# "12 x FZ-1001", "5箱 鸡翅".
_QUANTITY_FIRST = re.compile(rf"^(?P<qty>\d+)\s*{_UNIT}\s*(?:[×*]\s*|[xX]\s+)?(?P<ref>\S.*)$", re.IGNORECASE)
_NUMBER = re.compile(rf"^{_QUANTITY}$")
_HEADING_WORDS = re.compile(r"sku|qty|quantity|item|product|code|货号|编码|编号|数量|品名|名称|商品", re.IGNORECASE)


def normalise(text: str) -> str:
    """Full-width digits, letters and punctuation (１２, ＦＺ, ，, ＊, ｘ) as their ASCII forms."""
    return " ".join(unicodedata.normalize("NFKC", text).split())


def _split_cells(line: str, separator: str) -> tuple[str, str] | None:
    """A row copied from a spreadsheet: the reference is the first cell, the quantity the last
    number; a sheet with the quantity first is read the other way round."""
    cells = [cell.strip() for cell in line.split(separator) if cell.strip()]
    if len(cells) < 2:
        return None
    numeric = [bool(_NUMBER.match(normalise(cell))) for cell in cells]
    if numeric[0] and not all(numeric):
        reference = cells[numeric.index(False)]
        return reference, cells[0]
    quantities = [cell for cell, is_number in zip(cells[1:], numeric[1:], strict=True) if is_number]
    return cells[0], quantities[-1] if quantities else cells[-1]


def parse_line(raw: str) -> tuple[str, str] | None:
    """(reference, quantity text) from one pasted line, or None if no quantity can be found."""
    if "\t" in raw:
        found = _split_cells(raw, "\t")
        if found:
            return normalise(found[0]), normalise(found[1])
    line = normalise(raw)
    for separator in (",", ";"):
        if line.count(separator) >= 2:
            found = _split_cells(line, separator)
            if found:
                return found
    for pattern in (_REFERENCE_FIRST, _CHINESE_TIGHT, _QUANTITY_FIRST):
        match = pattern.match(line)
        if match:
            return match["ref"].strip(), match["qty"]
    return None


def _looks_like_heading(line: str) -> bool:
    return not re.search(r"\d", line) and bool(_HEADING_WORDS.search(line))


def entries_from_paste(text: str) -> list[Entry]:
    entries = []
    seen_content = False
    for index, raw in enumerate(text.splitlines()):
        if not raw.strip():
            continue
        label = _("Pasted line %(number)s") % {"number": index + 1}
        shown = normalise(raw)
        if not seen_content and _looks_like_heading(raw):
            seen_content = True
            entries.append(Entry(f"line:{index}", label, "", "", shown, skipped=True, number=index + 1))
            continue
        seen_content = True
        found = parse_line(raw)
        if found is None:
            entries.append(
                Entry(
                    f"line:{index}",
                    label,
                    shown,
                    "",
                    shown,
                    problem=_(
                        "“%(text)s” has no quantity; write the SKU or name, then the quantity, like “FZ-1001 12”."
                    )
                    % {"text": shown},
                    number=index + 1,
                )
            )
            continue
        reference, quantity = found
        entries.append(Entry(f"line:{index}", label, reference, quantity, shown, number=index + 1))
    return entries


ORDER_FILE = SheetLayout(
    slug="order",
    label=gettext_lazy("Order lines"),
    permission="",
    columns=(
        Column(
            "sku", example="FZ-1001", aliases=("item", "item_code", "product_code", "code", "货号", "编码", "商品编码")
        ),
        Column("quantity", required=True, example=12, aliases=("qty", "quantity_ordered", "数量", "订购数量")),
        # Columns people keep in their order sheets; read, and the name used when there is no SKU.
        Column("name", aliases=("product", "product_name", "name_en", "name_zh", "description", "品名", "名称")),
        Column("unit", aliases=("sales_unit", "单位")),
        Column("price", aliases=("unit_price", "单价")),
        Column("note", aliases=("notes", "comment", "备注")),
    ),
)


def entries_from_file(upload) -> list[Entry]:
    """The rows of an uploaded CSV (UTF-8, UTF-8 with BOM, GBK) or XLSX order; QuickOrderError
    in plain words when the file cannot be used."""
    filename = os.path.basename(getattr(upload, "name", "") or "")
    if os.path.splitext(filename)[1].lower() not in {".csv", ".xlsx"}:
        raise QuickOrderError(
            _("“%(name)s” is not a .csv or .xlsx file. Save your order from Excel as .xlsx or CSV and upload that.")
            % {"name": filename or _("The file")}
        )
    if (getattr(upload, "size", None) or 0) > MAX_UPLOAD_BYTES:
        raise QuickOrderError(
            _("The file is larger than %(size)s MB; an order file is much smaller. Check it is the right file.")
            % {"size": MAX_UPLOAD_BYTES // (1024 * 1024)}
        )
    try:
        # An order is at most MAX_LINES rows; the reader stops there, blank rows included.
        table = read_table(upload=upload, layout=ORDER_FILE, max_rows=MAX_LINES)
    except SpreadsheetError as error:
        raise QuickOrderError(" ".join(error.messages)) from error
    if "sku" not in table.headers and "name" not in table.headers:
        raise QuickOrderError(_("The first row must name the columns: sku and quantity (a name column also works)."))
    entries = []
    for index, (number, cells) in enumerate(table.records()):
        reference = cells.get("sku", "") or cells.get("name", "")
        quantity = cells.get("quantity", "")
        entries.append(
            Entry(
                key=f"row:{index}",
                label=_("Row %(number)s") % {"number": number},
                reference=reference,
                quantity_text=quantity,
                text=f"{reference} {quantity}".strip(),
                number=number,
            )
        )
    return entries


def file_row_numbers(entries: list[Entry]) -> list[str]:
    """The spreadsheet row number of each entry read from a file, kept in the form beside it."""
    return [str(entry.number) for entry in entries]


def _too_many_lines() -> str:
    return _("That is more than %(count)s lines. Split it into several orders.") % {"count": MAX_LINES}


# --- Checking ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Fix:
    """A suggestion the buyer can take with one tap: this reference, this quantity."""

    text: str
    reference: str
    quantity: int | str

    @property
    def value(self) -> str:
        return f"{self.quantity}|{self.reference}"


@dataclass
class CheckedLine:
    entry: Entry
    product: Product | None = None
    quantity: int | None = None
    price: Price | None = None
    problem: str = ""
    fixes: list[Fix] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    candidates: list[int] = field(default_factory=list)  # product ids a name could mean

    @property
    def valid(self) -> bool:
        return not self.problem and not self.entry.skipped

    @property
    def message(self) -> str:
        return _("%(label)s: %(problem)s") % {"label": self.entry.label, "problem": self.problem}


@dataclass
class Report:
    lines: list[CheckedLine]
    currency: str

    @property
    def valid(self) -> list[CheckedLine]:
        return [line for line in self.lines if line.valid]

    @property
    def errors(self) -> list[CheckedLine]:
        return [line for line in self.lines if line.problem]

    @property
    def skipped(self) -> list[CheckedLine]:
        return [line for line in self.lines if line.entry.skipped]

    def for_key(self, key: str) -> CheckedLine | None:
        return next((line for line in self.lines if line.entry.key == key), None)


def _quantity(text: str) -> int:
    """A whole quantity from what the buyer wrote, or ValueError with the reason in plain words."""
    normal = normalise(text)
    if not normal:
        raise ValueError(_("there is no quantity; write how many, like 12"))
    if not _NUMBER.match(normal):
        raise ValueError(_("“%(value)s” is not a quantity; write a whole number, like 12") % {"value": text})
    value = Decimal(normal)
    if value != value.to_integral_value():
        raise ValueError(_("“%(value)s” is not a whole number") % {"value": text})
    if value < 1:
        raise ValueError(_("the quantity must be at least 1"))
    if value > MAX_LINE_QUANTITY:
        raise ValueError(_("%(value)s is more than we can take in one line") % {"value": normal})
    return int(value)


@dataclass
class _CatalogIndex:
    """The company's visible products by SKU, by name and by the catalog's search text, from one
    query."""

    by_sku: dict[str, tuple[int, str]]  # upper-case SKU → (pk, SKU as stored)
    by_compact_sku: dict[str, int]  # SKU without punctuation ("fz1001") → pk
    names: list[tuple[int, str, str, str]]  # pk, English name folded, Chinese name folded, search text

    @classmethod
    def load(cls, company: Company) -> "_CatalogIndex":
        rows = list(
            visible_products(company).order_by("sku").values_list("pk", "sku", "name_en", "name_zh", "search_text")
        )
        return cls(
            by_sku={sku.upper(): (pk, sku) for pk, sku, _en, _zh, _text in rows},
            by_compact_sku={compact_sku(sku): pk for pk, sku, _en, _zh, _text in rows},
            names=[(pk, _fold(en), _fold(zh), text) for pk, _sku, en, zh, text in rows],
        )

    def resolve(self, reference: str) -> tuple[int | None, list[int], list[str]]:
        """(product id, candidate ids when a name fits several, SKUs that look alike).

        A SKU first (any case, with or without its punctuation: "fz1001", "FZ 1001"); else a name:
        one product whose English or Chinese name is the text, else the products the catalog's
        search finds for it (names, pinyin "jichi", initials "jc"); several → the buyer chooses.
        A reference written like a SKU that is none gets the SKUs that look alike, not the
        products whose SKU merely contains it.
        """
        upper = normalise(reference).upper()
        if upper in self.by_sku:
            return self.by_sku[upper][0], [], []
        if compact_sku(reference) in self.by_compact_sku:
            return self.by_compact_sku[compact_sku(reference)], [], []
        folded = _fold(reference)
        exact = [pk for pk, en, zh, _text in self.names if folded in (en, zh)]
        found = exact or (
            [] if _SKU_LIKE.match(upper) else [pk for pk, _en, _zh, text in self.names if matches(text, reference)]
        )
        if len(found) == 1:
            return found[0], [], []
        if found:
            return None, found, []
        return None, [], [self.by_sku[sku][1] for sku in _closest(upper, list(self.by_sku))]


# One word of letters and digits with a digit in it ("FZ-102", "AM3001"): a SKU, not a name.
_SKU_LIKE = re.compile(r"^(?=.*\d)[A-Z0-9]+(?:[-_./][A-Z0-9]+)*$")


def _closest(text: str, candidates: list[str]) -> list[str]:
    """The SKUs that look most like `text` ("FZ-102" → FZ-1020): difflib's close matches, kept
    to those nearly as close as the best, so one clear typo gets one suggestion."""
    close = difflib.get_close_matches(text, candidates, n=SUGGESTIONS, cutoff=0.6)
    scores = [difflib.SequenceMatcher(None, text, candidate).ratio() for candidate in close]
    return [candidate for candidate, score in zip(close, scores, strict=True) if score >= scores[0] - 0.05]


def _fold(text: str) -> str:
    return normalise(text or "").casefold()


def check_entries(*, company: Company, cart: Cart | None, entries: list[Entry], today: date | None = None) -> Report:
    """Every entry resolved and checked, nothing written: seven queries at most, whatever the
    number of entries. QuickOrderError for a list longer than MAX_LINES."""
    if len([entry for entry in entries if not entry.skipped]) > MAX_LINES:
        raise QuickOrderError(_too_many_lines())
    today = today or timezone.localdate()
    lines = [CheckedLine(entry=entry) for entry in entries]
    index = _CatalogIndex.load(company) if any(entry.reference for entry in entries) else None
    matched: dict[int, int] = {}  # line position → product id
    for position, line in enumerate(lines):
        entry = line.entry
        if entry.skipped:
            line.notes.append(_("Looks like a heading row, so it was not read as an order line."))
            continue
        if entry.problem:
            line.problem = entry.problem
            continue
        try:
            line.quantity = _quantity(entry.quantity_text)
        except ValueError as error:
            line.problem = str(error)
        if not entry.reference:
            line.problem = _("there is no SKU or product name")
            continue
        pk, line.candidates, close = index.resolve(entry.reference)
        if pk is not None:
            matched[position] = pk
        elif line.candidates:
            line.problem = _("“%(text)s” matches %(count)s products; which one do you mean?") % {
                "text": entry.reference,
                "count": len(line.candidates),
            }
        elif close:
            line.problem = _("%(text)s not found; did you mean %(suggestions)s?") % {
                "text": entry.reference,
                "suggestions": _(" or ").join(close),
            }
            line.fixes = [
                Fix(_("Use %(sku)s") % {"sku": sku}, sku, line.quantity or entry.quantity_text) for sku in close
            ]
        else:
            line.problem = _("%(text)s not found in your catalog") % {"text": entry.reference}

    ids = set(matched.values()) | {pk for line in lines for pk in line.candidates[:AMBIGUOUS_SHOWN]}
    products = {product.pk: product for product in Product.objects.select_related("category").filter(pk__in=ids)}
    for line in lines:
        line.fixes += [
            Fix(
                f"{products[pk].sku} · {products[pk].name}", products[pk].sku, line.quantity or line.entry.quantity_text
            )
            for pk in line.candidates[:AMBIGUOUS_SHOWN]
        ]
    for position, pk in matched.items():
        lines[position].product = products[pk]
    to_check = [position for position in matched if not lines[position].problem]
    if not to_check:
        return Report(lines, company.currency)

    checked_products = list({products[matched[position]] for position in to_check})
    terms = OfferTerms.load(company=company, products=checked_products, on=today)
    in_cart = dict(CartLine.objects.filter(cart=cart).values_list("product_id", "quantity")) if cart else {}
    planned = defaultdict(int, in_cart)  # what the cart will hold of each product once the lines before are in
    first_label: dict[int, str] = {}
    for position in to_check:
        line = lines[position]
        product = line.product
        _check_line(
            line,
            terms=terms,
            already=planned[product.pk],
            in_cart=in_cart.get(product.pk, 0),
            earlier=first_label.get(product.pk),
        )
        if line.valid:
            planned[product.pk] += line.quantity
            first_label.setdefault(product.pk, line.entry.label)
    return Report(lines, company.currency)


def _check_line(line: CheckedLine, *, terms: OfferTerms, already: int, in_cart: int, earlier) -> None:
    """The rules for one resolved line (catalog.offers decides them); `already` is what the cart
    and the lines before hold, so prices and stock are those of the sum."""
    product, quantity = line.product, line.quantity
    sku = product.sku
    total = already + quantity
    offer = terms.offer(product, total, snap=False)
    if offer.refusal in (Refusal.INACTIVE, Refusal.NOT_IN_ASSORTMENT) or offer.needs_licence:
        line.problem = for_sku(sku, offer.reason)
        return
    snapped_quantity = snapped(product, quantity)
    if snapped_quantity != quantity:
        minimum = first_orderable_quantity(product)
        if quantity < minimum:
            line.problem = _("%(sku)s: the minimum is %(minimum)s") % {"sku": sku, "minimum": minimum}
        else:
            line.problem = _("%(sku)s: must be a multiple of %(multiple)s") % {
                "sku": sku,
                "multiple": product.order_multiple,
            }
        choices = sorted({largest_orderable_at_most(product, quantity), snapped_quantity} - {0})
        line.fixes = [Fix(_("Add %(quantity)s") % {"quantity": q}, sku, q) for q in choices]
        return
    line.price = offer.price
    if offer.refusal is Refusal.NO_PRICE:
        line.problem = for_sku(sku, offer.reason)
        return
    if offer.refusal is Refusal.OUT_OF_STOCK:
        room = largest_orderable_at_most(product, offer.available) - already
        if already:
            line.problem = _(
                "%(sku)s: only %(available)s available, and %(already)s are already in your cart or on an earlier line."
            ) % {"sku": sku, "available": offer.available, "already": already}
        else:
            line.problem = for_sku(sku, offer.reason)
        if room > 0:
            line.problem = _("%(problem)s Add %(quantity)s?") % {"problem": line.problem, "quantity": room}
            line.fixes = [Fix(_("Add %(quantity)s") % {"quantity": room}, sku, room)]
        return
    if offer.backorder:
        now = min(max(offer.available - already, 0), quantity)
        line.notes.append(_("%(now)s now, %(later)s backordered") % {"now": now, "later": quantity - now})
    if earlier:
        line.notes.append(_("Also on %(row)s; the quantities add up.") % {"row": earlier})
    elif in_cart:
        line.notes.append(
            _("%(count)s already in your cart; this makes %(total)s.") % {"count": in_cart, "total": total}
        )


# --- Writing to the cart ----------------------------------------------------------------------


@dataclass(frozen=True)
class Added:
    product: Product
    quantity: int  # what the cart line holds now
    message: str | None  # the snapping message, if the cart's rule changed the sum


def add_valid_lines(*, cart: Cart, report: Report) -> list[Added]:
    """The report's valid lines into the cart, in one transaction: all of them or, if one is
    refused now (its price went in the meantime), none; OrderingError names it."""
    added = []
    with transaction.atomic():
        for line in report.valid:
            snapped = services.add_to_cart(cart=cart, product=line.product, quantity=line.quantity)
            added.append(Added(line.product, snapped.quantity, snapped.message))
    return added


# --- Downloads --------------------------------------------------------------------------------


def errors_csv(report: Report) -> bytes:
    """Every line with a problem: where it is, what was written, what is wrong."""
    rows = ([line.entry.label, line.entry.text, line.problem] for line in report.errors)
    return spreadsheet_bytes(headers=[_("row"), _("value"), _("problem")], rows=rows, fmt="csv")


def sample_file(*, company: Company, fmt: str) -> bytes:
    """A file to fill in: the heading row and a few of the company's own products."""
    products = list(visible_products(company).order_by("sku")[:3])
    rows = [[product.sku, first_orderable_quantity(product)] for product in products] or [["FZ-1001", 12]]
    return spreadsheet_bytes(headers=["sku", "quantity"], rows=rows, fmt=fmt, title="Order")
