"""Checkout: what the buyer sees before placing (prices and sources, availability, credit, what
happens next), one order per checkout however often it is posted, refusals in plain words with
nothing saved."""

import re
import uuid
from datetime import timedelta
from decimal import Decimal

import pytest
from django.contrib.auth.models import Group
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format

from accounts import roles
from accounts.models import CreditAccount, Membership
from catalog.models import Lot, PriceListEntry
from ordering import services
from ordering.models import ApprovalRule, Order, OrderState
from tests.factories import AddressFactory

CHECKOUT = reverse("ordering:checkout")
HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def signed_in(client, buyer):
    client.force_login(buyer)
    return client


@pytest.fixture
def cart(buyer, company):
    return services.cart_for(user=buyer, company=company)


@pytest.fixture
def wings(cart, make_product):
    product = make_product(sku="FZ-1001", name_en="Chicken wings", price="100.00", tax_rate="13.00")
    services.add_to_cart(cart=cart, product=product, quantity=3)
    return product


def _form(response) -> dict:
    """What the checkout page would post back, as the browser would send it."""
    html = response.content.decode()
    key = re.search(r'name="idempotency_key" value="([^"]+)"', html)[1]
    total = re.search(r'name="expected_total" value="([^"]+)"', html)[1]
    ship_to = re.search(r'name="ship_to" value="(\d+)"[^>]*checked', html)
    return {
        "idempotency_key": key,
        "expected_total": total,
        "ship_to": ship_to[1] if ship_to else "",
        "po_number": "PO-77",
        "requested_delivery_date": (timezone.localdate() + timedelta(days=2)).isoformat(),
        "notes": "Back door",
    }


def test_an_empty_cart_goes_back_to_the_cart(signed_in):
    response = signed_in.get(CHECKOUT)
    assert response.url == reverse("ordering:cart")


def test_the_page_shows_prices_with_their_source_tax_total_and_availability(
    signed_in, cart, wings, make_product, ship_to
):
    partly = make_product(sku="FZ-2002", stock=8, allow_backorder=True, temperature_zone="frozen")
    services.add_to_cart(cart=cart, product=partly, quantity=12)
    html = signed_in.get(CHECKOUT).content.decode()
    assert "¥100.00" in html and "List" in html  # unit price and where it comes from
    assert "¥1,500.00" in html  # subtotal: 3 × 100 + 12 × 100
    assert "¥195.00" in html  # tax at 13%
    assert "¥1,695.00" in html and "CNY" in html
    assert "Yes" in html
    assert "Partly: 8 now, 4 backordered" in html


def test_the_default_shipping_address_is_preselected_and_billing_addresses_are_not_offered(
    signed_in, company, wings, ship_to
):
    other = AddressFactory(company=company, label="Warehouse 2", line1="9 Dock Road")
    AddressFactory(company=company, kind="billing", line1="1 Finance Street")
    response = signed_in.get(CHECKOUT)
    assert _form(response)["ship_to"] == str(ship_to.pk)
    html = response.content.decode()
    assert "9 Dock Road" in html and str(other.pk) in html
    assert "1 Finance Street" not in html


def test_the_credit_picture_in_plain_words(signed_in, company, wings, ship_to):
    company.credit_limit = Decimal("5000.00")
    company.save()
    CreditAccount.objects.create(company=company, open_invoices=Decimal("1000.00"))
    html = signed_in.get(CHECKOUT).content.decode()
    for words in ("Credit limit", "¥5,000.00", "¥1,000.00", "This order", "¥339.00", "Available after this order"):
        assert words in html
    assert "¥3,661.00" in html
    assert "We confirm the order → we pick it → we deliver it" in html


def test_over_credit_says_it_goes_on_credit_hold_not_refused_and_places_it_so(signed_in, company, wings, ship_to):
    company.credit_limit = Decimal("200.00")
    company.save()
    page = signed_in.get(CHECKOUT)
    html = page.content.decode()
    assert "goes on credit hold for our finance team to review. It is not refused" in html
    assert "This order is more than the ¥200.00 you have available." in html
    response = signed_in.post(CHECKOUT, _form(page))
    order = Order.objects.get()
    assert response.url == f"/portal/orders/{order.number}/"
    assert order.state == OrderState.CREDIT_HOLD


def test_a_prepaying_company_is_told_so(signed_in, company, wings, ship_to):
    company.credit_limit = Decimal("0.00")
    company.save()
    html = signed_in.get(CHECKOUT).content.decode()
    assert "Your account is prepaid: finance confirms the order once it is paid." in html


