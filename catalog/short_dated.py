"""Short-dated offers: a price for named lots of one product, until a date, for named customers.

Verbs: `make_offer()` (a manager, or a rep for their own customers) and `end_offer()`. Reads:
`short_dated_for()` answers, for a company and some products, the open offer of each with the
lots' free quantity now; catalog.offers prices lines with it (the one home of what may be
ordered at what price) and catalog.allocation takes the stock from its lots.

Rules: the lots are of the offer's product, not on quality hold and not expired; the offer ends
no later than the first of their expiry dates; the customers are ones the maker serves
(`companies_for_staff`) and buy in the offer's currency. A lot is sellable under the offer while
it has not expired (its expiry date is after the day), so on its expiry date the usual price is
back. Each customer's company admins and buyers are told (NotificationKind.SHORT_DATED_OFFER).
"""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.core.cache import cache
from django.db import transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.caching import forget_now_and_on_commit
from accounts.models import Company, Membership, NotificationKind
from accounts.selectors import companies_for_staff
from accounts.services import notify
from kit import phrases

from .models import Lot, Product, ShortDatedOffer
from .pricing import OFFER_SOURCE, Price
from .selectors import CATALOG_CACHE_TIMEOUT


class OfferError(ValueError):
    """A short-dated offer that breaks a rule: `field` names the form field, the message says why."""

    def __init__(self, field: str, message: str):
        super().__init__(message)
        self.field = field


@dataclass(frozen=True)
class OfferLot:
    pk: int
    number: str
    expiry_date: date
    free: int  # on hand, not allocated (0 once held or expired)


@dataclass(frozen=True)
class ShortDated:
    """One open offer as a company sees it on a day."""

    offer_id: int
    product_id: int
    unit_price: Decimal
    currency: str
    valid_until: date
    lots: tuple[OfferLot, ...]

    @property
    def free(self) -> int:
        """What may still be ordered at the offer price."""
        return sum(lot.free for lot in self.lots)

    @property
    def price(self) -> Price:
        """The offer price as a line carries it (no price list: `price_list_id` None)."""
        return Price(
            unit_price=self.unit_price,
            currency=self.currency,
            source=OFFER_SOURCE,
            price_list_id=None,
            min_quantity=1,
            lot_ids=self.lot_ids,
        )

    @property
    def lot_ids(self) -> frozenset[int]:
        return frozenset(lot.pk for lot in self.lots)

    @property
    def lot_numbers(self) -> str:
        return ", ".join(lot.number for lot in self.lots if lot.free)

    @property
    def expiry_date(self) -> date | None:
        """The first expiry among the lots still holding stock."""
        return min((lot.expiry_date for lot in self.lots if lot.free), default=None)


# --- Reads ------------------------------------------------------------------------------------


def _company_key(company_id: int) -> str:
    return f"catalog:short_dated:{company_id}"


def _open_offers(company: Company) -> tuple:
    """(offer id, product id, price, currency, valid until, lot ids) of the company's offers not
    ended, kept in the shared cache until an offer for it is made or ended: a company without
    offers costs no query."""
    key = _company_key(company.pk)
    offers = cache.get(key)
    if offers is None:
        rows = list(
            ShortDatedOffer.objects.filter(companies=company, ended_at__isnull=True).order_by("-created_at", "-pk")
        )
        lots = {row.pk: () for row in rows}
        if rows:
            through = ShortDatedOffer.lots.through.objects.filter(shortdatedoffer_id__in=lots)
            for offer_id, lot_id in through.values_list("shortdatedoffer_id", "lot_id"):
                lots[offer_id] += (lot_id,)
        offers = tuple(
            (row.pk, row.product_id, row.unit_price, row.currency, row.valid_until, lots[row.pk]) for row in rows
        )
        cache.set(key, offers, CATALOG_CACHE_TIMEOUT)
    return offers


def forget_company_offers(company_ids) -> None:
    forget_now_and_on_commit([_company_key(company_id) for company_id in company_ids])


def short_dated_for(*, company: Company, product_ids, on: date) -> dict[int, ShortDated]:
    """The open offer of each product (the newest, if several) for the company on the day, with
    its lots' free quantity now: no query when the company has no offer for these products,
    else one (the lots)."""
    wanted = set(product_ids)
    current = {}
    for offer_id, product_id, price, currency, valid_until, lot_ids in _open_offers(company):
        if product_id in wanted and product_id not in current and valid_until >= on and currency == company.currency:
            current[product_id] = (offer_id, price, currency, valid_until, lot_ids)
    if not current:
        return {}
    all_lots = {lot_id for *_rest, lot_ids in current.values() for lot_id in lot_ids}
    lots = {
        pk: OfferLot(pk, number, expiry, max(free, 0) if held is None and expiry > on else 0)
        for pk, number, expiry, free, held in Lot.objects.filter(pk__in=all_lots)
        .annotate(free=F("on_hand") - F("allocated"))
        .values_list("pk", "number", "expiry_date", "free", "held_at")
    }
    return {
        product_id: ShortDated(
            offer_id=offer_id,
            product_id=product_id,
            unit_price=price,
            currency=currency,
            valid_until=valid_until,
            lots=tuple(sorted((lots[pk] for pk in lot_ids if pk in lots), key=lambda lot: (lot.expiry_date, lot.pk))),
        )
        for product_id, (offer_id, price, currency, valid_until, lot_ids) in current.items()
    }


