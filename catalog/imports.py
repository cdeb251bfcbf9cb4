"""Import and export of products, price-list entries and stock receipts as CSV and XLSX.

Verbs:
- read_table(upload=..., kind=...): the file's heading row and data rows as text, or
  ImportFileError saying in plain words why the file cannot be used (size, encoding, not a real
  workbook, zip bomb, missing or unknown columns).
- check_import(kind=..., table=..., options=...): every row validated against the database, errors
  with the row number the spreadsheet shows (the heading is row 1), counts of new / changed /
  unchanged rows. Saves nothing.
- commit_import(kind=..., table=..., options=..., user=...): checks again inside one transaction
  and writes every row or none; ImportRejected when a row is bad now.
- stage_import / load_staged / claim_staged / discard_staged: keep an uploaded table on the server
  between preview and commit, in a file named by a random token and bound to the user, so a
  commit never trusts data posted back by the browser.
- product_export / price_list_export / template_export and spreadsheet_bytes: downloads, with
  spreadsheet formulas neutralised.

Why a pipeline of our own on openpyxl and the csv module rather than django-import-export: the
errors must name the spreadsheet row, the column and the offending value in plain words, which
import-export's per-field Django validation messages do not; receipts must go through
catalog.services.receive_stock rather than a model save; 20,000 price rows want one SKU query and
one bulk upsert rather than a lookup per row; and the encoding, size and zip-bomb checks must run
before any parser sees the file anyway. openpyxl is already installed (Wagtail requires it), so
this adds no dependency.
"""

import csv
import dataclasses
import difflib
import gzip
import io
import json
import os
import re
import secrets
import time as time_module
import unicodedata
import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, time
from decimal import Decimal, InvalidOperation
from pathlib import Path

import openpyxl
from django.conf import settings
from django.db import DatabaseError, transaction
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font

from .models import (
    Category,
    Location,
    Lot,
    PriceList,
    PriceListEntry,
    Product,
    SalesUnit,
    TemperatureZone,
)
from .search import search_text_for
from .selectors import forget_catalog
from .services import Receipt, StockError, receive_stock

MAX_UPLOAD_BYTES = 10 * 1024 * 1024
MAX_ROWS = 50_000
# An XLSX is a zip. A small upload can unpack to gigabytes (a zip bomb), so the sizes its members
# declare are checked before openpyxl reads it. zipfile never returns more than a member's declared
# size, so a lying header cannot get past this either.
MAX_UNPACKED_BYTES = 100 * 1024 * 1024
MAX_PACKING_RATIO = 100
MAX_ZIP_MEMBERS = 1_000
# How long an uploaded file waits for its commit, and how many errors a preview keeps (the
# download of all errors checks the staged file again).
STAGE_LIFETIME_SECONDS = 60 * 60
STORED_ERRORS = 500
SAMPLE_ROWS = 10
# Suggesting a close SKU costs a scan of the catalog; only the first few unknown SKUs get one.
SUGGESTIONS = 20

CSV_CONTENT_TYPE = "text/csv; charset=utf-8"
XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
FORMATS = ("csv", "xlsx")


class ImportFileError(Exception):
    """The file cannot be used at all; `messages` say why, for the person who uploaded it."""

    def __init__(self, *messages: str):
        super().__init__(" ".join(messages))
        self.messages = list(messages)


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


@dataclass(frozen=True)
class Column:
    name: str
    required: bool = False  # the heading must be in the file
    example: object = ""
    aliases: tuple[str, ...] = ()


@dataclass(frozen=True)
class ImportKind:
    slug: str
    label: str
    permission: str
    columns: tuple[Column, ...]

    @property
    def column_names(self) -> list[str]:
        return [column.name for column in self.columns]

    @property
    def required_columns(self) -> list[str]:
        return [column.name for column in self.columns if column.required]


