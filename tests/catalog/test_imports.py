"""Import and export of products, prices and stock receipts: the pipeline and the back-office screens."""

import csv
import io
import zipfile
from datetime import date
from decimal import Decimal

import openpyxl
import pytest
from django.contrib.auth.models import Permission
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import IntegrityError
from django.test import Client, RequestFactory
from django.urls import reverse

from catalog import import_admin  # noqa: F401 - registers the admin URLs and menu (as catalog.wagtail_hooks does)
from catalog.imports import (
    PRICES,
    PRODUCTS,
    RECEIPTS,
    ImportOptions,
    ImportRejected,
    check_import,
    commit_import,
    price_list_export,
    product_export,
    template_export,
)
from catalog.models import Lot, PriceListEntry, Product, StockLevel, StockMove, TemperatureZone
from kit.spreadsheets import MAX_ROWS, SpreadsheetError, neutralise, read_table, spreadsheet_bytes
from tests.factories import (
    LocationFactory,
    PriceListEntryFactory,
    PriceListFactory,
    ProductFactory,
    StaffFactory,
    category,
    with_second_factor,
)

EXPIRY = "2031-06-30"


def _csv(rows, *, encoding="utf-8") -> bytes:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\r\n").writerows(rows)
    return buffer.getvalue().encode(encoding)


def _xlsx(rows) -> bytes:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _file(name, data):
    return SimpleUploadedFile(name, data)


def _table(kind, name, data):
    return read_table(upload=_file(name, data), layout=kind)


def _problems(preview) -> list[str]:
    return [str(error) for error in preview.errors]


@pytest.fixture
def frozen_category(db):
    return category("Frozen", slug="frozen")


@pytest.fixture
def wings(frozen_category):
    return ProductFactory(sku="FZ-1001", name_en="Chicken wings", name_zh="鸡翅", category=frozen_category)


@pytest.fixture
def price_list(db):
    return PriceListFactory(name="Wholesale A")


PRODUCT_HEADER = ["sku", "name_en", "name_zh", "category", "sales_unit", "units_per_case", "tax_rate", "active"]


# --- Products ---------------------------------------------------------------------------------


def test_product_csv_creates_new_and_changes_existing_products(wings, db):
    data = _csv(
        [
            PRODUCT_HEADER,
            ["FZ-2001", "Duck legs", "鸭腿", "frozen", "carton", "12", "9", "yes"],
            ["FZ-1001", "Chicken wings, mid-joint", "鸡翅", "frozen", "case", "1", "13.00", "true"],
        ]
    )
    table = _table(PRODUCTS, "products.csv", data)

    preview = check_import(kind=PRODUCTS, table=table, options=ImportOptions()).preview
    assert (preview.rows, preview.new, preview.changed, preview.unchanged) == (2, 1, 1, 0)
    assert not Product.objects.filter(sku="FZ-2001").exists()

    commit_import(kind=PRODUCTS, table=table, options=ImportOptions(), user=None)
    duck = Product.objects.get(sku="FZ-2001")
    assert (duck.name_zh, duck.sales_unit, duck.units_per_case, duck.tax_rate) == ("鸭腿", "carton", 12, Decimal("9"))
    assert duck.category.slug == "frozen"
    assert "yatui" in duck.search_text  # pinyin, as Product.save() would have written
    wings.refresh_from_db()
    assert wings.name_en == "Chicken wings, mid-joint"
    assert wings.temperature_zone == TemperatureZone.FROZEN  # not in the file: kept


def test_product_xlsx_reads_typed_cells(frozen_category):
    data = _xlsx(
        [
            PRODUCT_HEADER + ["shelf_life_days", "lot_tracked"],
            ["FZ-3001", "Prawns", "虾仁", "frozen", "kg", 1, 13.5, True, 540.0, False],
        ]
    )
    table = _table(PRODUCTS, "products.xlsx", data)
    commit_import(kind=PRODUCTS, table=table, options=ImportOptions(), user=None)

    prawns = Product.objects.get(sku="FZ-3001")
    assert (prawns.tax_rate, prawns.active, prawns.shelf_life_days, prawns.lot_tracked) == (
        Decimal("13.50"),
        True,
        540,
        False,
    )


