"""catalog.offers decides what a company may order, at what price, and why not, once for every
caller: each reason of the fixed set, in its order, with its one wording."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone
from django.utils.formats import date_format

from accounts.models import LicenceKind
from catalog.models import Assortment, PriceList
from catalog.offers import Refusal, offers_for, snapped
from tests.factories import LicenceFactory, PriceListEntryFactory, PriceListFactory, ProductFactory, category

VET = LicenceKind.VETERINARY_DRUG
VET_LABEL = "Veterinary drug trading licence"


@pytest.fixture
def vet_drugs(db):
    return category("Vet drugs", slug="vet", restricted=True, licence_kind=VET)


def _offer(company, product, quantity=1, **options):
    (offer,) = offers_for(company=company, wanted=[(product, quantity)], **options)
    return offer


def test_an_orderable_product_is_priced_snapped_and_split_into_now_and_backorder(company, make_product):
    product = make_product(price="40.00", stock=10, min_order_quantity=6, order_multiple=6, allow_backorder=True)

    offer = _offer(company, product, 13)

    assert offer.may_order and offer.reason == ""
    assert (offer.requested, offer.quantity) == (13, 18)
    assert (offer.price.unit_price, offer.available, offer.now, offer.backorder) == (Decimal("40.00"), 10, 10, 8)
    assert snapped(product, 13) == 18


def test_each_reason_has_one_wording(company, make_product, vet_drugs):
    inactive = make_product(active=False)
    unpriced = ProductFactory()
    short = make_product(stock=3)
    licensed = make_product(category=vet_drugs)

    offers = offers_for(company=company, wanted=[(inactive, 1), (unpriced, 1), (short, 5), (licensed, 1)])

    assert [(offer.refusal, offer.reason) for offer in offers] == [
        (Refusal.INACTIVE, "No longer sold."),
        (Refusal.NO_PRICE, "No price for you yet; ask your rep."),
        (Refusal.OUT_OF_STOCK, "Only 3 available."),
        (Refusal.LICENCE_MISSING, f"Needs a valid licence on file: {VET_LABEL}."),
    ]


def test_a_product_outside_the_companys_assortment_is_not_offered(company, make_product):
    inside, outside = make_product(), make_product()
    assortment = Assortment.objects.create(name="Acme's")
    assortment.products.add(inside)
    assortment.companies.add(company)

    offers = offers_for(company=company, wanted=[(inside, 1), (outside, 1)])

    assert [offer.refusal for offer in offers] == [None, Refusal.NOT_IN_ASSORTMENT]
    assert offers[1].reason == "Not in your catalog."


def test_an_expired_licence_is_named_with_its_date_and_another_kind_is_said(company, make_product, vet_drugs):
    product = make_product(category=vet_drugs)
    expired_on = timezone.localdate() - timedelta(days=3)
    licence = LicenceFactory(company=company, kind=VET, expires_on=expired_on)

    offer = _offer(company, product)
    assert offer.refusal is Refusal.LICENCE_EXPIRED
    assert offer.reason == (
        f"Your licence on file ({VET_LABEL}) expired on {date_format(expired_on)}; send your rep the renewed one."
    )

    licence.kind = "Food trading licence"
    licence.expires_on = timezone.localdate() + timedelta(days=30)
    licence.save()
    offer = _offer(company, product)
    assert (offer.refusal, offer.reason) == (
        Refusal.LICENCE_WRONG_KIND,
        f"Needs a licence of this kind: {VET_LABEL}; the licences on file are of other kinds.",
    )

    LicenceFactory(company=company, kind=VET, expires_on=timezone.localdate())
    assert _offer(company, product).may_order


def test_the_first_reason_in_the_fixed_order_is_the_one_given(company, vet_drugs):
    # Inactive, needs a licence, has no price and no stock: inactive is what the buyer is told.
    product = ProductFactory(active=False, category=vet_drugs)
    assert _offer(company, product).refusal is Refusal.INACTIVE


def test_the_price_names_the_list_that_set_it(company, make_product):
    product = make_product(price="50.00")
    contract = PriceListFactory(kind=PriceList.Kind.CONTRACT, company=company, name="2026 master agreement")
    PriceListEntryFactory(price_list=contract, product=product, unit_price=Decimal("45.00"))

    price = _offer(company, product).price

    assert (price.unit_price, price.list_label) == (Decimal("45.00"), "Contract · 2026 master agreement")


def test_the_reasons_read_in_chinese(company, make_product, vet_drugs):
    from django.utils import translation

    product = make_product(category=vet_drugs)
    with translation.override("zh-hans"):
        assert _offer(company, product).reason == "需要备案有效的许可证：兽药经营许可证。"