PRODUCTS = ImportKind(
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
        Column("min_order_quantity", example=1),
        Column("order_multiple", example=1),
        Column("temperature_zone", example="frozen"),
        Column("shelf_life_days", example=365),
        Column("lot_tracked", example="true"),
        Column("allow_backorder", example="false"),
        Column("tax_rate", example=Decimal("13.00")),
        Column("active", example="true"),
        Column("description", example="IQF, halal certified."),
    ),
)
PRICES = ImportKind(
    slug="prices",
    label=gettext_lazy("Price lists"),
    permission="catalog.change_pricelist",
    columns=(
        Column("sku", required=True, example="FZ-1001"),
        Column("min_quantity", required=True, example=1),
        Column("unit_price", required=True, example=Decimal("128.50")),
    ),
)
RECEIPTS = ImportKind(
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


@dataclass
class Table:
    """A file's rows as text: `headers` are our column names in file order; each row is
    (spreadsheet row number, cells aligned with headers)."""

    filename: str
    headers: list[str]
    rows: list[tuple[int, list[str]]]

    def records(self) -> Iterator[tuple[int, dict[str, str]]]:
        for number, cells in self.rows:
            yield number, dict(zip(self.headers, cells, strict=True))


def read_table(*, upload, kind: ImportKind) -> Table:
    """Read an uploaded CSV or XLSX file (a Django UploadedFile or any object with `name` and
    `read`) into a Table; ImportFileError if it cannot be used."""
    filename = os.path.basename(getattr(upload, "name", "") or "")
    extension = os.path.splitext(filename)[1].lower()
    if extension in {".xls", ".xlsm", ".xlsb", ".ods", ".numbers"}:
        raise ImportFileError(
            _("“%(name)s” is not a file type we can read. Save it from your spreadsheet as .xlsx or as CSV.")
            % {"name": filename}
        )
    if extension not in {".csv", ".xlsx"}:
        raise ImportFileError(
            _("“%(name)s” is not a .csv or .xlsx file. Upload the price, product or receipt sheet as CSV or .xlsx.")
            % {"name": filename or _("The file")}
        )
    size = getattr(upload, "size", None)
    if size is not None and size > MAX_UPLOAD_BYTES:
        raise ImportFileError(_too_large_message())
    data = upload.read(MAX_UPLOAD_BYTES + 1)
    if len(data) > MAX_UPLOAD_BYTES:
        raise ImportFileError(_too_large_message())
    if not data:
        raise ImportFileError(_("The file is empty."))
    raw_rows = _csv_rows(data) if extension == ".csv" else _xlsx_rows(data)
    return _table(filename, raw_rows, kind)


def _too_large_message() -> str:
    return _("The file is larger than %(size)s MB. Split it into smaller files.") % {
        "size": MAX_UPLOAD_BYTES // (1024 * 1024)
    }


def _too_many_rows_message() -> str:
    return _("The file has more than %(rows)s rows. Split it into smaller files.") % {"rows": f"{MAX_ROWS:,}"}


def _decode(data: bytes) -> str:
    """CSV from Excel is UTF-8 (with or without a byte order mark) or, from Chinese Excel, GBK;
    GB18030 reads GBK and is a superset of it."""
    if data.startswith(b"PK\x03\x04"):
        raise ImportFileError(
            _("This looks like an Excel workbook, not a CSV file. Name it .xlsx and upload it again.")
        )
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        # UTF-16 text decodes as UTF-8 full of NUL characters; no real CSV has them.
        if "\x00" not in text:
            return text
        break
    raise ImportFileError(
        _(
            "The file could not be read as UTF-8 or GBK text. In Excel choose “Save as” → “CSV UTF-8”, "
            "or save it as .xlsx."
        )
    )


def _csv_rows(data: bytes) -> Iterator[list]:
    text = _decode(data)
    first_line = text.split("\n", 1)[0]
    delimiter = ","
    if "," not in first_line:
        # Excel in some locales separates with semicolons; tab-separated text also turns up.
        delimiter = next((candidate for candidate in (";", "\t") if candidate in first_line), ",")
    try:
        yield from csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    except csv.Error as error:
        raise ImportFileError(_("The CSV file is malformed: %(error)s") % {"error": error}) from error


def _check_zip(data: bytes) -> None:
    if data.startswith(b"\xd0\xcf\x11\xe0"):
        raise ImportFileError(
            _(
                "This is an old Excel .xls file or a password-protected workbook. Save it as .xlsx without "
                "a password and upload it again."
            )
        )
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        members = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, OSError) as error:
        raise ImportFileError(_not_a_workbook_message()) from error
    unpacked = sum(member.file_size for member in members)
    if len(members) > MAX_ZIP_MEMBERS or unpacked > MAX_UNPACKED_BYTES or unpacked > MAX_PACKING_RATIO * len(data):
        raise ImportFileError(
            _(
                "The workbook unpacks to far more data than it holds (%(size)s MB), so it was not opened. "
                "Save the sheet again from Excel, or export it as CSV."
            )
            % {"size": unpacked // (1024 * 1024)}
        )
    names = {member.filename for member in members}
    if "[Content_Types].xml" not in names or "xl/workbook.xml" not in names:
        raise ImportFileError(_not_a_workbook_message())


def _not_a_workbook_message() -> str:
    return _("The file is not a real Excel workbook (.xlsx). Save it from Excel as .xlsx or as CSV.")


def _xlsx_rows(data: bytes) -> Iterator[tuple]:
    _check_zip(data)
    try:
        workbook = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as error:  # noqa: BLE001 - any parser failure on untrusted input means "not readable"
        raise ImportFileError(_not_a_workbook_message()) from error
    try:
        if not workbook.worksheets:
            raise ImportFileError(_("The workbook has no sheet."))
        # Read-only sheets fill in rows missing from the XML, so enumerating keeps Excel's numbers.
        yield from workbook.worksheets[0].iter_rows(values_only=True)
    except ImportFileError:
        raise
    except Exception as error:  # noqa: BLE001
        raise ImportFileError(_not_a_workbook_message()) from error
    finally:
        workbook.close()


_FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def _cell_text(value) -> str:
    """A cell as text, the same whether it came from CSV or from a typed XLSX cell."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == time() else value.isoformat(sep=" ")
    if isinstance(value, date | time):
        return value.isoformat()
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if value.is_integer() and abs(value) < 1e15:
            return str(int(value))
        # Excel keeps 15 significant digits; more would show binary noise (12.350000000000001).
        return f"{value:.15g}"
    text = str(value).replace("\ufeff", "").strip()
    # Our exports put a quote before text that a spreadsheet would run as a formula; take it off
    # again so an exported file imports unchanged.
    if len(text) > 1 and text[0] == "'" and text[1] in _FORMULA_PREFIXES:
        text = text[1:]
    return text


def _canonical_heading(text: str) -> str:
    return re.sub(r"[\s\-]+", "_", text.strip().strip("*").strip().lower())


def _table(filename: str, raw_rows: Iterable, kind: ImportKind) -> Table:
    headers: list[str] | None = None
    rows: list[tuple[int, list[str]]] = []
    names = {column.name: column.name for column in kind.columns}
    names.update({alias: column.name for column in kind.columns for alias in column.aliases})
    for number, raw in enumerate(raw_rows, start=1):
        cells = [_cell_text(value) for value in raw]
        if not any(cells):
            continue
        if headers is None:
            headers = _headers(cells, names, kind)
            continue
        if len(rows) >= MAX_ROWS:
            raise ImportFileError(_too_many_rows_message())
        rows.append((number, cells))
    if headers is None:
        raise ImportFileError(_("The file is empty."))
    if not rows:
        raise ImportFileError(_("The file has a heading row but no rows under it."))
    return _aligned(filename, headers, rows)


def _headers(cells: list[str], names: dict[str, str], kind: ImportKind) -> list[str]:
    headers, unknown, repeated = [], [], []
    for cell in cells:
        heading = _canonical_heading(cell)
        if not heading:
            headers.append("")
            continue
        name = names.get(heading)
        if name is None:
            unknown.append(cell.strip())
        elif name in headers:
            repeated.append(name)
        headers.append(name or heading)
    missing = [name for name in kind.required_columns if name not in headers]
    problems = []
    if missing:
        problems.append(
            ngettext("Missing column: %(columns)s.", "Missing columns: %(columns)s.", len(missing))
            % {"columns": ", ".join(missing)}
        )
    if unknown:
        problems.append(
            ngettext("Unknown column: %(columns)s.", "Unknown columns: %(columns)s.", len(unknown))
            % {"columns": ", ".join(f"“{name}”" for name in unknown)}
        )
    if repeated:
        problems.append(
            ngettext(
                "This column appears more than once: %(columns)s.",
                "These columns appear more than once: %(columns)s.",
                len(repeated),
            )
            % {"columns": ", ".join(sorted(set(repeated)))}
        )
    if problems:
        problems.append(
            _("The first row must name the columns; for %(kind)s they are: %(columns)s.")
            % {"kind": str(kind.label).lower(), "columns": ", ".join(kind.column_names)}
        )
        raise ImportFileError(*problems)
    return headers


def _aligned(filename: str, headers: list[str], rows: list[tuple[int, list[str]]]) -> Table:
    """Cells under a heading only; a value under no heading is a problem of the file."""
    kept = [index for index, name in enumerate(headers) if name]
    for number, cells in rows:
        stray = [index for index, value in enumerate(cells) if value and (index >= len(headers) or not headers[index])]
        if stray:
            raise ImportFileError(
                _("Row %(row)s has a value in column %(column)s, which has no heading.")
                % {"row": number, "column": openpyxl.utils.get_column_letter(stray[0] + 1)}
            )
    aligned = [(number, [cells[index] if index < len(cells) else "" for index in kept]) for number, cells in rows]
    return Table(filename=filename, headers=[headers[index] for index in kept], rows=aligned)


# --- Reading cells ----------------------------------------------------------------------------

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


def check_import(*, kind: ImportKind, table: Table, options: ImportOptions, lock: bool = False) -> Checked:
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
    name: Product._meta.get_field(name).max_length for name in ("name_en", "name_zh", "unit_description")
}
_PRODUCT_PARSERS = {
    "name_en": (_text, {"max_length": _PRODUCT_TEXT_LENGTHS["name_en"]}),
    "name_zh": (_text, {"max_length": _PRODUCT_TEXT_LENGTHS["name_zh"]}),
    "sales_unit": (_choice, {"choices": SalesUnit}),
    "units_per_case": (_whole, {}),
    "unit_description": (_text, {"max_length": _PRODUCT_TEXT_LENGTHS["unit_description"]}),
    "min_order_quantity": (_whole, {}),
    "order_multiple": (_whole, {}),
    "temperature_zone": (_choice, {"choices": TemperatureZone}),
    "shelf_life_days": (_whole, {}),
    "lot_tracked": (_boolean, {}),
    "allow_backorder": (_boolean, {}),
    "tax_rate": (_amount, {"places": 2, "max_digits": 5, "maximum": Decimal("100")}),
    "active": (_boolean, {}),
    "description": (_text, {}),
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


# --- Committing -------------------------------------------------------------------------------


def commit_import(*, kind: ImportKind, table: Table, options: ImportOptions, user) -> Preview:
    """Check the rows again and write them all in one transaction, or nothing."""
    try:
        with transaction.atomic():
            checked = check_import(kind=kind, table=table, options=options, lock=True)
            if checked.preview.has_errors:
                raise ImportRejected(checked.preview)
            if kind is PRODUCTS:
                _write_products(checked.plan)
            elif kind is PRICES:
                _write_prices(checked.plan)
            else:
                receive_stock(
                    receipts=checked.plan.receipts,
                    user=user,
                    reference=options.reference or _("Import %(file)s") % {"file": table.filename[:80]},
                )
    except StockError as error:
        raise ImportRejected(_whole_import_problem(kind, table, str(error))) from error
    except DatabaseError as error:
        # Someone saved the same product or price at the same moment, or the database refused a
        # value; the transaction is gone, so nothing of this import is saved.
        raise ImportRejected(
            _whole_import_problem(
                kind,
                table,
                _("The database refused the import, so nothing was saved. Upload the file again. (%(error)s)")
                % {"error": error},
            )
        ) from error
    return checked.preview


def _whole_import_problem(kind: ImportKind, table: Table, message: str) -> Preview:
    preview = Preview(kind=kind.slug, columns=list(table.headers), rows=len(table.rows))
    preview.add_errors([RowError(None, "", message)])
    preview.finish()
    return preview


def _write_products(plan: _ProductPlan) -> None:
    # What Product.save() would do; bulk writes skip save().
    for product in (*plan.new, *plan.changed):
        product.search_text = search_text_for(product)
    Product.objects.bulk_create(plan.new, batch_size=1_000)
    if plan.changed:
        Product.objects.bulk_update(plan.changed, sorted(plan.fields | {"search_text"}), batch_size=500)
    forget_catalog()  # bulk writes send no post_save


def _write_prices(plan: _PricePlan) -> None:
    for chunk in _chunks(plan.remove_ids):
        PriceListEntry.objects.filter(pk__in=chunk).delete()
    PriceListEntry.objects.bulk_create(
        [
            PriceListEntry(
                price_list_id=plan.price_list.pk, product_id=product_id, min_quantity=min_quantity, unit_price=price
            )
            for product_id, min_quantity, price in plan.upserts
        ],
        batch_size=2_000,
        update_conflicts=True,
        unique_fields=["price_list", "product", "min_quantity"],
        update_fields=["unit_price"],
    )
    forget_catalog()  # bulk writes send no post_save


# --- Keeping an upload between preview and commit ---------------------------------------------

_TOKEN = re.compile(r"^[A-Za-z0-9_-]{32}$")


@dataclass
class Staged:
    token: str
    kind: ImportKind
    table: Table
    options: ImportOptions
    preview: Preview
    created: float
    user_id: int


def _stage_dir() -> Path:
    directory = getattr(settings, "TRADECOUNTER_IMPORT_DIR", None) or Path(settings.VAR_DIR) / "imports"
    path = Path(directory)
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    return path


def _stage_path(token: str, *, claimed: bool = False) -> Path:
    if not _TOKEN.match(token):
        raise FileNotFoundError(token)
    return _stage_dir() / f"{token}{'.committing' if claimed else ''}.json.gz"


def _write_stage(path: Path, payload: dict) -> None:
    temporary = path.with_suffix(".tmp")
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "wb") as raw, gzip.GzipFile(fileobj=raw, mode="wb", compresslevel=3) as zipped:
        zipped.write(json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode())
    os.replace(temporary, path)


def _purge_expired() -> None:
    cutoff = time_module.time() - STAGE_LIFETIME_SECONDS
    for path in _stage_dir().iterdir():
        try:
            if path.stat().st_mtime < cutoff:
                path.unlink()
        except FileNotFoundError:
            pass  # another request purged it first


def stage_import(*, user, kind: ImportKind, table: Table, options: ImportOptions, preview: Preview) -> str:
    """Keep the table for its commit; returns the token that names it."""
    _purge_expired()
    token = secrets.token_urlsafe(24)
    _write_stage(
        _stage_path(token),
        {
            "version": 1,
            "user": user.pk,
            "kind": kind.slug,
            "created": time_module.time(),
            "filename": table.filename,
            "headers": table.headers,
            "rows": table.rows,
            "options": dataclasses.asdict(options),
            "preview": preview.stored().to_dict(),
        },
    )
    return token


def load_staged(*, token: str, user, kind: ImportKind, claimed: bool = False) -> Staged | None:
    """The staged upload, if it exists, is this user's, of this kind and not expired."""
    try:
        with gzip.open(_stage_path(token, claimed=claimed), "rb") as stored:
            payload = json.loads(stored.read())
    except (FileNotFoundError, OSError, ValueError):
        return None
    if (
        payload.get("version") != 1
        or payload["user"] != user.pk
        or payload["kind"] != kind.slug
        or payload["created"] < time_module.time() - STAGE_LIFETIME_SECONDS
    ):
        return None
    table = Table(
        filename=payload["filename"],
        headers=payload["headers"],
        rows=[(number, cells) for number, cells in payload["rows"]],
    )
    return Staged(
        token=token,
        kind=kind,
        table=table,
        options=ImportOptions(**payload["options"]),
        preview=Preview.from_dict(payload["preview"]),
        created=payload["created"],
        user_id=payload["user"],
    )


def claim_staged(*, token: str, user, kind: ImportKind) -> Staged | None:
    """Take the staged upload for its commit. Renaming the file is atomic, so of two commits of
    the same upload (a double click) only one gets it; receipts must never be booked twice."""
    staged = load_staged(token=token, user=user, kind=kind)
    if staged is None:
        return None
    try:
        os.rename(_stage_path(token), _stage_path(token, claimed=True))
    except FileNotFoundError:
        return None
    return staged


def release_staged(staged: Staged, preview: Preview) -> None:
    """Give a claimed upload back (its commit was refused), with the new problems to show."""
    payload = {
        "version": 1,
        "user": staged.user_id,
        "kind": staged.kind.slug,
        "created": staged.created,
        "filename": staged.table.filename,
        "headers": staged.table.headers,
        "rows": staged.table.rows,
        "options": dataclasses.asdict(staged.options),
        "preview": preview.stored().to_dict(),
    }
    _write_stage(_stage_path(staged.token), payload)
    _stage_path(staged.token, claimed=True).unlink(missing_ok=True)


def discard_staged(token: str) -> None:
    for claimed in (False, True):
        try:
            _stage_path(token, claimed=claimed).unlink(missing_ok=True)
        except FileNotFoundError:
            pass


# --- Writing spreadsheets ---------------------------------------------------------------------

# Characters XML 1.0 cannot hold; openpyxl refuses them, so they are dropped from text cells.
_ILLEGAL_XML = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


def neutralise(value):
    """Text a spreadsheet would run as a formula (=, +, -, @, tab or carriage return first) gets
    a quote in front, so it shows as text. Numbers stay numbers, negative ones included."""
    if isinstance(value, str):
        value = _ILLEGAL_XML.sub("", value)
        if value.startswith(_FORMULA_PREFIXES):
            return "'" + value
    return value


def spreadsheet_bytes(*, headers: list[str], rows: Iterable[list], fmt: str, title: str = "Sheet") -> bytes:
    if fmt == "csv":
        buffer = io.StringIO()
        buffer.write("\ufeff")  # Excel reads UTF-8 (and so Chinese) only with the byte order mark
        writer = csv.writer(buffer, lineterminator="\r\n")
        writer.writerow(headers)
        for row in rows:
            writer.writerow([_csv_value(neutralise(value)) for value in row])
        return buffer.getvalue().encode("utf-8")
    if fmt != "xlsx":
        raise ValueError(fmt)
    workbook = openpyxl.Workbook(write_only=True)
    sheet = workbook.create_sheet(title=title[:31])
    sheet.freeze_panes = "A2"
    bold = Font(bold=True)
    heading = []
    for name in headers:
        cell = WriteOnlyCell(sheet, value=name)
        cell.font = bold
        heading.append(cell)
    sheet.append(heading)
    for row in rows:
        sheet.append([_xlsx_cell(sheet, neutralise(value)) for value in row])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _csv_value(value):
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, date):
        return value.isoformat()
    return value


