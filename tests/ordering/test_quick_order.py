"""Quick order: typed rows, pasted lists and uploaded files, checked line by line in plain words;
valid lines into the cart, nothing dropped silently."""

import csv
import io
import zipfile
from decimal import Decimal

import openpyxl
import pytest
from django.contrib.messages import get_messages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from accounts.models import Company
from catalog.models import Assortment, PriceListEntry
from ordering import quick_order, services
from ordering.models import CartLine
from tests.factories import LicenceFactory, category

QUICK = reverse("ordering:quick_order")
UPLOAD = reverse("ordering:quick_order_upload")


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("FZ-1001 12", ("FZ-1001", "12")),
        ("FZ-1001\t12", ("FZ-1001", "12")),
        ("FZ-1001,12", ("FZ-1001", "12")),
        ("FZ-1001, 12", ("FZ-1001", "12")),
        ("FZ-1001;12", ("FZ-1001", "12")),
        ("FZ-1001 x 12", ("FZ-1001", "12")),
        ("FZ-1001 X12", ("FZ-1001", "12")),
        ("FZ-1001*12", ("FZ-1001", "12")),
        ("FZ-1001 × 12", ("FZ-1001", "12")),
        ("FZ-1001: 12 cases", ("FZ-1001", "12")),
        ("鸡翅 ×5", ("鸡翅", "5")),
        ("鸡翅×5", ("鸡翅", "5")),
        ("鸡翅5箱", ("鸡翅", "5")),
        ("鸡翅 5 箱", ("鸡翅", "5")),
        ("ＦＺ－１００１　１２", ("FZ-1001", "12")),  # full-width letters, dash, space and digits
        ("FZ-1001＊３", ("FZ-1001", "3")),
        ("FZ-1001，12", ("FZ-1001", "12")),  # Chinese comma
        ("fz-1001 ×２", ("fz-1001", "2")),
        ("12 x FZ-1001", ("FZ-1001", "12")),
        ("5箱 鸡翅", ("鸡翅", "5")),
        ("FZ-1001\tChicken wings, mid joint\t12", ("FZ-1001", "12")),  # a row copied from Excel
        ("12\tFZ-1001", ("FZ-1001", "12")),
        ("FZ-1001,Chicken wings,12", ("FZ-1001", "12")),
        ("BOX12 3", ("BOX12", "3")),  # an x inside a SKU is not a separator
        ("Chicken wings, mid joint 6", ("Chicken wings, mid joint", "6")),
        ("FZ-1001 -3", ("FZ-1001", "-3")),  # read, then refused as a quantity
        ("FZ-1001 12.5", ("FZ-1001", "12.5")),
        ("FZ-1001", None),
        ("BOX12", None),
        ("just some words", None),
    ],
)
def test_a_pasted_line_is_read_in_the_ways_people_write_it(line, expected):
    assert quick_order.parse_line(line) == expected


def test_a_heading_and_blank_lines_are_not_order_lines_and_nothing_is_dropped():
    entries = quick_order.entries_from_paste("SKU\tQuantity\nFZ-1001\t12\n\n   \nsomething odd\n")
    assert [(entry.label, entry.skipped, bool(entry.problem)) for entry in entries] == [
        ("Pasted line 1", True, False),
        ("Pasted line 2", False, False),
        ("Pasted line 5", False, True),
    ]


# Checking through the page ---------------------------------------------------------------------


@pytest.fixture
def catalog(make_product):
    """Chicken wings sold by 6 from 12, dumplings, a product with 12 in stock, and a name two
    products share."""
    return {
        "wings": make_product(
            sku="FZ-1020",
            name_en="Chicken wings, mid joint",
            name_zh="冷冻鸡翅中",
            min_order_quantity=12,
            order_multiple=6,
        ),
        "dumplings": make_product(sku="FZ-1200", name_en="Pork dumplings", name_zh="猪肉水饺"),
        "scarce": make_product(
            sku="CH-2001", name_en="Fresh duck", name_zh="鲜鸭", stock=12, temperature_zone="frozen"
        ),
        "buns": make_product(sku="AM-3001", name_en="Pork buns", name_zh="猪肉包"),
    }