def offers_for_staff(user):
    """The offers a staff member sees: a rep's name only their own customers (an offer is shown
    if it names one of them, with only those customers listed)."""
    offers = ShortDatedOffer.objects.select_related("product", "created_by", "ended_by")
    if user.has_perm("accounts.view_all_companies"):
        return offers
    return offers.filter(companies__in=companies_for_staff(user)).distinct()


# --- Verbs ------------------------------------------------------------------------------------


def make_offer(
    *,
    product: Product,
    lots: list[Lot],
    companies: list[Company],
    unit_price: Decimal,
    currency: str,
    valid_until: date,
    user,
    today: date | None = None,
) -> ShortDatedOffer:
    """Make the offer and tell the customers named; all or nothing (OfferError names the field)."""
    today = today or timezone.localdate()
    _check(
        product=product,
        lots=lots,
        companies=companies,
        unit_price=unit_price,
        currency=currency,
        valid_until=valid_until,
        user=user,
        today=today,
    )
    with transaction.atomic():
        offer = ShortDatedOffer.objects.create(
            product=product, unit_price=unit_price, currency=currency, valid_until=valid_until, created_by=user
        )
        offer.lots.set(lots)
        offer.companies.set(companies)
        forget_company_offers(company.pk for company in companies)
        _tell_customers(offer, companies, lots)
    return offer


def end_offer(*, offer: ShortDatedOffer, user) -> ShortDatedOffer:
    """End the offer now: the usual price applies again (ending twice keeps the first end)."""
    with transaction.atomic():
        offer = ShortDatedOffer.objects.select_for_update().get(pk=offer.pk)
        if offer.ended_at is None:
            offer.ended_at = timezone.now()
            offer.ended_by = user
            offer.save(update_fields=["ended_at", "ended_by"])
            forget_company_offers(offer.companies.values_list("pk", flat=True))
    return offer


def _check(*, product, lots, companies, unit_price, currency, valid_until, user, today) -> None:
    if not lots:
        raise OfferError("lots", _("Choose at least one lot."))
    for lot in lots:
        if lot.product_id != product.pk:
            raise OfferError("lots", _("Lot %(lot)s is not of %(sku)s.") % {"lot": lot.number, "sku": product.sku})
        if lot.held_at is not None:
            raise OfferError("lots", _("Lot %(lot)s is on quality hold.") % {"lot": lot.number})
        if lot.expiry_date <= today:
            raise OfferError("lots", _("Lot %(lot)s has expired.") % {"lot": lot.number})
        if lot.on_hand - lot.allocated <= 0:
            raise OfferError("lots", _("Lot %(lot)s has no free stock.") % {"lot": lot.number})
    if unit_price is None or unit_price <= 0:
        raise OfferError("unit_price", _("Enter an offer price above zero."))
    if valid_until < today:
        raise OfferError("valid_until", _("The offer cannot end in the past."))
    first_expiry = min(lot.expiry_date for lot in lots)
    if valid_until > first_expiry:
        raise OfferError(
            "valid_until",
            _("The offer must end by %(date)s, when the first of its lots expires.")
            % {"date": first_expiry.isoformat()},
        )
    if not companies:
        raise OfferError("companies", _("Choose at least one customer."))
    allowed = set(companies_for_staff(user).filter(pk__in=[c.pk for c in companies]).values_list("pk", flat=True))
    for company in companies:
        if company.pk not in allowed:
            raise OfferError("companies", _("%(company)s is not one of your customers.") % {"company": company})
        if company.currency != currency:
            raise OfferError(
                "companies",
                _("%(company)s buys in %(currency)s.") % {"company": company, "currency": company.currency},
            )


def _tell_customers(offer: ShortDatedOffer, companies: list[Company], lots: list[Lot]) -> None:
    """Each customer's company admins and buyers hear of it, in their own language."""
    product = offer.product
    params = {
        "product": phrases.bilingual(product.name_en, product.name_zh),
        "lots": ", ".join(lot.number for lot in lots),
        "price": phrases.money(offer.unit_price, offer.currency),
        "until": phrases.day(offer.valid_until),
    }
    url = reverse("catalog:product_detail", args=[product.sku])
    memberships = (
        Membership.objects.filter(
            company__in=companies,
            user__is_active=True,
            role__in=[Membership.Role.ADMIN, Membership.Role.BUYER],
        )
        .select_related("company", "user")
        .order_by("company_id", "user_id")
    )
    by_company: dict[Company, list] = {}
    for membership in memberships:
        by_company.setdefault(membership.company, []).append(membership.user)
    for company, users in by_company.items():
        notify(users=users, kind=NotificationKind.SHORT_DATED_OFFER, params=params, company=company, url=url)
