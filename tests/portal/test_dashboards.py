"""The back office's home: each staff role sees its panels and not the others'; a sales rep's
panels count only their customers; the dashboard's queries do not grow with the rows."""

import itertools
from datetime import datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.models import Membership
from catalog.models import Lot
from ordering.models import Order, OrderState
from portal.dashboards.panels import FIRST_FEW
from tests.factories import CompanyFactory, MembershipFactory, ProductFactory, with_second_factor

SHANGHAI = ZoneInfo("Asia/Shanghai")

PANELS = {"approvals_waiting", "credit_holds", "todays_orders", "expiry_warnings", "low_stock"}
EXPECTED = {
    "staff_order_approver": {"approvals_waiting", "todays_orders"},
    "staff_finance": {"credit_holds"},
    "staff_warehouse": {"expiry_warnings", "low_stock"},
    "staff_sales_rep": {"expiry_warnings", "todays_orders"},
    "staff_manager": PANELS,
    "staff_content_editor": set(),
}
_numbers = itertools.count(1)


def _order(company, state=OrderState.AWAITING_APPROVAL, total="100.00"):
    buyer = MembershipFactory(company=company, role=Membership.Role.BUYER).user
    return Order.objects.create(
        company=company,
        number=f"SO-D{next(_numbers):05d}",
        state=state,
        placed_by=buyer,
        ship_to_text="1 Test Road",
        currency=company.currency,
        subtotal=Decimal(total),
        tax_total=Decimal("0.00"),
        total=Decimal(total),
    )


def _dashboard(client, user):
    with_second_factor(user)
    client.force_login(user)
    response = client.get(reverse("wagtailadmin_home"))
    assert response.status_code == 200
    return response.content.decode()


def _panels_in(page):
    return {name for name in PANELS if f'data-testid="dashboard-{name}"' in page}


@pytest.mark.parametrize("role", sorted(EXPECTED))
def test_each_role_sees_its_panels_and_not_the_others(client, request, role):
    user = request.getfixturevalue(role)
    assert _panels_in(_dashboard(client, user)) == EXPECTED[role]


def test_page_search_stays_for_content_editors_only(client, staff_content_editor, staff_warehouse):
    assert 'role="search"' in _dashboard(client, staff_content_editor)
    client.logout()
    page = _dashboard(client, staff_warehouse)
    assert 'role="search"' not in page
    assert "Your most recent edits" not in page


def test_sales_rep_counts_only_their_customers(client, staff_sales_rep, staff_manager):
    mine = CompanyFactory(display_name="Rep's Canteen", sales_rep=staff_sales_rep)
    theirs = CompanyFactory(display_name="Rival Canteen")
    _order(mine, state=OrderState.APPROVED, total="120.00")
    _order(theirs, state=OrderState.APPROVED, total="999.00")
    rep_page = _dashboard(client, staff_sales_rep)
    assert "1 order placed today" in rep_page
    assert "¥120.00" in rep_page
    assert "¥999.00" not in rep_page
    client.logout()
    manager_page = _dashboard(client, staff_manager)
    assert "2 orders placed today" in manager_page
    assert "¥1,119.00" in manager_page


def test_todays_orders_are_those_placed_since_local_midnight(client, staff_manager, time_machine):
    # 00:30 in Shanghai is 16:30 UTC the day before: the day is the local one, not UTC's.
    time_machine.move_to(datetime(2026, 3, 15, 0, 30, tzinfo=SHANGHAI), tick=False)
    company = CompanyFactory(display_name="Night Canteen")
    placed = {
        "23:59 yesterday": datetime(2026, 3, 14, 23, 59, tzinfo=SHANGHAI),
        "00:00 today": datetime(2026, 3, 15, 0, 0, tzinfo=SHANGHAI),
    }
    for moment in placed.values():
        order = _order(company, state=OrderState.APPROVED, total="10.00")
        Order.objects.filter(pk=order.pk).update(placed_at=moment)
    page = _dashboard(client, staff_manager)
    assert "1 order placed today" in page


