"""Traceability both ways (a lot's receivers, an order's lots), its exports and print layout, a
sales rep's scope, the recall of a lot (hold, notices once per person in their language) and the
expiring lots with the orders holding them."""

import csv
import io
from decimal import Decimal

import openpyxl
import pytest
from django.contrib.auth.models import Group
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation

from accounts import roles
from accounts.models import Membership, Notification, NotificationKind
from accounts.selectors import has_second_factor
from catalog.models import Lot
from kit import phrases
from ordering.fulfilment.models import LotRecall, Shipment, ShipmentLine
from ordering.fulfilment.trace import lots_of_order, orders_holding_lots, recall_lot, receivers_of_lot
from ordering.models import Order, OrderLine, OrderState
from tests.factories import (
    CompanyFactory,
    MembershipFactory,
    PriceListEntryFactory,
    ProductFactory,
    StaffFactory,
    UserFactory,
    with_second_factor,
)


def _staff(role: str, email: str):
    user = StaffFactory(email=email)
    user.groups.add(Group.objects.get(name=role))
    return user


def _client(user) -> Client:
    client = Client()
    if user.is_staff and not has_second_factor(user):
        with_second_factor(user)
    client.force_login(user)
    return client


def _shipped(lot: Lot, company, *, quantity=2, placed_by=None, number=None):
    """An order of `company` that received `quantity` of `lot` in one shipment (written as rows:
    the shipping service is another part of fulfilment)."""
    placed_by = placed_by or MembershipFactory(company=company, role=Membership.Role.BUYER).user
    number = number or f"SO-{Order.objects.count() + 1:05d}"
    order = Order.objects.create(
        company=company,
        number=number,
        state=OrderState.SHIPPED,
        placed_by=placed_by,
        ship_to_text="1 Road",
        currency=company.currency,
        subtotal=Decimal("10.00"),
        tax_total=Decimal("0.00"),
        total=Decimal("10.00"),
    )
    product = lot.product
    line = OrderLine.objects.create(
        order=order,
        product=product,
        sku=product.sku,
        name_en=product.name_en,
        sales_unit="case",
        quantity=quantity,
        allocated_quantity=quantity,
        unit_price=Decimal("5.00"),
        price_source="list",
        tax_rate=Decimal("0"),
        line_total=Decimal("10.00"),
        tax_amount=Decimal("0.00"),
    )
    shipment = Shipment.objects.create(number=f"SH-{number}", order=order, carrier="Van 1", shipped_by=StaffFactory())
    ShipmentLine.objects.create(shipment=shipment, order_line=line, lot=lot, quantity=quantity)
    return order


@pytest.fixture
def product(make_product):
    return make_product(sku="FZ-WING", name_en="Chicken wings", name_zh="鸡翅", stock=100)


@pytest.fixture
def lot(product):
    return Lot.objects.get(product=product, number="L1")


# --- Both directions ------------------------------------------------------------------------


def test_a_lots_receivers_are_its_shipments_then_the_orders_still_holding_it(lot, product, company, place_order):
    first = _shipped(lot, company, quantity=4, number="SO-A")
    other = CompanyFactory(display_name="Noodle Bar")
    second = _shipped(lot, other, quantity=6, number="SO-B")
    holding = place_order(company=company, product=product, quantity=3)

    rows = receivers_of_lot(lot)

    assert [(row.order.number, row.company.display_name, row.quantity, row.shipped) for row in rows] == [
        ("SO-A", "Acme Foods", 4, True),
        ("SO-B", "Noodle Bar", 6, True),
        (holding.number, "Acme Foods", 3, False),
    ]
    assert rows[0].shipment.order == first and rows[1].shipment.order == second
    assert rows[2].shipment is None


def test_an_orders_lots_are_the_shipped_ones_then_the_allocated_ones(product, company, place_order, stock_in):
    order = place_order(company=company, product=product, quantity=3)  # allocated from L1
    stock_in(product, 10, lot="L2", days=200)
    second_lot = Lot.objects.get(product=product, number="L2")
    line = order.lines.get()
    shipment = Shipment.objects.create(number="SH-1", order=order, carrier="Van", shipped_by=StaffFactory())
    ShipmentLine.objects.create(shipment=shipment, order_line=line, lot=second_lot, quantity=1)

    rows = lots_of_order(order)

    assert [(row.lot.number, row.quantity, row.shipped) for row in rows] == [("L2", 1, True), ("L1", 3, False)]
    assert rows[0].shipment == shipment and rows[1].order_line == line