@pytest.fixture
def signed_in(client, buyer):
    client.force_login(buyer)
    return client


def _check(client, *, paste="", skus=(), quantities=(), action="check", **extra):
    data = {"paste": paste, "sku": list(skus), "quantity": list(quantities), "action": action, **extra}
    return client.post(QUICK, data)


def _problems(response):
    return [line.message for line in response.context["report"].errors]


def _valid(response):
    return [(line.product.sku, line.quantity) for line in response.context["report"].valid]


def test_the_page_starts_with_blank_rows_and_a_paste_box(signed_in):
    response = signed_in.get(QUICK)
    assert response.status_code == 200
    assert len(response.context["rows"]) == 5
    assert 'name="paste"' in response.content.decode()


def test_skus_and_names_in_either_language_are_found(signed_in, catalog):
    paste = "fz-1020 12\n猪肉水饺 ×3\nfresh duck, 2\n"
    response = _check(signed_in, paste=paste)
    assert _valid(response) == [("FZ-1020", 12), ("FZ-1200", 3), ("CH-2001", 2)]
    html = response.content.decode()
    assert "Valid (3)" in html and "Errors (0)" in html


def test_quick_order_finds_what_the_catalog_search_finds(signed_in, catalog):
    """The same search as the catalog's: pinyin, initials, words in any order, a SKU without its
    punctuation."""
    paste = "jichi 12\nfz1200 3\nCH 2001 2\ndumplings pork 1\n"
    response = _check(signed_in, paste=paste)
    assert _problems(response) == []
    assert _valid(response) == [("FZ-1020", 12), ("FZ-1200", 3), ("CH-2001", 2), ("FZ-1200", 1)]


def test_a_name_several_products_have_asks_which_one(signed_in, catalog):
    response = _check(signed_in, paste="猪肉 5")
    assert _problems(response) == ["Pasted line 1: “猪肉” matches 2 products; which one do you mean?"]
    fixes = response.context["report"].errors[0].fixes
    assert [fix.text for fix in fixes] == ["AM-3001 · Pork buns", "FZ-1200 · Pork dumplings"]
    assert "FZ-1200 · Pork dumplings" in response.content.decode()


def test_an_unknown_sku_suggests_the_closest_ones(signed_in, catalog):
    response = _check(signed_in, skus=["", "", "", "", "", "", "FZ-102"], quantities=["", "", "", "", "", "", "12"])
    assert _problems(response) == ["Row 7: FZ-102 not found; did you mean FZ-1020?"]
    assert "Row 7: FZ-102 not found; did you mean FZ-1020?" in response.content.decode()


def test_a_text_that_matches_nothing_says_so(signed_in, catalog):
    assert _problems(_check(signed_in, paste="Lobster tails 4")) == [
        "Pasted line 1: Lobster tails not found in your catalog"
    ]


@pytest.mark.parametrize(
    ("line", "problem"),
    [
        ("FZ-1020 13", "FZ-1020: must be a multiple of 6"),
        ("FZ-1020 6", "FZ-1020: the minimum is 12"),
        ("CH-2001 20", "CH-2001: Only 12 available. Add 12?"),
        ("FZ-1200 0", "the quantity must be at least 1"),
        ("FZ-1200 -1", "the quantity must be at least 1"),
        ("FZ-1200 1000000000", "1000000000 is more than we can take in one line"),
        ("FZ-1200 12.5", "“12.5” is not a whole number"),
        ("FZ-1200", "“FZ-1200” has no quantity; write the SKU or name, then the quantity, like “FZ-1001 12”."),
        ("FZ-1200 abc", "“FZ-1200 abc” has no quantity; write the SKU or name, then the quantity, like “FZ-1001 12”."),
    ],
)
def test_each_problem_of_a_pasted_line_is_said_in_plain_words(line, problem, signed_in, catalog):
    assert _problems(_check(signed_in, paste=line)) == [f"Pasted line 1: {problem}"]


