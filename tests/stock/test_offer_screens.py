"""The back office's short-dated offers: made from the dashboard's prefilled link, listed, ended;
a rep names and sees only their own customers."""

import re
from datetime import timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from catalog.models import ShortDatedOffer
from tests.factories import with_second_factor

INDEX = reverse("stock_offers:index")


def _make_url(product, short_lot, *companies):
    ids = ",".join(str(company.pk) for company in companies)
    return reverse("stock_offers:make", args=[product.pk]) + f"?lots={short_lot.pk}&companies={ids}"


def _post(client, product, short_lot, companies, **fields):
    data = {
        "lots": [short_lot.pk],
        "companies": [company.pk for company in companies],
        "unit_price": "60.00",
        "currency": "CNY",
        "valid_until": (timezone.localdate() + timedelta(days=3)).isoformat(),
        **fields,
    }
    return client.post(reverse("stock_offers:make", args=[product.pk]), data)


@pytest.fixture
def rep_client(client, staff_sales_rep, company):
    company.sales_rep = staff_sales_rep
    company.save()
    client.force_login(with_second_factor(staff_sales_rep))
    return client


def test_the_form_comes_prefilled_and_makes_the_offer(rep_client, product, short_lot, company):
    page = rep_client.get(_make_url(product, short_lot, company)).content.decode()
    assert re.search(rf'<input type="checkbox" name="lots" value="{short_lot.pk}"[^>]* checked>', page)
    assert f'<option value="{company.pk}" selected>' in page

    response = _post(rep_client, product, short_lot, [company])

    assert response.status_code == 302 and response.url == INDEX
    offer = ShortDatedOffer.objects.get()
    assert (offer.unit_price, list(offer.companies.all()), list(offer.lots.all())) == (
        Decimal("60.00"),
        [company],
        [short_lot],
    )
    listing = rep_client.get(INDEX).content.decode()
    assert "SD1" in listing and "Acme Foods" in listing and "¥60.00" in listing


def test_a_rep_cannot_name_another_reps_customer_and_nothing_is_saved(
    rep_client, product, short_lot, company, other_company
):
    response = _post(rep_client, product, short_lot, [company, other_company])

    assert response.status_code == 200
    assert "Customers:" in response.content.decode()
    assert not ShortDatedOffer.objects.exists()
    assert f'<option value="{other_company.pk}"' not in response.content.decode()


def test_an_offer_past_the_lots_expiry_is_refused_naming_the_field(rep_client, product, short_lot, company):
    late = (short_lot.expiry_date + timedelta(days=1)).isoformat()
    response = _post(rep_client, product, short_lot, [company], valid_until=late)

    assert "Valid until: The offer must end by" in response.content.decode()
    assert not ShortDatedOffer.objects.exists()


def test_a_rep_sees_and_ends_only_offers_to_their_customers(
    rep_client, offer, product, short_lot, company, other_company, staff_manager
):
    theirs = ShortDatedOffer.objects.create(
        product=product,
        unit_price=Decimal("50.00"),
        currency="CNY",
        valid_until=offer.valid_until,
        created_by=staff_manager,
    )
    theirs.companies.set([other_company])

    listing = rep_client.get(INDEX).content.decode()
    assert f'data-offer="{offer.pk}"' in listing and f'data-offer="{theirs.pk}"' not in listing
    assert rep_client.post(reverse("stock_offers:end", args=[theirs.pk])).status_code == 404

    rep_client.post(reverse("stock_offers:end", args=[offer.pk]))
    offer.refresh_from_db()
    assert offer.ended_at is not None


def test_the_warehouse_makes_no_offers(client, staff_warehouse, product, short_lot, company):
    client.force_login(with_second_factor(staff_warehouse))
    assert client.get(INDEX).status_code == 302
    assert _post(client, product, short_lot, [company]).status_code == 302
    assert not ShortDatedOffer.objects.exists()
