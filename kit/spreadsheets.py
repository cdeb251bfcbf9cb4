"""Spreadsheets in and out: the one reader every uploaded CSV or XLSX goes through, and the one
writer of every CSV/XLSX download.

Reading (`read_table`) refuses, before any parser sees the file: the wrong type, more than
MAX_UPLOAD_BYTES, a zip bomb, and a sheet whose declared dimensions are larger than the limits
(a 1.6 KB XLSX can declare 1,048,576 rows by 16,384 columns, and openpyxl's read-only reader fills
in every missing row and cell up to the declared size: ~25 CPU-minutes for one upload). It then
reads at most `max_rows` rows (blank rows count: they cost the same to read) and MAX_COLUMNS
columns, and gives up after MAX_READ_SECONDS. Every refusal is a SpreadsheetError whose messages
say, for the person who uploaded the file, what was wrong and which limit it broke.

Writing (`spreadsheet_bytes`, `download`) puts a quote before text a spreadsheet would run as a
formula (`neutralise`), so a customer's name like "=HYPERLINK(...)" stays text in Excel.

Nothing here knows a model: each app describes its sheets with a `SheetLayout` (columns, their
aliases) and checks the rows itself.
"""

import csv
import io
import os
import re
import time as time_module
import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date, datetime, time
from decimal import Decimal

import openpyxl
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font

MAX_UPLOAD_BYTES = 10 * 1024 * 1024
MAX_ROWS = 50_000
# No sheet we read has more than a few dozen columns; a wider one is refused before it is read,
# and no more than these are ever read (each column of each row costs time, even when empty).
MAX_COLUMNS = 100
# However a file is shaped, reading it stops after this long (checked between rows).
MAX_READ_SECONDS = 10
# An XLSX is a zip. A small upload can unpack to gigabytes (a zip bomb), so the sizes its members
# declare are checked before openpyxl reads it. zipfile never returns more than a member's declared
# size, so a lying header cannot get past this either.
MAX_UNPACKED_BYTES = 100 * 1024 * 1024
MAX_PACKING_RATIO = 100
MAX_ZIP_MEMBERS = 1_000

CSV_CONTENT_TYPE = "text/csv; charset=utf-8"
XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
FORMATS = ("csv", "xlsx")


class SpreadsheetError(Exception):
    """The file cannot be used at all; `messages` say why, for the person who uploaded it."""

    def __init__(self, *messages: str):
        super().__init__(" ".join(messages))
        self.messages = list(messages)


@dataclass(frozen=True)
class Column:
    name: str
    required: bool = False  # the heading must be in the file
    example: object = ""
    aliases: tuple[str, ...] = ()


@dataclass(frozen=True)
class SheetLayout:
    """The columns a kind of sheet has: `slug` names its files, `label` is shown to people,
    `permission` is who may import it (empty: anyone the view lets in)."""

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


def read_table(*, upload, layout: SheetLayout, max_rows: int = MAX_ROWS) -> Table:
    """Read an uploaded CSV or XLSX file (a Django UploadedFile or any object with `name` and
    `read`) into a Table of at most `max_rows` rows under the heading; SpreadsheetError if it
    cannot be used."""
    filename = os.path.basename(getattr(upload, "name", "") or "")
    extension = os.path.splitext(filename)[1].lower()
    if extension in {".xls", ".xlsm", ".xlsb", ".ods", ".numbers"}:
        raise SpreadsheetError(
            _("“%(name)s” is not a file type we can read. Save it from your spreadsheet as .xlsx or as CSV.")
            % {"name": filename}
        )
    if extension not in {".csv", ".xlsx"}:
        raise SpreadsheetError(
            _("“%(name)s” is not a .csv or .xlsx file. Upload the price, product or receipt sheet as CSV or .xlsx.")
            % {"name": filename or _("The file")}
        )
    data = read_bytes(upload)
    # The heading row comes on top of the data rows; rows past this are never read.
    last_row = max_rows + 1
    raw_rows = _csv_rows(data) if extension == ".csv" else _xlsx_rows(data, last_row=last_row)
    return _table(filename, raw_rows, layout, last_row=last_row, max_rows=max_rows)


def read_bytes(upload, *, max_bytes: int = MAX_UPLOAD_BYTES) -> bytes:
    """An upload's bytes, refused when larger than `max_bytes` or empty: every uploaded file is
    read through here (spreadsheets, bank statements in MT940 or CAMT.053)."""
    size = getattr(upload, "size", None)
    if size is not None and size > max_bytes:
        raise SpreadsheetError(_too_large_message())
    data = upload.read(max_bytes + 1)
    if len(data) > max_bytes:
        raise SpreadsheetError(_too_large_message())
    if not data:
        raise SpreadsheetError(_("The file is empty."))
    return data