def _xlsx_cell(sheet, value):
    # openpyxl would store a string starting with "=" as a formula; neutralise() has already put
    # a quote in front of those, so every str here is stored as text.
    cell = WriteOnlyCell(sheet, value=value)
    if isinstance(value, Decimal):
        cell.number_format = "0.00"
    elif isinstance(value, date):
        cell.number_format = "yyyy-mm-dd"
    return cell


@dataclass(frozen=True)
class Download:
    filename: str
    content_type: str
    content: bytes


def _download(name: str, fmt: str, headers: list[str], rows: Iterable[list], title: str) -> Download:
    return Download(
        filename=f"{name}.{fmt}",
        content_type=CSV_CONTENT_TYPE if fmt == "csv" else XLSX_CONTENT_TYPE,
        content=spreadsheet_bytes(headers=headers, rows=rows, fmt=fmt, title=title),
    )


def template_export(*, kind: ImportKind, fmt: str) -> Download:
    """The heading row and one example row, to fill in."""
    example = [column.example for column in kind.columns]
    return _download(f"{kind.slug}-template", fmt, kind.column_names, [example], str(kind.label))


def _product_row(product: Product) -> list:
    return [
        product.sku,
        product.name_en,
        product.name_zh,
        product.category.slug,
        product.sales_unit,
        product.units_per_case,
        product.unit_description,
        product.min_order_quantity,
        product.order_multiple,
        product.temperature_zone,
        product.shelf_life_days,
        product.lot_tracked,
        product.allow_backorder,
        product.tax_rate,
        product.active,
        product.description,
    ]