def _queries(function) -> int:
    with CaptureQueriesContext(connection) as captured:
        function()
    return len(captured)


def test_the_reads_run_a_fixed_number_of_queries(lot, product, company, place_order):
    _shipped(lot, company)
    place_order(company=company, product=product, quantity=1)
    order = Order.objects.filter(company=company).first()
    one = _queries(lambda: receivers_of_lot(lot))
    one_of_order = _queries(lambda: lots_of_order(order))
    one_holding = _queries(lambda: orders_holding_lots([lot.pk]))

    for index in range(19):
        _shipped(lot, CompanyFactory(display_name=f"Customer {index}"))
        place_order(company=company, product=product, quantity=1)

    assert len(receivers_of_lot(lot)) == 40
    assert _queries(lambda: receivers_of_lot(lot)) == one == 2
    assert _queries(lambda: lots_of_order(order)) == one_of_order == 3
    assert _queries(lambda: orders_holding_lots([lot.pk])) == one_holding == 2


def test_the_trace_page_runs_a_fixed_number_of_queries(
    lot, product, company, place_order, staff_manager, django_assert_max_num_queries
):
    client = _client(staff_manager)
    url = reverse("fulfilment_trace:lot", args=[lot.pk])
    _shipped(lot, company)
    with CaptureQueriesContext(connection) as one:
        assert client.get(url).status_code == 200
    for index in range(19):
        _shipped(lot, CompanyFactory(display_name=f"Customer {index}"))
    with django_assert_max_num_queries(len(one)):
        response = client.get(url)
    assert response.content.decode().count("data-receiver=") == 20


# --- Pages and exports ------------------------------------------------------------------------


def test_the_stock_page_links_each_lot_to_its_trace(lot, product, staff_manager):
    response = _client(staff_manager).get(reverse("catalog_stock:product", args=[product.pk]))
    assert reverse("fulfilment_trace:lot", args=[lot.pk]) in response.content.decode()


def test_the_trace_page_is_printable_and_names_receivers(lot, company, staff_manager):
    _shipped(lot, company, quantity=4, number="SO-PAGE")
    response = _client(staff_manager).get(reverse("fulfilment_trace:lot", args=[lot.pk]))
    page = response.content.decode()
    assert response.status_code == 200
    assert "SO-PAGE" in page and "Acme Foods" in page and "SH-SO-PAGE" in page
    assert "css/trace.css" in page and "data-print-page" in page
    assert reverse("fulfilment_trace:order", args=[Order.objects.get(number="SO-PAGE").pk]) in page


def _csv_rows(response) -> list[list[str]]:
    return list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))


def _xlsx_rows(response) -> list[tuple]:
    workbook = openpyxl.load_workbook(io.BytesIO(response.content), read_only=True)
    return [row for row in workbook.active.iter_rows(values_only=True)]


def test_exports_read_back_in_csv_and_xlsx_with_formulas_neutralised(lot, product, place_order, staff_manager):
    sly = CompanyFactory(display_name='=HYPERLINK("http://evil.example")')
    order = _shipped(lot, sly, quantity=5, number="SO-CSV")
    client = _client(staff_manager)

    csv_response = client.get(reverse("fulfilment_trace:export", args=[lot.pk, "csv"]))
    xlsx_response = client.get(reverse("fulfilment_trace:export", args=[lot.pk, "xlsx"]))

    shipped_on = timezone.localtime(order.shipments.get().shipped_at).date()
    assert csv_response["Content-Disposition"] == 'attachment; filename="lot-trace-FZ-WING-L1.csv"'
    assert _csv_rows(csv_response) == [
        ["Customer", "Order", "Status", "Shipment", "Shipped", "Quantity", "SKU", "Lot number"],
        [
            '\'=HYPERLINK("http://evil.example")',
            "SO-CSV",
            "Shipped",
            "SH-SO-CSV",
            shipped_on.isoformat(),
            "5",
            "FZ-WING",
            "L1",
        ],
    ]
    rows = _xlsx_rows(xlsx_response)
    assert rows[1][0] == '\'=HYPERLINK("http://evil.example")'
    assert rows[1][1:4] == ("SO-CSV", "Shipped", "SH-SO-CSV") and rows[1][5:] == (5, "FZ-WING", "L1")
    assert client.get(reverse("fulfilment_trace:export", args=[lot.pk, "pdf"])).status_code == 404