def read_grid(
    *, filename: str, data: bytes, max_rows: int = MAX_ROWS, encoding: str = ""
) -> list[tuple[int, list[str]]]:
    """A CSV or XLSX file's non-blank rows as text, numbered as in the file, with no heading
    assumed: for files whose heading is not on the first row (a bank's export opens with the
    account and period) and whose columns someone mapped by name. The same limits as
    `read_table`; `encoding` forces a CSV's encoding (empty: UTF-8, else GBK/GB18030)."""
    extension = os.path.splitext(filename)[1].lower()
    if extension not in {".csv", ".xlsx"}:
        raise SpreadsheetError(_("“%(name)s” is not a .csv or .xlsx file.") % {"name": filename})
    raw_rows = _csv_rows(data, encoding=encoding) if extension == ".csv" else _xlsx_rows(data, last_row=max_rows)
    rows = []
    deadline = time_module.monotonic() + MAX_READ_SECONDS
    for number, raw in enumerate(raw_rows, start=1):
        if number > max_rows:
            raise SpreadsheetError(_too_many_rows_message(max_rows))
        if number % 1_000 == 0 and time_module.monotonic() > deadline:
            raise SpreadsheetError(_too_slow_message())
        if len(raw) > MAX_COLUMNS and any(value not in (None, "") for value in raw[MAX_COLUMNS:]):
            raise SpreadsheetError(_too_many_columns_message())
        cells = [_cell_text(value) for value in raw[:MAX_COLUMNS]]
        if any(cells):
            rows.append((number, cells))
    if not rows:
        raise SpreadsheetError(_("The file is empty."))
    return rows


def _too_large_message() -> str:
    return _("The file is larger than %(size)s MB. Split it into smaller files.") % {
        "size": MAX_UPLOAD_BYTES // (1024 * 1024)
    }


def _too_many_rows_message(max_rows: int) -> str:
    return _("The file has more than %(rows)s rows (blank rows count too). Split it into smaller files.") % {
        "rows": f"{max_rows:,}"
    }


def _too_many_columns_message() -> str:
    return _("The sheet has more than %(columns)s columns. Keep only the columns of the template.") % {
        "columns": MAX_COLUMNS
    }


def _too_slow_message() -> str:
    return _(
        "The file took longer than %(seconds)s seconds to read, so reading stopped. Save it again from your "
        "spreadsheet as CSV, or split it into smaller files."
    ) % {"seconds": MAX_READ_SECONDS}


# What a person may choose when a file's encoding is not found by itself ("" finds it).
ENCODINGS = ("", "utf-8", "gb18030", "utf-16")


def decode_text(data: bytes, *, encoding: str = "") -> str:
    """Text from a Chinese or Western system: UTF-8 (with or without a byte order mark), else GBK,
    read as GB18030 (a superset). `encoding` (one of ENCODINGS) forces one, UTF-16 included (some
    banks' "Unicode text" exports; never guessed). SpreadsheetError when unreadable."""
    return _decode(data, encoding=encoding)


def _decode(data: bytes, *, encoding: str = "") -> str:
    """CSV from Excel is UTF-8 (with or without a byte order mark) or, from Chinese Excel, GBK;
    GB18030 reads GBK and is a superset of it."""
    if data.startswith(b"PK\x03\x04"):
        raise SpreadsheetError(
            _("This looks like an Excel workbook, not a CSV file. Name it .xlsx and upload it again.")
        )
    if encoding and encoding not in ENCODINGS:
        raise ValueError(encoding)
    if encoding == "utf-8":
        encoding = "utf-8-sig"
    for candidate in (encoding,) if encoding else ("utf-8-sig", "gb18030"):
        try:
            text = data.decode(candidate)
        except UnicodeDecodeError:
            continue
        # UTF-16 text decodes as UTF-8 full of NUL characters; no real CSV has them.
        if "\x00" not in text:
            return text
        break
    raise SpreadsheetError(
        _(
            "The file could not be read as UTF-8 or GBK text. In Excel choose “Save as” → “CSV UTF-8”, "
            "or save it as .xlsx."
        )
    )


def _csv_rows(data: bytes, *, encoding: str = "") -> Iterator[list]:
    text = _decode(data, encoding=encoding)
    # The first lines, not only the first: a bank's export opens with a line or two of text
    # (the account, the period) before its heading.
    # Excel in some locales separates with semicolons; tab-separated text also turns up. The
    # separator is the one on the most of these lines (a comma wins a tie).
    head = text.split("\n", 10)[:10]
    delimiter = max((",", ";", "\t"), key=lambda candidate: sum(candidate in line for line in head))
    try:
        yield from csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    except csv.Error as error:
        raise SpreadsheetError(_("The CSV file is malformed: %(error)s") % {"error": error}) from error