@pytest.mark.parametrize(
    ("sku", "quantity", "problem"),
    [
        ("FZ-1200", "abc", "“abc” is not a quantity; write a whole number, like 12"),
        ("FZ-1200", "", "there is no quantity; write how many, like 12"),
        ("", "3", "there is no SKU or product name"),
        ("FZ-1200", "１０００００１", "1000001 is more than we can take in one line"),
    ],
)
def test_each_problem_of_a_typed_row_is_said_in_plain_words(sku, quantity, problem, signed_in, catalog):
    assert _problems(_check(signed_in, skus=[sku], quantities=[quantity])) == [f"Row 1: {problem}"]


def test_full_width_digits_in_a_typed_row_are_read(signed_in, catalog):
    assert _valid(_check(signed_in, skus=["ｆｚ－１２００"], quantities=["１２"])) == [("FZ-1200", 12)]


def test_a_multiple_problem_offers_the_nearest_quantities(signed_in, catalog):
    response = _check(signed_in, paste="FZ-1020 13")
    assert [(fix.text, fix.quantity) for fix in response.context["report"].errors[0].fixes] == [
        ("Add 12", 12),
        ("Add 18", 18),
    ]


def test_taking_a_suggestion_puts_it_in_place_and_checks_again(signed_in, catalog):
    rows = {"sku": ["FZ-102", "CH-2001"], "quantity": ["12", "20"]}
    fixed_sku = signed_in.post(QUICK, {**rows, "paste": "", "fix": "row:0|12|FZ-1020"})
    assert [row["sku"] for row in fixed_sku.context["rows"]] == ["FZ-1020", "CH-2001"]
    assert _valid(fixed_sku) == [("FZ-1020", 12)]
    fixed_both = signed_in.post(
        QUICK, {"sku": ["FZ-1020", "CH-2001"], "quantity": ["12", "20"], "fix": "row:1|12|CH-2001"}
    )
    assert _valid(fixed_both) == [("FZ-1020", 12), ("CH-2001", 12)]
    pasted = signed_in.post(QUICK, {"paste": "x\nFZ-1020 13", "fix": "line:1|18|FZ-1020"})
    assert pasted.context["state"].paste == "x\nFZ-1020 18"


def test_a_licence_is_required_for_restricted_products(signed_in, company, make_product):
    make_product(sku="VD-4001", name_en="Poultry vaccine", category=category("Vet", slug="vet", restricted=True))
    assert _problems(_check(signed_in, paste="VD-4001 1")) == ["Pasted line 1: VD-4001: Needs a valid licence on file."]
    LicenceFactory(company=company)
    assert _valid(_check(signed_in, paste="VD-4001 1")) == [("VD-4001", 1)]


def test_a_product_without_a_price_for_the_company_is_an_error(signed_in, catalog):
    PriceListEntry.objects.filter(product=catalog["buns"]).delete()
    assert _problems(_check(signed_in, paste="AM-3001 2")) == [
        "Pasted line 1: AM-3001: No price for you yet; ask your rep."
    ]


def test_another_companys_sku_is_not_found(signed_in, company, other_company, catalog):
    theirs = Assortment.objects.create(name="Theirs")
    theirs.companies.add(other_company)
    theirs.products.add(catalog["buns"])
    ours = Assortment.objects.create(name="Ours")
    ours.companies.add(company)
    ours.products.add(catalog["dumplings"])
    assert _problems(_check(signed_in, paste="AM-3001 2\nPork buns 2")) == [
        "Pasted line 1: AM-3001 not found in your catalog",
        "Pasted line 2: Pork buns not found in your catalog",
    ]


