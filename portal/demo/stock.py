"""The stock dashboard's story (the last seeding step): the shipped-units rollup rebuilt from the
back-dated history, a short-dated lot of a product Bayside Seafood Bistro usually buys, offered to
the customers who usually buy it (Bayside among them, so its demo logins see the badge), and the
slow movers the history left (noted in the report)."""

from datetime import timedelta
from decimal import ROUND_HALF_UP, Decimal

from django.utils import timezone

from accounts.models import Company, User
from catalog.models import Location, Lot, Product, ShortDatedOffer
from catalog.pricing import price_book
from catalog.services import Receipt, receive_stock
from catalog.shipped import rebuild_shipped_months
from catalog.short_dated import make_offer
from ordering.models import OrderLine
from portal.dashboards import stock_figures

from .data import STAFF
from .people import SeedReport, company_by_key

OFFER_COMPANY = "bayside"
SHORT_DATED_LOT = "SD-DEMO-1"
SHORT_DATED_UNITS = 24
SHORT_DATED_DAYS = 10  # the lot expires in ten days; the offer ends three days before
OFFER_DISCOUNT = Decimal("0.70")  # 30 % off the customer's usual price


def seed_stock(report: SeedReport) -> None:
    today = timezone.localdate()
    rebuild_shipped_months()
    company = company_by_key(OFFER_COMPANY)
    product = _usual_product(company, today)
    if product is not None:
        lot = _short_dated_lot(report, product, today)
        _offer(report, product, lot, company, today)
    stock_figures.refresh(today=today)
    slow = stock_figures.slow_movers(months=3, day=today)
    report.insight.append(
        f"{len(slow)} slow movers, lot {SHORT_DATED_LOT} offered to {company.display_name} and its fellow buyers"
    )


def _usual_product(company: Company, today) -> Product | None:
    """The product the company ordered most often lately that it has a price for and that is kept
    in a location of its zone."""
    seeded = Lot.objects.filter(number=SHORT_DATED_LOT).select_related("product").first()
    if seeded is not None:  # a re-run keeps the first run's choice
        return seeded.product
    since = today - timedelta(days=stock_figures.USUAL_BUYER_DAYS)
    ranked = (
        OrderLine.objects.filter(order__company=company, order__placed_at__date__gte=since, product__active=True)
        .values_list("product_id", flat=True)
        .order_by()
    )
    counts: dict[int, int] = {}
    for product_id in ranked:
        counts[product_id] = counts.get(product_id, 0) + 1
    book = price_book(company=company, product_ids=list(counts), on=today)
    zones = set(Location.objects.values_list("zone", flat=True))
    for product_id in sorted(counts, key=lambda pk: (-counts[pk], pk)):
        product = Product.objects.get(pk=product_id)
        if book.price(product_id, 1) is not None and product.temperature_zone in zones:
            return product
    return None


def _short_dated_lot(report: SeedReport, product: Product, today) -> Lot:
    lot = Lot.objects.filter(product=product, number=SHORT_DATED_LOT).first()
    if lot is None:
        location = Location.objects.filter(zone=product.temperature_zone).order_by("pk").first()
        receipt = Receipt(
            product=product,
            lot_number=SHORT_DATED_LOT,
            expiry_date=today + timedelta(days=SHORT_DATED_DAYS),
            quantity=SHORT_DATED_UNITS,
            location=location,
        )
        receive_stock(receipts=[receipt], user=_staff("warehouse"), reference="DEMO-SHORT-DATED")
        lot = Lot.objects.get(product=product, number=SHORT_DATED_LOT)
        report.record(lot, True)
    return lot


def _offer(report: SeedReport, product: Product, lot: Lot, company: Company, today) -> None:
    if ShortDatedOffer.objects.filter(lots=lot).exists():
        return
    buyers = stock_figures.usual_buyers(product_ids={product.pk}, today=today, companies=Company.objects.all())
    companies = {company.pk: company}
    for company_id, _name, _orders in buyers.get(product.pk, []):
        companies.setdefault(company_id, Company.objects.get(pk=company_id))
    named = [c for c in companies.values() if c.currency == company.currency and c.is_active]
    usual = price_book(company=company, product_ids=[product.pk], on=today).price(product.pk, 1)
    offer = make_offer(
        product=product,
        lots=[lot],
        companies=named,
        unit_price=(usual.unit_price * OFFER_DISCOUNT).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP),
        currency=usual.currency,
        valid_until=today + timedelta(days=SHORT_DATED_DAYS - 3),
        user=_staff("manager"),
        today=today,
    )
    report.record(offer, True)


def _staff(key: str) -> User:
    return User.objects.get(email=next(row["email"] for row in STAFF if row["key"] == key))
