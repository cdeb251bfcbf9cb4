""" "Your usual order": the products in at least half of the last orders at their median
quantity, priced by today's offer (refused lines left out with the reason), kept within the
credit available; one click into the cart through ordering's cart service; only the active
company's history, only for people who may order."""

from datetime import date
from decimal import Decimal

import pytest
from django.urls import reverse

from accounts.models import CreditAccount
from ordering.models import CartLine
from ordering.services import CreditPicture
from portal.rhythm.usual import regular_products, usual_order

TODAY = date(2026, 12, 7)
pytestmark = pytest.mark.django_db


def _credit(company, used="0.00", prepay=False):
    return CreditPicture(
        limit=company.credit_limit, used=Decimal(used), this_order=Decimal("0"), overdue=False, prepay=prepay
    )


def test_regular_products_and_their_median_quantity():
    rows = [(1, 10, 2), (2, 10, 3), (3, 10, 3), (4, 10, 10), (1, 20, 1), (2, 20, 2), (3, 30, 5), (3, 30, 1)]
    # Product 10 in 4 of 4 orders: median of 2, 3, 3, 10 = 3; product 20 in 2 of 4: 1.5 → 2;
    # product 30 in one order only (two lines of it count as one order, 6 in all): not regular.
    assert regular_products(rows, orders=4) == {10: (3, 4), 20: (2, 2)}
    # Five orders: at least three needed.
    assert regular_products(rows, orders=5) == {10: (3, 4)}


@pytest.fixture
def usual_world(company, history, make_product):
    staple = make_product(price="50.00", tax_rate="10.00", sku="FZ-STAPLE")
    sauce = make_product(price="20.00", tax_rate="0", sku="CH-SAUCE")
    once = make_product(price="5.00", tax_rate="0", sku="AM-ONCE")
    history(company, days_ago=[3], today=TODAY, lines=[(staple, 2), (sauce, 1), (once, 4)])
    history(company, days_ago=[10], today=TODAY, lines=[(staple, 4)])
    history(company, days_ago=[17], today=TODAY, lines=[(staple, 4), (sauce, 3)])
    return {"staple": staple, "sauce": sauce, "once": once}


def test_usual_order_priced_by_todays_offer(company, usual_world):
    usual = usual_order(company, credit=_credit(company))
    assert [(line.product.sku, line.quantity) for line in usual.lines] == [("FZ-STAPLE", 4), ("CH-SAUCE", 2)]
    # 4 × 50.00 + 10% tax = 220.00; 2 × 20.00 = 40.00
    assert [line.amount for line in usual.lines] == [Decimal("220.00"), Decimal("40.00")]
    assert usual.total == Decimal("260.00") and usual.left_out == []


def test_a_line_the_offer_refuses_is_left_out_with_its_reason(company, usual_world):
    usual_world["sauce"].active = False
    usual_world["sauce"].save()
    usual = usual_order(company, credit=_credit(company))
    assert [line.product.sku for line in usual.lines] == ["FZ-STAPLE"]
    assert [(line.sku, bool(line.reason)) for line in usual.left_out] == [("CH-SAUCE", True)]


def test_out_of_stock_is_left_out(company, usual_world, make_product):
    from catalog.models import Lot

    Lot.objects.filter(product=usual_world["staple"]).update(on_hand=1)
    usual = usual_order(company, credit=_credit(company))
    assert [line.sku for line in usual.left_out] == ["FZ-STAPLE"]
    assert "available" in usual.left_out[0].reason


def test_trimmed_to_the_available_credit(company, usual_world):
    company.credit_limit = Decimal("1000.00")
    # 1000 − 800 = 200 available: the staple (220.00) would go over; the sauce (40.00) fits.
    usual = usual_order(company, credit=_credit(company, used="800.00"))
    assert [line.product.sku for line in usual.lines] == ["CH-SAUCE"]
    assert usual.available == Decimal("200.00")
    [left] = usual.left_out
    assert left.sku == "FZ-STAPLE" and "would go over your available credit" in left.reason
    assert "¥200.00 left" in left.reason


def test_prepaid_customers_are_not_trimmed(company, usual_world):
    usual = usual_order(company, credit=_credit(company, used="999999.00", prepay=True))
    assert len(usual.lines) == 2 and usual.available is None


def test_no_usual_order_from_one_order(company, history, make_product):
    history(company, days_ago=[3], today=TODAY, lines=[(make_product(), 2)])
    assert usual_order(company, credit=_credit(company)) is None


def test_home_shows_it_and_one_click_fills_the_cart(client, company, buyer, usual_world):
    client.force_login(buyer)
    home = client.get(reverse("portal:home")).content.decode()
    assert 'data-testid="home-usual-order"' in home and "FZ-STAPLE" in home
    response = client.post(reverse("rhythm:add_usual_order"))
    assert response.status_code == 302 and response.url == reverse("ordering:cart")
    lines = dict(CartLine.objects.filter(cart__user=buyer).values_list("product__sku", "quantity"))
    assert lines == {"FZ-STAPLE": 4, "CH-SAUCE": 2}


def test_left_out_lines_are_said_when_adding(client, company, buyer, usual_world):
    CreditAccount.objects.update_or_create(company=company, defaults={"open_invoices": company.credit_limit - 100})
    client.force_login(buyer)
    response = client.post(reverse("rhythm:add_usual_order"), follow=True)
    text = response.content.decode()
    assert "would go over your available credit" in text
    assert list(CartLine.objects.filter(cart__user=buyer).values_list("product__sku", flat=True)) == ["CH-SAUCE"]


def test_finance_does_not_see_it(client, company, company_finance, usual_world):
    client.force_login(company_finance)
    assert 'data-testid="home-usual-order"' not in client.get(reverse("portal:home")).content.decode()
    assert client.post(reverse("rhythm:add_usual_order")).status_code == 403


def test_another_companys_history_is_not_theirs(client, outsider, usual_world):
    """Tenancy: the outsider's home and button read only their own company's orders."""
    client.force_login(outsider)
    assert "FZ-STAPLE" not in client.get(reverse("portal:home")).content.decode()
    client.post(reverse("rhythm:add_usual_order"))
    assert not CartLine.objects.filter(cart__user=outsider).exists()


@pytest.mark.parametrize("orders", [3, 12])
def test_home_queries_do_not_grow_with_history(
    client, company, buyer, history, make_product, orders, django_assert_max_num_queries
):
    products = [make_product() for _ in range(4)]
    history(company, days_ago=range(1, orders + 1), today=TODAY, lines=[(product, 2) for product in products])
    client.force_login(buyer)
    with django_assert_max_num_queries(22):
        assert "home-usual-order" in client.get(reverse("portal:home")).content.decode()