def test_approvals_and_credit_holds_list_the_orders_waiting(client, staff_manager, staff_finance):
    company = CompanyFactory()
    waiting = _order(company, state=OrderState.AWAITING_APPROVAL)
    held = _order(company, state=OrderState.CREDIT_HOLD)
    page = _dashboard(client, staff_manager)
    assert waiting.number in page
    assert held.number in page
    assert reverse("ordering_admin:approval_queue") in page
    client.logout()
    finance_page = _dashboard(client, staff_finance)
    assert held.number in finance_page
    assert waiting.number not in finance_page


def test_low_stock_and_expiry_panels_name_the_products(client, staff_warehouse):
    today = timezone.localdate()
    low = ProductFactory(sku="LOW-1", min_order_quantity=2)
    plenty = ProductFactory(sku="PLENTY-1")
    Lot.objects.create(product=low, number="A1", expiry_date=today + timedelta(days=3), on_hand=5)
    Lot.objects.create(product=plenty, number="B1", expiry_date=today + timedelta(days=300), on_hand=500)
    page = _dashboard(client, staff_warehouse)
    low_panel = page[page.index('data-testid="dashboard-low_stock"') :]
    assert "LOW-1" in low_panel
    assert "5 free (low below 6)" in low_panel
    assert "PLENTY-1" not in low_panel
    expiry_start = page.index('data-testid="dashboard-expiry_warnings"')
    expiry_panel = page[expiry_start : page.index('data-testid="dashboard-low_stock"')]
    assert "LOW-1" in expiry_panel
    assert "A1" in expiry_panel
    assert "5 cases on hand" in expiry_panel  # a quantity with its unit, not a bare number


def _fill(how_many):
    today = timezone.localdate()
    for index in range(how_many):
        company = CompanyFactory()
        _order(company, state=OrderState.AWAITING_APPROVAL)
        _order(company, state=OrderState.CREDIT_HOLD)
        product = ProductFactory()
        Lot.objects.create(product=product, number=f"Q{index}", expiry_date=today + timedelta(days=2), on_hand=1)


def test_dashboard_queries_do_not_grow_with_orders_and_lots(client, superuser_staff, django_assert_max_num_queries):
    _fill(1)
    _dashboard(client, superuser_staff)
    with django_assert_max_num_queries(40) as few:
        assert client.get(reverse("wagtailadmin_home")).status_code == 200
    _fill(20)
    with django_assert_max_num_queries(40) as many:
        assert client.get(reverse("wagtailadmin_home")).status_code == 200
    assert len(many.captured_queries) == len(few.captured_queries)


@pytest.fixture
def superuser_staff(staff_manager):
    """A manager with every power: every panel, each with rows to show."""
    staff_manager.is_superuser = True
    staff_manager.save()
    return staff_manager


def _expiring_and_low(how_many, start):
    """`how_many` products low on stock, each with a lot near its expiry date."""
    today = timezone.localdate()
    for index in range(start, start + how_many):
        product = ProductFactory(sku=f"SCALE-{index:03d}", min_order_quantity=1)
        Lot.objects.create(product=product, number=f"S{index}", expiry_date=today + timedelta(days=1), on_hand=1)


def test_warehouse_home_counts_in_the_database_and_reads_only_the_rows_shown(
    client, staff_warehouse, django_assert_max_num_queries
):
    _expiring_and_low(3, 0)
    page = _dashboard(client, staff_warehouse)
    assert "3 lots near or past their expiry date" in page
    assert "3 products low on stock" in page
    with django_assert_max_num_queries(30) as few:
        assert client.get(reverse("wagtailadmin_home")).status_code == 200
    _expiring_and_low(27, 3)
    with django_assert_max_num_queries(30) as many:
        page = client.get(reverse("wagtailadmin_home")).content.decode()
    assert len(many.captured_queries) == len(few.captured_queries)
    assert "30 lots near or past their expiry date" in page
    assert "30 products low on stock" in page
    # The lots and products shown are read with a LIMIT: the other 25 never leave the database.
    reads = [query["sql"] for query in many.captured_queries if 'FROM "catalog_lot"' in query["sql"]]
    assert reads and all("LIMIT" in sql or "COUNT(" in sql for sql in reads)
    low_start = page.index('data-testid="dashboard-low_stock"')
    expiry_panel = page[page.index('data-testid="dashboard-expiry_warnings"') : low_start]
    assert expiry_panel.count(">SCALE-") == FIRST_FEW
    low_panel = page[low_start:]
    assert low_panel.count(">SCALE-") == FIRST_FEW