def test_an_overdue_invoice_is_named(signed_in, company, wings, ship_to):
    CreditAccount.objects.create(company=company, oldest_unpaid_due_date=timezone.localdate() - timedelta(days=10))
    html = signed_in.get(CHECKOUT).content.decode()
    assert "You have an invoice overdue beyond your grace days." in html
    assert "An invoice is overdue beyond your grace days, so the order goes on credit hold" in html


def test_above_the_spending_limit_the_approver_is_named(signed_in, buyer, approver, company, wings, ship_to):
    Membership.objects.filter(user=buyer, company=company).update(spending_limit=Decimal("100.00"))
    html = signed_in.get(CHECKOUT).content.decode()
    assert f"above your spending limit of ¥100.00, so your approver ({approver}) approves it first" in html


def test_a_staff_approval_rule_that_applies_is_named(signed_in, wings, ship_to):
    ApprovalRule.objects.create(
        name="Big",
        condition="total_at_least",
        amount=Decimal("300"),
        approver_group=Group.objects.get(name=roles.FINANCE),
    )
    assert "Our team checks it first (Order total is at least ¥300.00)." in signed_in.get(CHECKOUT).content.decode()


def test_placing_the_order_records_the_checkout_and_lands_on_the_order(signed_in, buyer, cart, wings, ship_to):
    form = _form(signed_in.get(CHECKOUT))
    response = signed_in.post(CHECKOUT, form)
    order = Order.objects.get()
    assert response.status_code == 302
    assert response.url == reverse("ordering:order_detail", args=[order.number]) == f"/portal/orders/{order.number}/"
    assert (order.po_number, order.ship_to, order.notes, str(order.idempotency_key)) == (
        "PO-77",
        ship_to,
        "Back door",
        form["idempotency_key"],
    )
    assert order.requested_delivery_date == timezone.localdate() + timedelta(days=2)
    assert order.total == Decimal("339.00")
    assert not cart.lines.exists()


def test_a_double_post_of_the_same_checkout_places_one_order(signed_in, wings, ship_to):
    form = _form(signed_in.get(CHECKOUT))
    first = signed_in.post(CHECKOUT, form)
    second = signed_in.post(CHECKOUT, form)
    assert Order.objects.count() == 1
    assert first.url == second.url == f"/portal/orders/{Order.objects.get().number}/"
    assert Lot.objects.get(product=wings).allocated == 3


def test_each_time_the_page_is_shown_it_is_a_new_checkout(signed_in, wings, ship_to):
    assert _form(signed_in.get(CHECKOUT))["idempotency_key"] != _form(signed_in.get(CHECKOUT))["idempotency_key"]
    uuid.UUID(_form(signed_in.get(CHECKOUT))["idempotency_key"])


def test_a_price_that_changed_since_the_page_was_shown_shows_the_new_quote_and_places_nothing(
    signed_in, wings, ship_to
):
    form = _form(signed_in.get(CHECKOUT))
    PriceListEntry.objects.filter(product=wings).update(unit_price=Decimal("110.00"))
    response = signed_in.post(CHECKOUT, form)
    assert response.status_code == 200
    html = response.content.decode()
    assert "Prices or availability changed since you looked: the total is now ¥372.90." in html
    assert 'data-testid="error-summary"' in html
    assert "¥372.90" in html
    assert not Order.objects.exists()
    again = _form(response)
    assert again["expected_total"] == "372.90"
    assert again["idempotency_key"] == form["idempotency_key"]
    assert 'value="PO-77"' in html  # what the buyer typed is kept
    signed_in.post(CHECKOUT, {**form, "expected_total": again["expected_total"]})
    assert Order.objects.get().total == Decimal("372.90")


def test_a_posted_price_or_total_cannot_lower_the_order(signed_in, wings, ship_to):
    form = _form(signed_in.get(CHECKOUT))
    response = signed_in.post(CHECKOUT, {**form, "expected_total": "1.00", "unit_price": "0.01", "total": "1.00"})
    assert response.status_code == 200
    assert "the total is now ¥339.00" in response.content.decode()
    assert not Order.objects.exists()


def test_stock_gone_since_the_cart_is_refused_in_plain_words_and_nothing_is_saved(signed_in, wings, ship_to):
    form = _form(signed_in.get(CHECKOUT))
    Lot.objects.filter(product=wings).update(on_hand=2)
    response = signed_in.post(CHECKOUT, form)
    assert response.status_code == 200
    html = response.content.decode()
    assert "There is a problem" in html
    assert "FZ-1001: Only 2 available." in html
    assert not Order.objects.exists()
    assert re.search(r'<button type="submit" class="btn btn-primary btn-lg[^"]*" disabled>', html)