def product_export(*, fmt: str) -> Download:
    """Every product, in the columns the product import reads."""
    products = Product.objects.select_related("category").order_by("sku").iterator(chunk_size=2_000)
    stamp = timezone.localdate().isoformat()
    return _download(
        f"products-{stamp}", fmt, PRODUCTS.column_names, (_product_row(p) for p in products), str(_("Products"))
    )


def price_list_export(*, price_list: PriceList, fmt: str) -> Download:
    """A price list's entries, in the columns the price import reads."""
    entries = (
        PriceListEntry.objects.filter(price_list=price_list)
        .order_by("product__sku", "min_quantity")
        .values_list("product__sku", "min_quantity", "unit_price")
    )
    slug = slugify(price_list.name)[:40]
    name = f"price-list-{price_list.pk}{'-' + slug if slug else ''}-{timezone.localdate().isoformat()}"
    rows = ([*entry] for entry in entries.iterator(2_000))
    return _download(name, fmt, PRICES.column_names, rows, str(_("Prices")))


def errors_export(*, preview: Preview, fmt: str = "csv") -> Download:
    rows = ([error.row or "", error.column, error.message] for error in preview.errors)
    return _download(f"{preview.kind}-import-problems", fmt, ["row", "column", "problem"], rows, str(_("Problems")))
