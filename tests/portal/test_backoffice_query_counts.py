"""The back office's busiest lists run a fixed number of queries whatever the number of rows.

Each list is rendered twice for the same staff user, once with a few rows and once with many
(orders with lines, events and approval steps; customers with regions, tiers and sales reps;
products with lots), and must run the same number of queries, within a fixed maximum. The staff
users hold a second factor, as the back office requires of staff.
"""

import re
from datetime import timedelta
from decimal import Decimal

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse
from django.utils import timezone

from accounts import roles
from accounts.models import CreditAccount
from kit import phrases
from ordering.models import ApprovalRule, ApprovalStep, Order, OrderEvent, OrderLine, OrderState
from ordering.phrases import RULE_TOTAL_AT_LEAST, rule_code
from tests.factories import (
    CompanyFactory,
    LotFactory,
    MembershipFactory,
    PriceTierFactory,
    ProductFactory,
    RegionFactory,
    StaffFactory,
    with_second_factor,
)

FEW, MANY = 3, 30

ORDERS = "orders:index"
APPROVALS = "ordering_admin:approval_queue"
STOCK = "catalog_stock:products"
CUSTOMERS = "customers:index"


def _staff(group_name: str, email: str):
    user = with_second_factor(StaffFactory(email=email))
    user.groups.add(Group.objects.get(name=group_name))
    return user


@pytest.fixture
def people(db):
    """A manager (sees every customer), finance (decides credit holds), an order approver, and
    two sales reps; the first rep's view is the scoped one."""
    return {
        "manager": _staff(roles.MANAGER, "manager@distributor.example"),
        "finance": _staff(roles.FINANCE, "finance@distributor.example"),
        "approver": _staff(roles.ORDER_APPROVER, "director@distributor.example"),
        "rep": _staff(roles.SALES_REP, "rep@distributor.example"),
        "other_rep": _staff(roles.SALES_REP, "other-rep@distributor.example"),
    }


class World:
    """Customers, orders and stock, added in batches so a list can grow between two renders."""

    def __init__(self, people):
        self.people = people
        self.made = 0
        self.staff_groups = [Group.objects.get(name=roles.ORDER_APPROVER), Group.objects.get(name=roles.SALES_REP)]

    def grow(self, how_many: int) -> None:
        for _ in range(how_many):
            self.made += 1
            self._customer_with_an_order(self.made)
            self._product_with_lots(self.made)

    def _customer_with_an_order(self, n: int) -> None:
        # Each its own region, tier and rep, so a missing select_related shows as one query per row.
        rep = self.people["rep"] if n % 2 else self.people["other_rep"]
        company = CompanyFactory(
            display_name=f"Customer {n:03d}",
            region=RegionFactory(code=f"r{n}", name=f"Region {n}"),
            price_tier=PriceTierFactory(code=f"t{n}", name=f"Tier {n}"),
            sales_rep=rep,
        )
        CreditAccount.objects.create(company=company, open_invoices=Decimal("100.00"))
        buyer = MembershipFactory(company=company).user
        state = OrderState.CREDIT_HOLD if n % 3 == 0 else OrderState.AWAITING_APPROVAL
        order = Order.objects.create(
            company=company,
            number=f"SO-{n:05d}",
            state=state,
            placed_by=buyer,
            placed_for_customer_by=rep if n % 4 == 0 else None,
            ship_to_text=f"{n} Harbour Road",
            currency=company.currency,
            subtotal=Decimal("100.00"),
            tax_total=Decimal("13.00"),
            total=Decimal("113.00"),
            hold_reasons=["Over the credit limit"] if state == OrderState.CREDIT_HOLD else [],
        )
        for i in range(2):
            product = ProductFactory(sku=f"X-{n:05d}-{i}")  # after the stocked products' SKUs
            OrderLine.objects.create(
                order=order,
                product=product,
                sku=product.sku,
                name_en=product.name_en,
                sales_unit="CS",
                quantity=2,
                allocated_quantity=2,
                unit_price=Decimal("25.00"),
                price_source="default",
                tax_rate=Decimal("13.00"),
                line_total=Decimal("50.00"),
                tax_amount=Decimal("6.50"),
            )
        OrderEvent.objects.create(order=order, actor=buyer, from_state="", to_state=state)
        if state == OrderState.AWAITING_APPROVAL:
            # A decided first step and a pending one, for the order approvers or the sales reps.
            ApprovalStep.objects.create(
                order=order,
                approver_group=self.staff_groups[0],
                sequence=1,
                phrase=phrases.phrase(RULE_TOTAL_AT_LEAST, amount=phrases.money("100.00", "CNY")),
                status=ApprovalStep.Status.APPROVED,
                decided_by=self.people["approver"],
                decided_at=timezone.now() - timedelta(hours=1),
            )
            ApprovalStep.objects.create(
                order=order,
                approver_group=self.staff_groups[n % 2],
                sequence=2,
                phrase=phrases.phrase(rule_code(ApprovalRule.Condition.FIRST_ORDER)),
                status=ApprovalStep.Status.PENDING,
                due_at=timezone.now() + timedelta(hours=n % 3 - 1),
            )

    def _product_with_lots(self, n: int) -> None:
        product = ProductFactory(sku=f"SKU-{n:05d}")
        for i in range(3):
            LotFactory(product=product, on_hand=10 * (i + 1), allocated=i)