def test_product_rows_with_problems_are_each_named(wings):
    data = _csv(
        [
            PRODUCT_HEADER,
            ["FZ-4001", "Squid", "", "seafood", "case", "1", "13", "true"],
            ["FZ-4002", "", "", "frozen", "box", "0", "13.555", "maybe"],
            ["FZ-1001", "Wings", "", "frozen", "case", "1.5", "13", "true"],
            ["FZ-1001", "Wings again", "", "frozen", "case", "1", "13", "true"],
        ]
    )
    preview = check_import(kind=PRODUCTS, table=_table(PRODUCTS, "p.csv", data), options=ImportOptions()).preview

    assert _problems(preview) == [
        "Row 2, category: unknown category “seafood”",
        "Row 3, name_en: is empty; a new product needs an English name",
        "Row 3, sales_unit: “box” is not one of: case, carton, kg, piece, bag, bottle",
        "Row 3, units_per_case: “0” must be 1 or more",
        "Row 3, tax_rate: “13.555” has more than 2 decimal places",
        "Row 3, active: “maybe” is not true or false (yes/no and 1/0 work too)",
        "Row 4, units_per_case: “1.5” is not a whole number",
        "Row 5, sku: FZ-1001 is also on row 4; list it once",
    ]
    assert preview.bad_rows == 4


def test_commit_is_all_or_nothing_when_the_last_row_fails(wings, monkeypatch):
    data = _csv(
        [
            ["sku", "name_en", "category"],
            ["FZ-5001", "Beef shin", "frozen"],
            ["FZ-5002", "Lamb chops", "frozen"],
            ["FZ-1001", "Wings renamed", "frozen"],
        ]
    )
    table = _table(PRODUCTS, "p.csv", data)

    def refuse_last_row(objs, fields, **kwargs):
        assert [product.sku for product in objs] == ["FZ-1001"]
        raise IntegrityError("the database refused FZ-1001")

    # The new products are written first; the change on the last row then fails.
    monkeypatch.setattr(Product.objects, "bulk_update", refuse_last_row)
    with pytest.raises(ImportRejected) as rejected:
        commit_import(kind=PRODUCTS, table=table, options=ImportOptions(), user=None)

    assert "nothing was saved" in str(rejected.value.preview.errors[0])
    assert not Product.objects.filter(sku__in=["FZ-5001", "FZ-5002"]).exists()
    wings.refresh_from_db()
    assert wings.name_en == "Chicken wings"


# --- Prices -----------------------------------------------------------------------------------


def test_a_bad_price_row_is_listed_and_nothing_is_saved(wings, price_list):
    data = _csv(
        [
            ["sku", "min_quantity", "unit_price"],
            ["FZ-1001", "1", "12.50"],
            ["FZ-1001", "10", "11.90"],
            ["FZ-1001", "20", "11.5"],
            ["FZ-1001", "50", "11"],
            ["FZ-1001", "100", "10.75"],
            ["FZ-1001", "200", "12,5O"],
            ["FZ-1001", "300", "10.00"],
            ["FZ-102", "1", "9.00"],
            ["FZ-1001", "10", "11.80"],
            ["FZ-1001", "0", "9.999"],
            ["FZ-1001", "-5", "-1"],
        ]
    )
    table = _table(PRICES, "prices.csv", data)
    options = ImportOptions(price_list_id=price_list.pk)

    preview = check_import(kind=PRICES, table=table, options=options).preview
    assert _problems(preview) == [
        "Row 7, unit_price: “12,5O” is not a number: write it without thousands separators and with a full stop, "
        "like 1234.50",
        "Row 9, sku: FZ-102 not found",
        "Row 10, sku: FZ-1001 from quantity 10 is also on row 3; list it once",
        "Row 11, min_quantity: “0” must be 1 or more",
        "Row 11, unit_price: “9.999” has more than 2 decimal places",
        "Row 12, min_quantity: “-5” must be 1 or more",
        "Row 12, unit_price: “-1” must not be negative",
    ]
    assert (preview.new, preview.bad_rows) == (6, 5)

    with pytest.raises(ImportRejected):
        commit_import(kind=PRICES, table=table, options=options, user=None)
    assert not PriceListEntry.objects.exists()