def _check_zip(data: bytes) -> None:
    if data.startswith(b"\xd0\xcf\x11\xe0"):
        raise SpreadsheetError(
            _(
                "This is an old Excel .xls file or a password-protected workbook. Save it as .xlsx without "
                "a password and upload it again."
            )
        )
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        members = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, OSError) as error:
        raise SpreadsheetError(_not_a_workbook_message()) from error
    unpacked = sum(member.file_size for member in members)
    if len(members) > MAX_ZIP_MEMBERS or unpacked > MAX_UNPACKED_BYTES or unpacked > MAX_PACKING_RATIO * len(data):
        raise SpreadsheetError(
            _(
                "The workbook unpacks to far more data than it holds (%(size)s MB), so it was not opened. "
                "Save the sheet again from Excel, or export it as CSV."
            )
            % {"size": unpacked // (1024 * 1024)}
        )
    names = {member.filename for member in members}
    if "[Content_Types].xml" not in names or "xl/workbook.xml" not in names:
        raise SpreadsheetError(_not_a_workbook_message())


def _not_a_workbook_message() -> str:
    return _("The file is not a real Excel workbook (.xlsx). Save it from Excel as .xlsx or as CSV.")


def _xlsx_rows(data: bytes, *, last_row: int) -> Iterator[tuple]:
    _check_zip(data)
    try:
        workbook = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as error:  # noqa: BLE001 - any parser failure on untrusted input means "not readable"
        raise SpreadsheetError(_not_a_workbook_message()) from error
    try:
        if not workbook.worksheets:
            raise SpreadsheetError(_("The workbook has no sheet."))
        sheet = workbook.worksheets[0]
        # The size the sheet declares (its <dimension>), read without reading the rows. openpyxl
        # would pad every row and cell up to it, so a sheet declaring more than we read is refused
        # now, in milliseconds, rather than after minutes of padding.
        if (sheet.max_column or 0) > MAX_COLUMNS:
            raise SpreadsheetError(_too_many_columns_message())
        if (sheet.max_row or 0) > last_row:
            raise SpreadsheetError(_too_many_rows_message(last_row - 1))
        # The dimension may be missing or lie, so reading is bounded too: one row past the last
        # allowed tells that the file has too many, and no column past MAX_COLUMNS is read.
        # Read-only sheets fill in rows missing from the XML, so enumerating keeps Excel's numbers.
        yield from sheet.iter_rows(max_row=last_row + 1, max_col=MAX_COLUMNS + 1, values_only=True)
    except SpreadsheetError:
        raise
    except Exception as error:  # noqa: BLE001
        raise SpreadsheetError(_not_a_workbook_message()) from error
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


def _table(filename: str, raw_rows: Iterable, layout: SheetLayout, *, last_row: int, max_rows: int) -> Table:
    headers: list[str] | None = None
    rows: list[tuple[int, list[str]]] = []
    names = {column.name: column.name for column in layout.columns}
    names.update({alias: column.name for column in layout.columns for alias in column.aliases})
    deadline = time_module.monotonic() + MAX_READ_SECONDS
    for number, raw in enumerate(raw_rows, start=1):
        # Blank rows count: a file of a million empty rows costs as much to read as a full one.
        if number > last_row:
            raise SpreadsheetError(_too_many_rows_message(max_rows))
        if number % 1_000 == 0 and time_module.monotonic() > deadline:
            raise SpreadsheetError(_too_slow_message())
        if len(raw) > MAX_COLUMNS and any(value not in (None, "") for value in raw[MAX_COLUMNS:]):
            raise SpreadsheetError(_too_many_columns_message())
        cells = [_cell_text(value) for value in raw[:MAX_COLUMNS]]
        if not any(cells):
            continue
        if headers is None:
            headers = _headers(cells, names, layout)
            continue
        rows.append((number, cells))
    if headers is None:
        raise SpreadsheetError(_("The file is empty."))
    if not rows:
        raise SpreadsheetError(_("The file has a heading row but no rows under it."))
    return _aligned(filename, headers, rows)


def _headers(cells: list[str], names: dict[str, str], layout: SheetLayout) -> list[str]:
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
    missing = [name for name in layout.required_columns if name not in headers]
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
            % {"kind": str(layout.label).lower(), "columns": ", ".join(layout.column_names)}
        )
        raise SpreadsheetError(*problems)
    return headers


def _aligned(filename: str, headers: list[str], rows: list[tuple[int, list[str]]]) -> Table:
    """Cells under a heading only; a value under no heading is a problem of the file."""
    kept = [index for index, name in enumerate(headers) if name]
    for number, cells in rows:
        stray = [index for index, value in enumerate(cells) if value and (index >= len(headers) or not headers[index])]
        if stray:
            raise SpreadsheetError(
                _("Row %(row)s has a value in column %(column)s, which has no heading.")
                % {"row": number, "column": openpyxl.utils.get_column_letter(stray[0] + 1)}
            )
    aligned = [(number, [cells[index] if index < len(cells) else "" for index in kept]) for number, cells in rows]
    return Table(filename=filename, headers=[headers[index] for index in kept], rows=aligned)


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


def download(name: str, fmt: str, headers: list[str], rows: Iterable[list], title: str) -> Download:
    """A file to send: `name` without extension, `fmt` one of FORMATS."""
    return Download(
        filename=f"{name}.{fmt}",
        content_type=CSV_CONTENT_TYPE if fmt == "csv" else XLSX_CONTENT_TYPE,
        content=spreadsheet_bytes(headers=headers, rows=rows, fmt=fmt, title=title),
    )