def test_stock_counts_what_is_in_the_cart_and_earlier_lines(signed_in, buyer, company, catalog):
    services.add_to_cart(cart=services.cart_for(user=buyer, company=company), product=catalog["scarce"], quantity=4)
    response = _check(signed_in, paste="CH-2001 6\nCH-2001 6")
    assert _valid(response) == [("CH-2001", 6)]
    assert _problems(response) == [
        "Pasted line 2: CH-2001: only 12 available, and 10 are already in your cart or on an earlier line. Add 2?"
    ]
    assert response.context["report"].valid[0].notes == ["4 already in your cart; this makes 10."]


def test_every_line_is_counted_valid_error_or_skipped(signed_in, catalog):
    paste = "SKU qty\nFZ-1200 2\nFZ-1200 abc\n\nnonsense\nFZ-1020 12\n"
    report = _check(signed_in, paste=paste, skus=["AM-3001", "NOPE"], quantities=["1", "1"]).context["report"]
    assert (len(report.valid), len(report.errors), len(report.skipped)) == (3, 3, 1)
    assert [line.entry.label for line in report.lines] == [
        "Row 1",
        "Row 2",
        "Pasted line 1",
        "Pasted line 2",
        "Pasted line 3",
        "Pasted line 5",
        "Pasted line 6",
    ]


def test_too_many_lines_are_refused_as_a_whole(signed_in, catalog):
    response = _check(signed_in, paste="FZ-1200 1\n" * (quick_order.MAX_LINES + 1))
    assert "That is more than 500 lines" in response.content.decode()
    assert response.context["report"] is None


def test_checking_runs_the_same_queries_for_2_or_10_lines(signed_in, make_product, django_assert_max_num_queries):
    skus = [make_product().sku for _ in range(10)]
    _check(signed_in, paste=f"{skus[0]} 1")  # the first check starts the buyer's cart
    with django_assert_max_num_queries(20) as few:
        assert len(_valid(_check(signed_in, paste="\n".join(f"{sku} 1" for sku in skus[:2])))) == 2
    with django_assert_max_num_queries(20) as many:
        assert len(_valid(_check(signed_in, paste="\n".join(f"{sku} 1" for sku in skus)))) == 10
    assert len(many.captured_queries) == len(few.captured_queries)


def test_nothing_entered_says_what_to_do(signed_in):
    assert "Enter at least one SKU and quantity" in _check(signed_in).content.decode()


def test_add_rows_keeps_what_was_typed(signed_in):
    response = _check(signed_in, skus=["FZ-1200"], quantities=["3"], action="rows")
    assert [row["sku"] for row in response.context["rows"]] == ["FZ-1200", "", "", "", "", ""]


# Adding to the cart -------------------------------------------------------------------------------


def _messages(response):
    return [str(message) for message in get_messages(response.wsgi_request)]


def test_all_valid_lines_go_into_the_cart(signed_in, buyer, catalog):
    response = _check(signed_in, paste="FZ-1020 12\n猪肉水饺 3", action="add")
    assert response.url == reverse("ordering:cart")
    assert dict(CartLine.objects.filter(cart__user=buyer).values_list("product__sku", "quantity")) == {
        "FZ-1020": 12,
        "FZ-1200": 3,
    }
    assert _messages(response) == ["Added 2 lines to your cart."]