def test_prices_are_upserted_and_replace_mode_removes_the_rest(wings, price_list):
    duck = ProductFactory(sku="FZ-1002")
    PriceListEntryFactory(price_list=price_list, product=wings, min_quantity=1, unit_price=Decimal("12.00"))
    PriceListEntryFactory(price_list=price_list, product=wings, min_quantity=10, unit_price=Decimal("11.00"))
    PriceListEntryFactory(price_list=price_list, product=duck, min_quantity=1, unit_price=Decimal("30.00"))
    other = PriceListEntryFactory(product=duck, unit_price=Decimal("99.00"))  # another list: untouched
    data = _csv(
        [
            ["sku", "min_quantity", "unit_price"],
            ["FZ-1001", "1", "12"],
            ["FZ-1001", "10", "10.50"],
            ["FZ-1002", "", "29.90"],
        ]
    )
    table = _table(PRICES, "prices.csv", data)

    preview = commit_import(kind=PRICES, table=table, options=ImportOptions(price_list_id=price_list.pk), user=None)
    assert (preview.new, preview.changed, preview.unchanged, preview.removed) == (0, 2, 1, 0)
    prices = dict(
        PriceListEntry.objects.filter(price_list=price_list)
        .values_list("product__sku", "unit_price")
        .filter(min_quantity__gte=10)
    )
    assert prices == {"FZ-1001": Decimal("10.50")}
    assert PriceListEntry.objects.get(price_list=price_list, product=duck).unit_price == Decimal("29.90")

    replace = _table(PRICES, "prices.csv", _csv([["sku", "min_quantity", "unit_price"], ["FZ-1001", "1", "12"]]))
    preview = commit_import(
        kind=PRICES, table=replace, options=ImportOptions(price_list_id=price_list.pk, replace=True), user=None
    )
    assert preview.removed == 2
    assert list(PriceListEntry.objects.filter(price_list=price_list).values_list("product__sku", "min_quantity")) == [
        ("FZ-1001", 1)
    ]
    other.refresh_from_db()
    assert other.unit_price == Decimal("99.00")


# --- Reading files ----------------------------------------------------------------------------


def test_gbk_csv_from_chinese_excel_is_read_correctly(frozen_category):
    data = _csv(
        [["sku", "name_en", "name_zh", "category"], ["FZ-6001", "Pork belly", "冷冻五花肉", "frozen"]], encoding="gbk"
    )
    with pytest.raises(UnicodeDecodeError):
        data.decode("utf-8")

    table = _table(PRODUCTS, "产品.csv", data)
    commit_import(kind=PRODUCTS, table=table, options=ImportOptions(), user=None)
    assert Product.objects.get(sku="FZ-6001").name_zh == "冷冻五花肉"


def test_utf8_csv_with_byte_order_mark_is_read(frozen_category):
    data = "\ufeff".encode() + _csv([["sku", "name_en", "name_zh", "category"], ["FZ-6002", "Tofu", "豆腐", "frozen"]])

    table = _table(PRODUCTS, "products.csv", data)
    assert table.headers == ["sku", "name_en", "name_zh", "category"]
    assert table.rows == [(2, ["FZ-6002", "Tofu", "豆腐", "frozen"])]


def test_text_in_another_encoding_gets_a_clear_message(db):
    data = "sku,name_en\r\nFZ-1,Crème\r\n".encode("utf-16")
    with pytest.raises(SpreadsheetError) as error:
        _table(PRODUCTS, "products.csv", data)
    assert error.value.messages == [
        "The file could not be read as UTF-8 or GBK text. In Excel choose “Save as” → “CSV UTF-8”, or save it as .xlsx."
    ]