def _signed_in(client, user):
    client.force_login(user)
    return client


def _count(client, django_assert_max_num_queries, url: str, limit: int, expect_text: str = "") -> int:
    with django_assert_max_num_queries(limit) as captured:
        response = client.get(url)
    assert response.status_code == 200
    if expect_text:
        assert expect_text in response.content.decode()
    return len(captured.captured_queries)


# (url name, who looks, the most queries it may run, a text the many-rows page shows)
CASES = [
    # The orders list's region filter (the dashboards' drill-down) reads the regions: one query.
    (ORDERS, "manager", 13, "SO-00030"),
    (ORDERS, "rep", 12, "SO-00029"),
    (APPROVALS, "approver", 12, "SO-00028"),
    (APPROVALS, "finance", 12, "SO-00030"),
    (APPROVALS, "rep", 12, "SO-00029"),
    (STOCK, "manager", 11, "SKU-00030"),
    (STOCK, "rep", 11, "SKU-00030"),
    (CUSTOMERS, "manager", 13, "Customer 030"),
    (CUSTOMERS, "rep", 12, "Customer 029"),
]


@pytest.mark.parametrize(("url_name", "who", "limit", "many_text"), CASES)
def test_back_office_list_queries_do_not_grow_with_rows(
    url_name, who, limit, many_text, client, people, django_assert_max_num_queries
):
    world = World(people)
    world.grow(FEW)
    _signed_in(client, people[who])
    url = reverse(url_name)
    client.get(url)  # the first request fills per-process caches (content types, permissions)
    few = _count(client, django_assert_max_num_queries, url, limit)
    world.grow(MANY - FEW)
    client.get(url)
    many = _count(client, django_assert_max_num_queries, url, limit, many_text)
    assert many == few, f"{url} ran {few} queries with {FEW} rows and {many} with {MANY}"


def test_the_rep_sees_only_their_own_customers_in_every_list(client, people):
    World(people).grow(6)
    _signed_in(client, people["rep"])
    orders = client.get(reverse(ORDERS)).content.decode()
    customers = client.get(reverse(CUSTOMERS)).content.decode()
    # Odd-numbered customers are the rep's, even-numbered the other rep's.
    assert "SO-00005" in orders
    assert "SO-00004" not in orders
    assert "Customer 005" in customers
    assert "Customer 004" not in customers


def test_the_stock_list_sums_each_products_lots(client, people):
    World(people).grow(2)
    _signed_in(client, people["manager"])
    page = client.get(reverse(STOCK), {"q": "SKU-00002"}).content.decode()
    cells = [re.sub(r"<[^>]+>|\s+", " ", cell).strip() for cell in re.findall(r"<td[^>]*>(.*?)</td>", page, re.S)]
    # Lots of 10, 20 and 30 on hand with 0, 1 and 2 allocated: 60 on hand, 3 allocated, 57 free.
    row = cells[cells.index("SKU-00002") :]  # the cells before it are the keyboard shortcuts' help
    assert row[3:7] == ["60", "3", "57", "3"]


def test_the_long_select_draws_the_options_django_would(db):
    from django import forms

    from kit.backoffice import LongSelect

    choices = [("", "All"), (1, "Jade <Noodle> House"), (2, "玉河酒楼")]
    long = LongSelect(choices=choices).render("company", "2", attrs={"id": "id_company"})
    assert long == (
        '<select name="company" id="id_company"><option value="">All</option>'
        '<option value="1">Jade &lt;Noodle&gt; House</option><option value="2" selected>玉河酒楼</option></select>'
    )
    django_select = forms.Select(choices=choices).render("company", "2", attrs={"id": "id_company"})
    assert [line.strip() for line in django_select.splitlines() if "<option" in line] == [
        '<option value="">All</option>',
        '<option value="1">Jade &lt;Noodle&gt; House</option>',
        '<option value="2" selected>玉河酒楼</option>',
    ]


def test_the_order_list_filters_by_a_customer_chosen_from_every_customer(client, people):
    World(people).grow(4)
    _signed_in(client, people["manager"])
    company_id = Order.objects.get(number="SO-00003").company_id
    page = client.get(reverse(ORDERS), {"company": company_id}).content.decode()
    assert f'<option value="{company_id}" selected>Customer 003</option>' in page
    assert "SO-00003" in page
    assert "SO-00004" not in page
