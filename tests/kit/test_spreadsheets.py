"""The one spreadsheet reader refuses hostile shapes quickly, whoever uploads them."""

import io
import re
import zipfile

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from kit.spreadsheets import MAX_COLUMNS, Column, SheetLayout, SpreadsheetError, read_table

LINES = SheetLayout(
    slug="lines",
    label="Order lines",
    permission="",
    columns=(Column("sku", required=True), Column("quantity", required=True)),
)


def _workbook(rows) -> bytes:
    book = openpyxl.Workbook()
    for row in rows:
        book.active.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _rewrite_sheet(data: bytes, rewrite) -> bytes:
    """The workbook `data` with its first sheet's XML passed through `rewrite`, as an attacker
    would edit it by hand."""
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            content = source.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                content = rewrite(content.decode()).encode()
            target.writestr(item, content)
    return out.getvalue()


def _upload(data: bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile("lines.xlsx", data)


def _read(data: bytes, **options) -> list[str]:
    with pytest.raises(SpreadsheetError) as error:
        read_table(upload=_upload(data), layout=LINES, **options)
    return error.value.messages


def test_a_tiny_sheet_declaring_every_cell_of_excel_is_refused_before_reading():
    data = _rewrite_sheet(
        _workbook([["sku", "quantity"], ["FZ-1", 1]]),
        lambda xml: re.sub(r'<dimension ref="[^"]*"\s*/>', '<dimension ref="A1:XFD1048576"/>', xml),
    )
    assert len(data) < 10_000

    # Refused from the declared size alone: no row is read (the time it takes is measured
    # outside the tests; about 10 ms here).
    assert _read(data) == [f"The sheet has more than {MAX_COLUMNS} columns. Keep only the columns of the template."]


def test_a_sheet_declaring_too_many_rows_is_refused_with_the_limit_named():
    data = _rewrite_sheet(
        _workbook([["sku", "quantity"], ["FZ-1", 1]]),
        lambda xml: re.sub(r'<dimension ref="[^"]*"\s*/>', '<dimension ref="A1:B1048576"/>', xml),
    )

    assert _read(data, max_rows=500) == [
        "The file has more than 500 rows (blank rows count too). Split it into smaller files."
    ]


def test_a_sheet_without_dimensions_but_a_far_away_row_stops_at_the_limit():
    def far_row(xml: str) -> str:
        xml = re.sub(r'<dimension ref="[^"]*"\s*/>', "", xml)
        return xml.replace(
            "</sheetData>", '<row r="1048576"><c r="XFD1048576" t="inlineStr"><is><t>x</t></is></c></row></sheetData>'
        )

    data = _rewrite_sheet(_workbook([["sku", "quantity"], ["FZ-1", 1]]), far_row)

    # Reading stops one row past the limit instead of padding a million rows.
    assert _read(data, max_rows=500) == [
        "The file has more than 500 rows (blank rows count too). Split it into smaller files."
    ]


def test_blank_rows_count_toward_the_row_limit():
    rows = [["sku", "quantity"], ["FZ-1", 1]] + [[None, None]] * 3 + [["FZ-2", 2]]
    data = _rewrite_sheet(_workbook(rows), lambda xml: xml)

    assert _read(data, max_rows=4) == [
        "The file has more than 4 rows (blank rows count too). Split it into smaller files."
    ]

    table = read_table(upload=_upload(data), layout=LINES, max_rows=5)
    assert [number for number, _cells in table.rows] == [2, 6]


def test_read_grid_keeps_file_row_numbers_under_a_preamble_and_skips_blank_rows():
    from kit.spreadsheets import read_grid

    data = "账号: 1001;;\n\n交易日期;贷方发生额;摘要\n2026-03-02;1,000.00;货款\n".encode("gbk")
    assert read_grid(filename="s.csv", data=data) == [
        (1, ["账号: 1001", "", ""]),
        (3, ["交易日期", "贷方发生额", "摘要"]),
        (4, ["2026-03-02", "1,000.00", "货款"]),
    ]


def test_read_grid_refuses_more_rows_than_allowed():
    import pytest

    from kit.spreadsheets import SpreadsheetError, read_grid

    with pytest.raises(SpreadsheetError, match="more than 2 rows"):
        read_grid(filename="s.csv", data=b"a\nb\nc\n", max_rows=2)