def _zip(members: dict[str, int]) -> bytes:
    """A zip whose members are `size` bytes of zeros, which pack to almost nothing."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, size in members.items():
            with archive.open(name, "w") as member:
                chunk = b"0" * (1024 * 1024)
                for _start in range(0, size, len(chunk)):
                    member.write(chunk[: size - _start])
    return buffer.getvalue()


@pytest.mark.parametrize("sheet_megabytes", [20, 120])
def test_a_zip_bomb_is_refused_before_it_is_unpacked(db, sheet_megabytes):
    data = _zip(
        {
            "[Content_Types].xml": 100,
            "xl/workbook.xml": 100,
            "xl/worksheets/sheet1.xml": sheet_megabytes * 1024 * 1024,
        }
    )
    assert len(data) < 1024 * 1024
    with pytest.raises(SpreadsheetError) as error:
        _table(PRICES, "prices.xlsx", data)
    assert error.value.messages[0].startswith(
        f"The workbook unpacks to far more data than it holds ({sheet_megabytes} MB), so it was not opened."
    )


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        (
            "prices.xlsx",
            b"sku,min_quantity,unit_price\r\nFZ-1001,1,2\r\n",
            "The file is not a real Excel workbook (.xlsx). Save it from Excel as .xlsx or as CSV.",
        ),
        (
            "prices.xlsx",
            _zip({"[Content_Types].xml": 10, "word/document.xml": 10}),
            "The file is not a real Excel workbook (.xlsx). Save it from Excel as .xlsx or as CSV.",
        ),
        (
            "prices.xls",
            b"\xd0\xcf\x11\xe0",
            "“prices.xls” is not a file type we can read. Save it from your spreadsheet as .xlsx or as CSV.",
        ),
        (
            "prices.pdf",
            b"%PDF-1.7",
            "“prices.pdf” is not a .csv or .xlsx file. Upload the price, product or receipt sheet as CSV or .xlsx.",
        ),
        ("prices.csv", b"", "The file is empty."),
        ("prices.csv", b"\r\n,,\r\n", "The file is empty."),
        ("prices.csv", b"sku,min_quantity,unit_price\r\n", "The file has a heading row but no rows under it."),
        (
            "prices.csv",
            b"sku,min_quantity,unit_price\r\nFZ-1,1,2,oops\r\n",
            "Row 2 has a value in column D, which has no heading.",
        ),
    ],
)
def test_files_that_cannot_be_used_get_a_clear_message(db, name, data, message):
    with pytest.raises(SpreadsheetError) as error:
        _table(PRICES, name, data)
    assert error.value.messages == [message]


def test_an_oversized_file_and_too_many_rows_are_refused(db, settings):
    big = _file("prices.csv", b"x" * (10 * 1024 * 1024 + 1))
    with pytest.raises(SpreadsheetError) as error:
        read_table(upload=big, layout=PRICES)
    assert error.value.messages == ["The file is larger than 10 MB. Split it into smaller files."]

    rows = b"".join(b"FZ-1001,1,2\n" for _row in range(MAX_ROWS + 1))
    with pytest.raises(SpreadsheetError) as error:
        _table(PRICES, "prices.csv", b"sku,min_quantity,unit_price\n" + rows)
    assert error.value.messages == [
        "The file has more than 50,000 rows (blank rows count too). Split it into smaller files."
    ]


def test_missing_and_unknown_columns_are_named(db):
    with pytest.raises(SpreadsheetError) as error:
        _table(PRICES, "prices.csv", _csv([["SKU", "Price", "colour"], ["FZ-1001", "1", "red"]]))
    assert error.value.messages == [
        "Missing columns: min_quantity, unit_price.",
        "Unknown columns: “Price”, “colour”.",
        "The first row must name the columns; for price lists they are: sku, min_quantity, unit_price.",
    ]


def test_headings_are_matched_loosely_and_blank_rows_keep_spreadsheet_numbers(db):
    data = _xlsx([[" SKU ", "Min Quantity", "unit-price*"], [None, None, None], ["FZ-1001", 1, 12.35]])
    table = _table(PRICES, "prices.xlsx", data)
    assert table.headers == ["sku", "min_quantity", "unit_price"]
    assert table.rows == [(3, ["FZ-1001", "1", "12.35"])]


# --- Exports ----------------------------------------------------------------------------------


def test_product_import_reads_the_chinese_description_and_pack_columns(wings, db):
    header = ["sku", "description", "description_zh", "unit_description", "unit_description_zh"]
    data = _csv([header, ["FZ-1001", "IQF wings.", "单冻鸡翅。", "10 × 1 kg bags", "10袋 × 1公斤"]])
    table = _table(PRODUCTS, "products.csv", data)

    commit_import(kind=PRODUCTS, table=table, options=ImportOptions(), user=None)
    wings.refresh_from_db()
    assert (wings.description_zh, wings.unit_description_zh) == ("单冻鸡翅。", "10袋 × 1公斤")
    assert (wings.description, wings.unit_description) == ("IQF wings.", "10 × 1 kg bags")


def test_the_chinese_columns_are_optional_and_an_empty_cell_keeps_the_text(wings, db):
    wings.description_zh = "单冻鸡翅。"
    wings.save()
    data = _csv([["sku", "description_zh", "unit_description"], ["FZ-1001", "", "10 × 1 kg bags"]])
    commit_import(kind=PRODUCTS, table=_table(PRODUCTS, "products.csv", data), options=ImportOptions(), user=None)
    wings.refresh_from_db()
    assert (wings.description_zh, wings.unit_description) == ("单冻鸡翅。", "10 × 1 kg bags")


def test_a_too_long_chinese_pack_text_is_refused(wings, db):
    data = _csv([["sku", "unit_description_zh"], ["FZ-1001", "袋" * 101]])
    preview = check_import(kind=PRODUCTS, table=_table(PRODUCTS, "products.csv", data), options=ImportOptions()).preview
    assert [error.column for error in preview.errors] == ["unit_description_zh"]


def test_the_product_export_carries_the_chinese_columns(frozen_category):
    ProductFactory(sku="FZ-7100", description_zh="单冻。", unit_description_zh="10袋 × 1公斤", category=frozen_category)
    csv_rows = list(csv.reader(io.StringIO(product_export(fmt="csv").content.decode("utf-8-sig"))))
    row = dict(zip(csv_rows[0], csv_rows[1], strict=True))
    assert (row["description_zh"], row["unit_description_zh"]) == ("单冻。", "10袋 × 1公斤")


DANGEROUS = ["=cmd|' /C calc'!A0", "+1", "-2", "@SUM(A1:A9)", "\tcmd", "\rcmd"]


def test_exports_neutralise_spreadsheet_formulas(frozen_category):
    ProductFactory(
        sku="=cmd|' /C calc'!A0",
        name_en="+1",
        name_zh="-2",
        unit_description="@SUM(A1:A9)",
        description="\tcmd",
        category=frozen_category,
    )
    ProductFactory(sku="FZ-7002", name_en="\rcmd", category=frozen_category)

    csv_rows = list(csv.reader(io.StringIO(product_export(fmt="csv").content.decode("utf-8-sig"))))
    by_sku = {row[0]: dict(zip(csv_rows[0], row, strict=True)) for row in csv_rows[1:]}
    first = by_sku["'=cmd|' /C calc'!A0"]
    assert [first["name_en"], first["name_zh"], first["unit_description"], first["description"]] == [
        "'+1",
        "'-2",
        "'@SUM(A1:A9)",
        "'\tcmd",
    ]
    assert by_sku["FZ-7002"]["name_en"] == "'\rcmd"

    sheet = openpyxl.load_workbook(io.BytesIO(product_export(fmt="xlsx").content)).worksheets[0]
    cells = [cell for row in sheet.iter_rows(min_row=2) for cell in row]
    texts = {cell.value for cell in cells if isinstance(cell.value, str)}
    assert {"'=cmd|' /C calc'!A0", "'+1", "'-2", "'@SUM(A1:A9)", "'\tcmd"} <= texts
    assert "'\ncmd" in texts  # XML turns the carriage return into a line feed; the quote stays in front
    assert not [cell for cell in cells if cell.data_type == "f"]


def test_numbers_are_not_neutralised_and_negative_numbers_stay_numeric():
    assert [neutralise(value) for value in (-5, Decimal("-2.50"), 0)] == [-5, Decimal("-2.50"), 0]
    assert [neutralise(value) for value in DANGEROUS] == ["'" + value for value in DANGEROUS]

    text = spreadsheet_bytes(headers=["a", "b", "c"], rows=[[-5, Decimal("-2.50"), "-2"]], fmt="csv").decode(
        "utf-8-sig"
    )
    assert text.splitlines()[1] == "-5,-2.50,'-2"

    content = spreadsheet_bytes(headers=["a", "b", "c"], rows=[[-5, Decimal("-2.50"), "-2"]], fmt="xlsx")
    row = next(openpyxl.load_workbook(io.BytesIO(content)).worksheets[0].iter_rows(min_row=2))
    assert [(cell.value, cell.data_type) for cell in row] == [(-5, "n"), (-2.5, "n"), ("'-2", "s")]


def test_an_exported_price_list_imports_back_unchanged(wings, price_list):
    PriceListEntryFactory(price_list=price_list, product=wings, min_quantity=1, unit_price=Decimal("12.50"))
    PriceListEntryFactory(price_list=price_list, product=wings, min_quantity=10, unit_price=Decimal("11.00"))
    for fmt in ("csv", "xlsx"):
        download = price_list_export(price_list=price_list, fmt=fmt)
        table = _table(PRICES, download.filename, download.content)
        preview = check_import(kind=PRICES, table=table, options=ImportOptions(price_list_id=price_list.pk)).preview
        assert (preview.errors, preview.unchanged) == ([], 2)


def test_an_exported_product_with_a_formula_like_name_imports_back_unchanged(frozen_category):
    ProductFactory(sku="FZ-7003", name_en="=1+1 bag", name_zh="-18°C 冷冻", category=frozen_category)
    download = product_export(fmt="xlsx")
    table = _table(PRODUCTS, "p.xlsx", download.content)
    preview = check_import(kind=PRODUCTS, table=table, options=ImportOptions()).preview
    assert (preview.errors, preview.unchanged) == ([], 1)


@pytest.mark.parametrize("kind", [PRODUCTS, PRICES, RECEIPTS])
@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_templates_have_the_headings_and_one_example_row(kind, fmt):
    download = template_export(kind=kind, fmt=fmt)
    table = _table(kind, download.filename, download.content)
    assert table.headers == kind.column_names
    assert len(table.rows) == 1


# --- Stock receipts ---------------------------------------------------------------------------


RECEIPT_HEADER = ["sku", "lot_number", "production_date", "expiry_date", "quantity", "warehouse", "location"]


def test_stock_receipts_are_booked_through_the_ledger(wings, freezer_location):
    staff = StaffFactory()
    data = _xlsx(
        [
            RECEIPT_HEADER,
            ["FZ-1001", "L-1", date(2030, 6, 1), date(2031, 6, 1), 40, "sh1", "F-01"],
            ["FZ-1001", "L-2", None, "2031-07-01", 12, "sh1", "F-01"],
        ]
    )
    table = _table(RECEIPTS, "receipts.xlsx", data)
    preview = commit_import(kind=RECEIPTS, table=table, options=ImportOptions(reference="DN-88"), user=staff)

    assert (preview.new, preview.quantity) == (2, 52)
    moves = StockMove.objects.filter(lot__product=wings).order_by("pk")
    assert [(m.kind, m.lot.number, m.quantity, m.reference, m.user) for m in moves] == [
        ("receipt", "L-1", 40, "DN-88", staff),
        ("receipt", "L-2", 12, "DN-88", staff),
    ]
    lot = Lot.objects.get(product=wings, number="L-1")
    assert (lot.on_hand, lot.production_date, lot.expiry_date) == (40, date(2030, 6, 1), date(2031, 6, 1))
    assert StockLevel.objects.get(lot=lot, location=freezer_location).quantity == 40


def test_receipt_rows_with_problems_are_each_named(wings, freezer_location):
    LocationFactory(code="C-01", zone=TemperatureZone.CHILLED)
    Lot.objects.create(product=wings, number="OLD", expiry_date=date(2031, 1, 1))
    data = _csv(
        [
            RECEIPT_HEADER,
            ["FZ-1001", "L-1", "", "30/06/2031", "10", "sh1", "F-01"],
            ["FZ-1001", "L-2", "", EXPIRY, "-4", "sh1", "F-01"],
            ["FZ-1001", "L-3", "", EXPIRY, "5", "sh1", "C-01"],
            ["FZ-1001", "L-4", "", EXPIRY, "5", "sh9", "F-01"],
            ["FZ-1001", "OLD", "", EXPIRY, "5", "sh1", "F-01"],
            ["FZ-1001", "L-5", "2031-07-01", EXPIRY, "5", "sh1", "F-01"],
            ["FZ-1001", "L-6", "", "2020-01-01", "5", "sh1", "F-01"],
            ["FZ-1001", "L-7", "", EXPIRY, "5", "sh1", "F-99"],
        ]
    )
    preview = check_import(kind=RECEIPTS, table=_table(RECEIPTS, "r.csv", data), options=ImportOptions()).preview
    assert _problems(preview) == [
        "Row 2, expiry_date: “30/06/2031” is not a date in the form YYYY-MM-DD",
        "Row 3, quantity: “-4” must be 1 or more",
        "Row 4, location: FZ-1001 is stored Frozen (−18 °C); sh1/C-01 is Chilled (0–4 °C)",
        "Row 5, warehouse: unknown warehouse “sh9”",
        "Row 6, expiry_date: lot OLD of FZ-1001 already exists with expiry date 2031-01-01",
        "Row 7, expiry_date: “2031-06-30” is before the production date",
        "Row 8, expiry_date: “2020-01-01” is in the past; expired stock cannot be received",
        "Row 9, location: no location “F-99” in warehouse sh1",
    ]


# --- Screens ----------------------------------------------------------------------------------


def _staff(*permissions):
    user = StaffFactory()
    for dotted in ("wagtailadmin.access_admin", *permissions):
        app_label, codename = dotted.split(".")
        user.user_permissions.add(Permission.objects.get(content_type__app_label=app_label, codename=codename))
    return with_second_factor(user)


@pytest.fixture
def catalog_manager(db):
    return _staff("catalog.change_product", "catalog.change_pricelist", "catalog.view_product", "catalog.add_stockmove")


@pytest.fixture
def staff_client(client, catalog_manager):
    client.force_login(catalog_manager)
    return client


def _upload(client, kind, name, data, **fields):
    return client.post(reverse("catalog_import:upload", args=[kind]), {"file": _file(name, data), **fields})


def test_staff_import_products_through_upload_preview_and_commit(staff_client, wings):
    data = _xlsx([["sku", "name_en", "category"], ["FZ-8001", "Scallops", "frozen"], ["FZ-1001", "Wings", "frozen"]])

    response = _upload(staff_client, "products", "products.xlsx", data)
    assert response.status_code == 302
    preview_url = response.url
    page = staff_client.get(preview_url).content.decode()
    assert "There is a problem" not in page
    assert 'data-count="new">1<' in page and 'data-count="changed">1<' in page
    assert "Scallops" in page and "data-import-commit" in page
    assert not Product.objects.filter(sku="FZ-8001").exists()

    commit_url = preview_url.replace("/check/", "/commit/")
    response = staff_client.post(commit_url, follow=True)
    assert Product.objects.get(sku="FZ-8001").name_en == "Scallops"
    assert "Imported 2 products from “products.xlsx”: 1 new, 1 changed, 0 unchanged." in response.content.decode()

    # The upload is gone once committed: a second click saves nothing more and says why.
    response = staff_client.post(commit_url, follow=True)
    assert "That upload has expired or was already imported" in response.content.decode()


def test_preview_lists_every_bad_row_and_offers_no_commit(staff_client, wings, price_list):
    data = _csv([["sku", "min_quantity", "unit_price"], ["FZ-1001", "1", "12.50"], ["FZ-1002", "1", "12,5O"]])

    response = _upload(staff_client, "prices", "prices.csv", data, price_list=price_list.pk)
    page = staff_client.get(response.url).content.decode()
    assert "There is a problem" in page
    assert "1 row has problems, so nothing can be imported yet." in page
    assert "Row 3, sku: FZ-1002 not found; did you mean FZ-1001?" in page
    assert "“12,5O” is not a number" in page
    assert "data-import-commit" not in page

    # Posting the commit anyway re-checks the stored rows and saves nothing.
    response = staff_client.post(response.url.replace("/check/", "/commit/"), follow=True)
    assert "Nothing was saved" in response.content.decode()
    assert not PriceListEntry.objects.exists()

    problems = staff_client.get(response.redirect_chain[-1][0].rstrip("/") + "/problems.csv")
    lines = problems.content.decode("utf-8-sig").splitlines()
    assert lines[0] == "row,column,problem"
    assert "3,sku,FZ-1002 not found; did you mean FZ-1001?" in lines


def test_a_file_that_cannot_be_read_is_explained_on_the_form(staff_client):
    bomb = _zip({"[Content_Types].xml": 10, "xl/workbook.xml": 10, "xl/worksheets/sheet1.xml": 30 * 1024 * 1024})
    response = _upload(staff_client, "products", "products.xlsx", bomb)
    assert response.status_code == 200
    page = response.content.decode()
    assert "There is a problem" in page
    assert 'href="#id_file"' in page
    assert page.count("The workbook unpacks to far more data than it holds") == 2  # summary and under the field


def test_a_missing_price_list_is_asked_for(staff_client):
    response = _upload(staff_client, "prices", "prices.csv", _csv([["sku", "min_quantity", "unit_price"]]))
    page = response.content.decode()
    assert "Choose the price list the prices go into." in page


def test_a_user_without_change_pricelist_cannot_import_prices(client, wings, price_list):
    user = _staff("catalog.change_product")
    client.force_login(user)
    data = _csv([["sku", "min_quantity", "unit_price"], ["FZ-1001", "1", "12.50"]])

    assert client.get(reverse("catalog_import:upload", args=["prices"])).url == reverse("wagtailadmin_home")
    response = _upload(client, "prices", "prices.csv", data, price_list=price_list.pk)
    assert response.status_code == 302
    assert response.url == reverse("wagtailadmin_home")
    assert not PriceListEntry.objects.exists()
    assert client.get(reverse("catalog_import:upload", args=["products"])).status_code == 200

    request = RequestFactory().get("/")
    request.user = user
    menu = import_admin.register_import_menu_item().menu
    assert [item.name for item in menu.menu_items_for_request(request)] == ["import-products", "import-exports"]


def test_another_users_upload_cannot_be_seen_or_committed(staff_client, wings, price_list):
    data = _csv([["sku", "min_quantity", "unit_price"], ["FZ-1001", "1", "12.50"]])
    preview_url = _upload(staff_client, "prices", "prices.csv", data, price_list=price_list.pk).url
    token = preview_url.rstrip("/").rsplit("/", 1)[1]
    other = Client()
    other.force_login(_staff("catalog.change_pricelist"))

    assert other.get(preview_url).url == reverse("catalog_import:upload", args=["prices"])
    other.post(preview_url.replace("/check/", "/commit/"))
    # Even with the token in their session, the staged file belongs to its uploader.
    session = other.session
    session[import_admin.SESSION_KEY] = [token]
    session.save()
    assert other.get(preview_url).url == reverse("catalog_import:upload", args=["prices"])
    other.post(preview_url.replace("/check/", "/commit/"))
    assert not PriceListEntry.objects.exists()


def test_receipts_through_the_screens_book_stock_once(staff_client, wings, freezer_location):
    data = _csv([RECEIPT_HEADER, ["FZ-1001", "L-9", "", EXPIRY, "24", "sh1", "F-01"]])
    preview_url = _upload(staff_client, "receipts", "receipts.csv", data, reference="PO-7").url
    commit_url = preview_url.replace("/check/", "/commit/")

    staff_client.post(commit_url)
    staff_client.post(commit_url)  # a double click

    assert list(StockMove.objects.values_list("kind", "quantity", "reference")) == [("receipt", 24, "PO-7")]
    assert Lot.objects.get(number="L-9").on_hand == 24


def test_exports_and_templates_download_for_permitted_staff(staff_client, wings, price_list):
    response = staff_client.get(reverse("catalog_import:export_products", args=["xlsx"]))
    assert response["Content-Disposition"].startswith('attachment; filename="products-')
    assert openpyxl.load_workbook(io.BytesIO(response.content)).worksheets[0]["A2"].value == "FZ-1001"

    response = staff_client.get(reverse("catalog_import:template", args=["receipts", "csv"]))
    assert response.content.decode("utf-8-sig").splitlines()[0] == ",".join(RECEIPT_HEADER)

    # change_pricelist is enough to export a price list.
    assert staff_client.get(reverse("catalog_import:export_price_list", args=[price_list.pk, "csv"])).status_code == 200


def test_staff_without_catalog_permissions_get_no_exports(client, price_list):
    client.force_login(_staff())
    response = client.get(reverse("catalog_import:export_price_list", args=[price_list.pk, "csv"]))
    assert response.url == reverse("wagtailadmin_home")
    assert client.get(reverse("catalog_import:index")).url == reverse("wagtailadmin_home")