def test_valid_lines_go_in_and_the_others_stay_on_the_page_to_fix(signed_in, buyer, catalog):
    response = _check(
        signed_in,
        paste="FZ-1020 12\nFZ-102 3\nFZ-1200 2",
        skus=["AM-3001", "CH-2001"],
        quantities=["1", "99"],
        action="add",
    )
    assert response.status_code == 200
    assert dict(CartLine.objects.filter(cart__user=buyer).values_list("product__sku", "quantity")) == {
        "FZ-1020": 12,
        "FZ-1200": 2,
        "AM-3001": 1,
    }
    state = response.context["state"]
    assert (state.skus, state.quantities, state.paste) == (["CH-2001"], ["99"], "FZ-102 3")
    assert _problems(response) == [
        "Row 1: CH-2001: Only 12 available. Add 12?",
        "Pasted line 1: FZ-102 not found; did you mean FZ-1020?",
    ]
    assert _messages(response) == [
        "Added 3 lines to your cart.",
        "2 lines were not added; they are below with what to fix.",
    ]


def test_when_no_line_is_valid_nothing_is_added(signed_in, buyer, catalog):
    response = _check(signed_in, paste="NOPE 1", action="add")
    assert "No line is ready to add yet" in response.content.decode()
    assert not CartLine.objects.exists()


def test_adding_is_all_or_nothing(signed_in, buyer, catalog, monkeypatch):
    real_add = services.add_to_cart

    def add_then_fail(*, cart, product, quantity):
        if product.sku == "FZ-1200":
            raise services.OrderingError("FZ-1200 has no price for you yet; ask your rep.")
        return real_add(cart=cart, product=product, quantity=quantity)

    monkeypatch.setattr(services, "add_to_cart", add_then_fail)
    response = _check(signed_in, paste="FZ-1020 12\nFZ-1200 2", action="add")
    assert "FZ-1200 has no price for you yet" in response.content.decode()
    assert not CartLine.objects.exists()


def test_a_posted_price_is_ignored(signed_in, buyer, catalog):
    _check(signed_in, paste="FZ-1200 2", action="add", price="0.01", unit_price="0.01")
    quote = services.quote_cart(cart=services.cart_for(user=buyer, company=buyer.memberships.get().company))
    assert quote.subtotal == Decimal("200.00")


def test_errors_download_as_csv_with_row_value_and_reason(signed_in, catalog):
    response = _check(signed_in, paste="FZ-1200 2\n=HYPERLINK(1) 3\nFZ-102 12", action="errors")
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows == [
        ["row", "value", "problem"],
        ["Pasted line 2", "'=HYPERLINK(1) 3", "'=HYPERLINK(1) not found in your catalog"],
        ["Pasted line 3", "FZ-102 12", "FZ-102 not found; did you mean FZ-1020?"],
    ]


# Uploads ----------------------------------------------------------------------------------------


def _upload(client, name, content, content_type="text/csv"):
    return client.post(UPLOAD, {"file": SimpleUploadedFile(name, content, content_type=content_type)})


def _xlsx(rows) -> bytes:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("order.csv", "sku,quantity\nFZ-1020,12\n猪肉水饺,3\nFZ-102,1\n".encode()),
        ("order.csv", "\ufeffsku,quantity\nFZ-1020,12\n猪肉水饺,3\nFZ-102,1\n".encode()),
        ("order.csv", "货号,数量\nFZ-1020,12\n猪肉水饺,3\nFZ-102,1\n".encode("gbk")),
        ("order.xlsx", _xlsx([["SKU", "Quantity"], ["FZ-1020", 12], ["猪肉水饺", 3], ["FZ-102", 1]])),
    ],
    ids=["utf-8", "utf-8-bom", "gbk-chinese-headings", "xlsx"],
)
def test_an_uploaded_order_is_checked_with_the_files_row_numbers(name, content, signed_in, catalog):
    response = _upload(signed_in, name, content)
    assert response.status_code == 200
    assert _valid(response) == [("FZ-1020", 12), ("FZ-1200", 3)]
    assert _problems(response) == ["Row 4: FZ-102 not found; did you mean FZ-1020?"]
    html = response.content.decode()
    assert f"From the file {name}" in html
    # The rows land in the quick-order form with their numbers, ready to add or correct.
    assert [row["label"] for row in response.context["rows"]] == [2, 3, 4]