def test_exports_follow_the_readers_language(lot, company, staff_manager):
    _shipped(lot, company, number="SO-ZH")
    client = _client(staff_manager)
    with translation.override("zh-hans"):
        response = client.get(reverse("fulfilment_trace:export", args=[lot.pk, "csv"]), HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert _csv_rows(response)[0][2] == "状态"
    assert _csv_rows(response)[1][2] == "已发货"


# --- A sales rep's scope ----------------------------------------------------------------------


def test_a_sales_rep_sees_only_their_own_customers_rows_exports_included(lot, product, staff_sales_rep):
    own = CompanyFactory(display_name="Own Bistro", sales_rep=staff_sales_rep)
    rival = CompanyFactory(display_name="Rival Canteen", sales_rep=_staff(roles.SALES_REP, "other@distributor.example"))
    _shipped(lot, own, number="SO-OWN")
    rival_order = _shipped(lot, rival, number="SO-RIVAL")
    client = _client(staff_sales_rep)

    page = client.get(reverse("fulfilment_trace:lot", args=[lot.pk])).content.decode()
    csv_text = client.get(reverse("fulfilment_trace:export", args=[lot.pk, "csv"])).content.decode("utf-8-sig")
    xlsx = _xlsx_rows(client.get(reverse("fulfilment_trace:export", args=[lot.pk, "xlsx"])))

    assert "SO-OWN" in page and "Own Bistro" in page
    assert "SO-RIVAL" not in page and "Rival" not in page
    assert "SO-OWN" in csv_text and "Rival" not in csv_text
    assert [row[1] for row in xlsx[1:]] == ["SO-OWN"]
    assert client.get(reverse("fulfilment_trace:order", args=[rival_order.pk])).status_code == 404


def test_a_warehouse_user_sees_every_receiver(lot, staff_warehouse, staff_sales_rep):
    _shipped(lot, CompanyFactory(display_name="Own Bistro", sales_rep=staff_sales_rep), number="SO-OWN")
    _shipped(lot, CompanyFactory(display_name="Another Canteen"), number="SO-OTHER")
    page = _client(staff_warehouse).get(reverse("fulfilment_trace:lot", args=[lot.pk])).content.decode()
    assert "SO-OWN" in page and "SO-OTHER" in page


# --- Recall -----------------------------------------------------------------------------------


@pytest.fixture
def receivers(lot, company):
    """Acme (an English admin and a Chinese buyer who placed the order) and a second customer
    whose only admin reads Chinese; a third member of Acme who neither administers nor ordered."""
    admin = MembershipFactory(
        company=company, role=Membership.Role.ADMIN, user=UserFactory(email="alice@acme.example", language="en")
    ).user
    buyer = MembershipFactory(
        company=company, role=Membership.Role.BUYER, user=UserFactory(email="li@acme.example", language="zh-hans")
    ).user
    bystander = MembershipFactory(company=company, role=Membership.Role.BUYER, user=UserFactory()).user
    _shipped(lot, company, placed_by=buyer, number="SO-R1")
    _shipped(lot, company, placed_by=admin, number="SO-R2")
    other = CompanyFactory(display_name="Noodle Bar")
    wang = MembershipFactory(
        company=other, role=Membership.Role.ADMIN, user=UserFactory(email="wang@noodle.example", language="zh-hans")
    ).user
    _shipped(lot, other, placed_by=wang, number="SO-R3")
    return {"admin": admin, "buyer": buyer, "bystander": bystander, "wang": wang, "other": other}


def test_a_recall_holds_the_lot_and_tells_each_receiver_once_in_their_language(
    lot, company, receivers, staff_warehouse, django_capture_on_commit_callbacks, mailoutbox
):
    client = _client(staff_warehouse)
    url = reverse("fulfilment_trace:recall", args=[lot.pk])

    confirm = client.get(url)
    assert confirm.status_code == 200 and "data-recall-summary" in confirm.content.decode()
    assert not Lot.objects.get(pk=lot.pk).held_at  # the confirm step changes nothing
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, {"reason": "Listeria found in the batch"})
    assert response.status_code == 302
    with django_capture_on_commit_callbacks(execute=True):
        client.post(url, {"reason": "Again"})  # a second recall

    lot.refresh_from_db()
    assert lot.held_at is not None and lot.hold_reason == "Listeria found in the batch"
    assert LotRecall.objects.get(lot=lot).notified == 3
    notices = Notification.objects.filter(kind=NotificationKind.LOT_RECALL)
    assert sorted((n.user.email, n.company.display_name) for n in notices) == [
        ("alice@acme.example", "Acme Foods"),
        ("li@acme.example", "Acme Foods"),
        ("wang@noodle.example", "Noodle Bar"),
    ]
    assert receivers["bystander"].notifications.count() == 0
    english = notices.get(user=receivers["admin"])
    assert english.title == "Recall: Chicken wings, lot L1"
    assert (
        english.body == "Please stop using and selling Chicken wings from lot L1. Reason: Listeria found in the batch"
    )
    with translation.override("zh-hans"):
        chinese = notices.get(user=receivers["buyer"])
        assert chinese.title == "召回通知：鸡翅，批次 L1"
        assert chinese.body == "请停止使用和销售批次 L1 的鸡翅。原因：Listeria found in the batch"
    assert english.url == reverse("ordering:order_detail", args=["SO-R2"])
    # The e-mails, one per person, each in the reader's language.
    subjects = {message.to[0]: message.subject for message in mailoutbox}
    assert subjects == {
        "alice@acme.example": "Recall: Chicken wings, lot L1",
        "li@acme.example": "召回通知：鸡翅，批次 L1",
        "wang@noodle.example": "召回通知：鸡翅，批次 L1",
    }


