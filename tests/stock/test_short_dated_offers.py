"""Short-dated offers (catalog.short_dated, priced by catalog.offers, allocated by
catalog.allocation): only the customers named see them, at most the lots' free quantity is sold
at the offer price, the stock comes from the offer's lots, and the usual price is back after
the date or once the lots are gone."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone, translation

from accounts.models import Membership, Notification, NotificationKind
from catalog.allocation import pick
from catalog.models import Allocation, Lot
from catalog.offers import offers_for
from catalog.pricing import OFFER_SOURCE
from catalog.short_dated import OfferError, end_offer, make_offer, offers_for_staff
from ordering.models import OrderLine
from tests.factories import CompanyFactory, MembershipFactory


def _price(company, product, quantity, **options):
    (offer,) = offers_for(company=company, wanted=[(product, quantity)], **options)
    return offer.price


def test_the_customer_named_gets_the_offer_price_up_to_the_lots_free_quantity(offer, company, product, short_lot):
    at_offer = _price(company, product, 10)
    assert (at_offer.unit_price, at_offer.source, at_offer.lot_ids) == (Decimal("60.00"), OFFER_SOURCE, {short_lot.pk})
    assert at_offer.list_label == "Short-dated offer"
    # More than the lots hold: the whole line at the usual price.
    assert _price(company, product, 11).unit_price == Decimal("100.00")


def test_another_company_never_gets_the_offer(offer, other_company, product):
    assert _price(other_company, product, 1).unit_price == Decimal("100.00")


def test_the_usual_price_is_back_after_the_date_when_ended_or_when_the_lots_are_gone(
    offer, company, product, short_lot, staff_manager
):
    assert _price(company, product, 1, on=offer.valid_until).unit_price == Decimal("60.00")
    assert _price(company, product, 1, on=offer.valid_until + timedelta(days=1)).unit_price == Decimal("100.00")

    Lot.objects.filter(pk=short_lot.pk).update(allocated=10)  # sold to others
    assert _price(company, product, 1).unit_price == Decimal("100.00")

    Lot.objects.filter(pk=short_lot.pk).update(allocated=0)
    end_offer(offer=offer, user=staff_manager)
    assert _price(company, product, 1).unit_price == Decimal("100.00")


def test_a_company_wanting_a_long_shelf_life_may_still_take_the_lots_it_was_offered(offer, company, product, short_lot):
    company.min_shelf_life_percent = 50
    company.save()

    (line,) = offers_for(company=company, wanted=[(product, 10)])
    assert line.may_order and line.price.unit_price == Decimal("60.00")

    picks = pick(
        company=company,
        lines=[(product, 10)],
        today=timezone.localdate(),
        preferred_lots={product.pk: offer_lot_ids(offer)},
    )
    assert [(lot.pk, quantity) for lot, quantity in picks.by_product[product.pk]] == [(short_lot.pk, 10)]
    assert picks.from_preferred[product.pk] == 10


def offer_lot_ids(offer):
    return frozenset(offer.lots.values_list("pk", flat=True))


def test_a_placed_order_is_charged_the_offer_price_and_allocated_from_the_offer_lots(
    offer, company, product, short_lot, place_order
):
    order = place_order(company=company, product=product, quantity=4)

    line = OrderLine.objects.get(order=order)
    assert (line.unit_price, line.price_source, line.line_total) == (Decimal("60.00"), OFFER_SOURCE, Decimal("240.00"))
    assert order.total == Decimal("240.00")  # what credit and approval read
    allocations = Allocation.objects.filter(order_line_id=line.pk)
    assert [(a.lot_id, a.quantity) for a in allocations] == [(short_lot.pk, 4)]
    # The rest of the lot is what is left at the offer price.
    assert _price(company, product, 6).unit_price == Decimal("60.00")
    assert _price(company, product, 7).unit_price == Decimal("100.00")


def test_without_an_offer_the_usual_lots_are_picked_first_expiry_first(company, product, short_lot, place_order):
    order = place_order(company=company, product=product, quantity=4)

    line = OrderLine.objects.get(order=order)
    assert line.unit_price == Decimal("100.00")
    assert list(Allocation.objects.filter(order_line_id=line.pk).values_list("lot_id", flat=True)) == [short_lot.pk]


def test_the_customers_buyers_and_admins_are_told_in_both_languages(product, short_lot, company, staff_manager):
    buyer = MembershipFactory(company=company, role=Membership.Role.BUYER).user
    finance = MembershipFactory(company=company, role=Membership.Role.FINANCE).user

    offer = make_offer(
        product=product,
        lots=[short_lot],
        companies=[company],
        unit_price=Decimal("60.00"),
        currency="CNY",
        valid_until=timezone.localdate() + timedelta(days=4),
        user=staff_manager,
    )

    notification = Notification.objects.get(user=buyer)
    assert notification.kind == NotificationKind.SHORT_DATED_OFFER
    assert notification.company_id == company.pk
    assert notification.params["product"] == {"en": "Beef mince", "zh": "牛肉末"}
    assert notification.url == f"/portal/catalog/products/{product.sku}/"
    assert not Notification.objects.filter(user=finance).exists()
    assert notification.title == "Offer for you: Beef mince at ¥60.00"
    assert notification.body.startswith(f"Beef mince from lot SD1 at ¥60.00 until {offer.valid_until:%-d %b %Y}")
    with translation.override("zh-hans"):
        assert "牛肉末" in notification.title


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({"valid_until_days": 7}, "valid_until", "The offer must end by"),
        ({"valid_until_days": -1}, "valid_until", "The offer cannot end in the past."),
        ({"unit_price": Decimal("0")}, "unit_price", "Enter an offer price above zero."),
        ({"companies": []}, "companies", "Choose at least one customer."),
        ({"lots": []}, "lots", "Choose at least one lot."),
        ({"currency": "USD"}, "companies", "buys in CNY"),
    ],
)
def test_bad_offers_are_refused_naming_the_field_and_nothing_is_saved(
    product, short_lot, company, staff_manager, change, field, message
):
    arguments = {
        "product": product,
        "lots": change.get("lots", [short_lot]),
        "companies": change.get("companies", [company]),
        "unit_price": change.get("unit_price", Decimal("60.00")),
        "currency": change.get("currency", "CNY"),
        "valid_until": timezone.localdate() + timedelta(days=change.get("valid_until_days", 4)),
        "user": staff_manager,
    }
    with pytest.raises(OfferError) as refused:
        make_offer(**arguments)
    assert refused.value.field == field and message in str(refused.value)
    assert not offers_for_staff(staff_manager).exists()


def test_a_rep_offers_only_to_their_own_customers_and_sees_only_those_offers(
    product, short_lot, company, other_company, staff_sales_rep, offer
):
    company.sales_rep = staff_sales_rep
    company.save()

    with pytest.raises(OfferError) as refused:
        make_offer(
            product=product,
            lots=[short_lot],
            companies=[company, other_company],
            unit_price=Decimal("60.00"),
            currency="CNY",
            valid_until=timezone.localdate() + timedelta(days=4),
            user=staff_sales_rep,
        )
    assert refused.value.field == "companies" and "Other Catering is not one of your customers." in str(refused.value)

    mine = make_offer(
        product=product,
        lots=[short_lot],
        companies=[company],
        unit_price=Decimal("55.00"),
        currency="CNY",
        valid_until=timezone.localdate() + timedelta(days=4),
        user=staff_sales_rep,
    )
    unrelated = CompanyFactory()
    offer.companies.set([unrelated])
    assert list(offers_for_staff(staff_sales_rep)) == [mine]