def test_uploaded_rows_can_then_be_added_to_the_cart(signed_in, buyer, catalog):
    uploaded = _upload(signed_in, "order.csv", b"sku,quantity\nFZ-1020,12\nFZ-1200,3\n")
    state = uploaded.context["state"]
    response = signed_in.post(
        QUICK, {"sku": state.skus, "quantity": state.quantities, "n": state.numbers, "action": "add"}
    )
    assert response.url == reverse("ordering:cart")
    assert CartLine.objects.filter(cart__user=buyer).count() == 2


def _zip_bomb() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/workbook.xml", "<workbook/>")
        archive.writestr("xl/worksheets/sheet1.xml", b"\0" * (120 * 1024 * 1024))
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("order.txt", b"FZ-1020 12", "is not a .csv or .xlsx file"),
        ("order.csv", b"", "The file is empty."),
        ("order.csv", b"sku,quantity\n", "The file has a heading row but no rows under it."),
        ("order.csv", b"product_id,amount\n1,2\n", "Missing column: quantity."),
        ("order.csv", "sku,quantity\nFZ-1020,12\n".encode("utf-16"), "could not be read as UTF-8 or GBK"),
        ("order.xlsx", b"this is not a workbook", "is not a real Excel workbook"),
        ("order.xlsx", _zip_bomb(), "unpacks to far more data than it holds"),
        ("order.csv", b"sku,quantity\n" + b"FZ-1200,1\n" * (quick_order.MAX_LINES + 1), "more than 500 rows"),
        ("order.csv", b"sku,quantity\n" + b"x" * (quick_order.MAX_UPLOAD_BYTES + 1), "larger than 2 MB"),
    ],
    ids=["not-csv", "empty", "no-rows", "no-columns", "utf-16", "fake-xlsx", "zip-bomb", "too-many-rows", "too-big"],
)
def test_a_file_that_cannot_be_used_is_refused_in_plain_words(name, content, message, signed_in, catalog):
    response = _upload(signed_in, name, content)
    assert response.status_code == 200
    assert message in response.content.decode()
    assert 'data-testid="error-summary"' in response.content.decode()
    assert not CartLine.objects.exists()


def test_no_file_chosen(signed_in):
    response = signed_in.post(UPLOAD, {})
    assert response.status_code == 200
    assert "Choose the file of your order." in response.content.decode()


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_the_sample_file_has_the_columns_and_the_companys_own_products(fmt, signed_in, catalog):
    response = signed_in.get(reverse(f"ordering:quick_order_sample_{fmt}"))
    assert response.status_code == 200
    assert f'filename="order-sample.{fmt}"' in response["Content-Disposition"]
    if fmt == "csv":
        rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    else:
        sheet = openpyxl.load_workbook(io.BytesIO(response.content), read_only=True).worksheets[0]
        rows = [[str(cell) for cell in row] for row in sheet.iter_rows(values_only=True)]
    assert rows == [["sku", "quantity"], ["AM-3001", "1"], ["CH-2001", "1"], ["FZ-1020", "12"]]
    # A sample read back is a valid order.
    uploaded = _upload(signed_in, f"order-sample.{fmt}", response.content)
    assert _valid(uploaded) == [("AM-3001", 1), ("CH-2001", 1), ("FZ-1020", 12)]


def test_an_outsider_sample_does_not_show_our_exclusive_products(client, outsider, company, catalog):
    ours = Assortment.objects.create(name="Ours")
    ours.companies.add(company)
    ours.products.add(catalog["wings"])
    theirs = Assortment.objects.create(name="Theirs")
    theirs.companies.set(Company.objects.exclude(pk=company.pk))
    theirs.products.add(catalog["buns"])
    client.force_login(outsider)
    content = client.get(reverse("ordering:quick_order_sample_csv")).content.decode("utf-8-sig")
    assert "FZ-1020" not in content and "AM-3001" in content