def test_a_recall_needs_a_reason(lot, receivers, staff_manager):
    response = _client(staff_manager).post(reverse("fulfilment_trace:recall", args=[lot.pk]), {"reason": "  "})
    assert response.status_code == 200
    assert not LotRecall.objects.exists() and Lot.objects.get(pk=lot.pk).held_at is None


def test_a_manager_may_recall_and_a_sales_rep_may_not(lot, receivers, staff_manager, staff_sales_rep):
    url = reverse("fulfilment_trace:recall", args=[lot.pk])
    refused = _client(staff_sales_rep).post(url, {"reason": "Nope"})
    assert refused.status_code in (302, 403)
    assert Lot.objects.get(pk=lot.pk).held_at is None and not Notification.objects.exists()
    trace = _client(staff_sales_rep).get(reverse("fulfilment_trace:lot", args=[lot.pk])).content.decode()
    assert url not in trace

    assert _client(staff_manager).post(url, {"reason": "Mislabelled"}).status_code == 302
    assert Lot.objects.get(pk=lot.pk).held_at is not None


def test_recalling_twice_in_the_service_makes_one_recall(lot, receivers, staff_warehouse):
    first, created = recall_lot(lot=lot, reason="Damaged seal", user=staff_warehouse)
    again, created_again = recall_lot(lot=lot, reason="Other", user=staff_warehouse)
    assert (created, created_again) == (True, False) and first == again
    assert Notification.objects.count() == 3


# --- Expiring lots and their orders -----------------------------------------------------------


def test_expiring_lots_list_the_orders_holding_them_in_the_readers_scope(
    default_list, stock_in, place_order, staff_sales_rep, staff_manager
):
    product = ProductFactory(sku="CH-MILK")
    PriceListEntryFactory(price_list=default_list, product=product, unit_price=Decimal("5.00"))
    stock_in(product, 20, lot="SOON", days=3)
    own = CompanyFactory(display_name="Own Bistro", sales_rep=staff_sales_rep)
    rival = CompanyFactory(display_name="Rival Canteen")
    own_order = place_order(company=own, product=product, quantity=2)
    rival_order = place_order(company=rival, product=product, quantity=2)
    url = reverse("fulfilment_trace:expiring")

    everything = _client(staff_manager).get(url).content.decode()
    scoped = _client(staff_sales_rep).get(url).content.decode()

    assert 'data-lot="SOON"' in everything
    assert own_order.number in everything and rival_order.number in everything
    assert own_order.number in scoped and rival_order.number not in scoped and "Rival" not in scoped


def test_a_bilingual_phrase_parameter_reads_in_the_active_language():
    phrases.register("test.bilingual", "%(name)s")
    stored = phrases.phrase("test.bilingual", name=phrases.bilingual("Chicken wings", "鸡翅"))
    assert phrases.render(stored) == "Chicken wings"
    with translation.override("zh-hans"):
        assert phrases.render(stored) == "鸡翅"
    with translation.override("zh-hans"):
        assert phrases.render(phrases.phrase("test.bilingual", name=phrases.bilingual("Rice", ""))) == "Rice"