def test_a_delivery_date_in_the_past_is_refused_and_what_was_typed_is_kept(signed_in, wings, ship_to):
    form = _form(signed_in.get(CHECKOUT))
    response = signed_in.post(
        CHECKOUT, {**form, "requested_delivery_date": (timezone.localdate() - timedelta(days=1)).isoformat()}
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "The delivery date is in the past; choose today or a later day." in html
    assert 'href="#id_requested_delivery_date"' in html
    assert ">\nBack door</textarea>" in html  # what the buyer typed is kept
    assert not Order.objects.exists()


def test_another_companys_address_is_refused(signed_in, other_company, wings, ship_to):
    theirs = AddressFactory(company=other_company)
    response = signed_in.post(CHECKOUT, {**_form(signed_in.get(CHECKOUT)), "ship_to": theirs.pk})
    assert "Choose one of your company&#x27;s delivery addresses." in response.content.decode()
    assert not Order.objects.exists()


def test_a_mangled_page_is_shown_again_with_a_fresh_key(signed_in, wings, ship_to):
    form = _form(signed_in.get(CHECKOUT))
    response = signed_in.post(CHECKOUT, {**form, "idempotency_key": "not-a-key", "expected_total": "lots"})
    html = response.content.decode()
    assert "This page was out of date. Check your order below and place it again." in html
    uuid.UUID(_form(response)["idempotency_key"])
    assert _form(response)["expected_total"] == "339.00"
    assert not Order.objects.exists()


def test_a_company_without_a_delivery_address_cannot_place_yet(signed_in, wings):
    html = signed_in.get(CHECKOUT).content.decode()
    assert "Your company has no delivery address on file." in html
    assert re.search(r'<button type="submit" class="btn btn-primary btn-lg[^"]*" disabled>', html)


def test_with_htmx_success_redirects_the_browser_and_a_refusal_swaps_the_form(signed_in, wings, ship_to):
    form = _form(signed_in.get(CHECKOUT))
    refused = signed_in.post(CHECKOUT, {**form, "requested_delivery_date": "2000-01-01"}, **HTMX)
    assert refused.status_code == 200
    assert refused.content.decode().lstrip().startswith('<div id="checkout"')
    placed = signed_in.post(CHECKOUT, form, **HTMX)
    assert placed["HX-Redirect"] == f"/portal/orders/{Order.objects.get().number}/"


def test_the_checkout_page_runs_the_same_queries_for_2_or_10_lines(
    signed_in, cart, make_product, ship_to, django_assert_max_num_queries
):
    for _ in range(2):
        services.add_to_cart(cart=cart, product=make_product(), quantity=1)
    signed_in.get(CHECKOUT)
    with django_assert_max_num_queries(20) as few:
        assert signed_in.get(CHECKOUT).status_code == 200
    for _ in range(8):
        services.add_to_cart(cart=cart, product=make_product(), quantity=1)
    signed_in.get(CHECKOUT)  # new products moved the catalog version: its cached reads are read again once
    with django_assert_max_num_queries(20) as many:
        assert len(signed_in.get(CHECKOUT).context["quote"].lines) == 10
    assert len(many.captured_queries) == len(few.captured_queries)


def test_placing_runs_the_same_queries_for_2_or_10_lines(signed_in, cart, make_product, ship_to):
    def place(lines: int) -> int:
        for _ in range(lines):
            services.add_to_cart(cart=cart, product=make_product(), quantity=1)
        form = _form(signed_in.get(CHECKOUT))
        with CaptureQueriesContext(connection) as placing:
            assert signed_in.post(CHECKOUT, form).status_code == 302
        return len(placing.captured_queries)

    place(1)  # the first order also creates the company's credit account and the year's numbering
    assert place(2) == place(10)
    assert [order.lines.count() for order in Order.objects.order_by("pk")] == [1, 2, 10]
    assert Order.objects.filter(state=OrderState.APPROVED).count() == 3


def test_a_delivery_date_more_than_a_year_ahead_is_refused_with_the_last_day_named(signed_in, wings, ship_to):
    form = _form(signed_in.get(CHECKOUT))
    latest = timezone.localdate() + timedelta(days=365)

    refused = signed_in.post(CHECKOUT, {**form, "requested_delivery_date": "9999-12-31"})

    assert refused.status_code == 200
    assert f"choose a day until {date_format(latest)}" in refused.content.decode()
    assert not Order.objects.exists()
    placed = signed_in.post(CHECKOUT, {**form, "requested_delivery_date": latest.isoformat()})
    assert placed.status_code == 302
    assert Order.objects.get().requested_delivery_date == latest
