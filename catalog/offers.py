"""What a company may order, and at what price: the one answer every caller asks.

An offer (in the spirit of django-oscar's pricing strategy and its PurchaseInfo) says, for a
company, a product, a quantity and a day: the quantity snapped to the product's minimum and
multiple, the unit price with the list that set it, what is available now and what would be
backordered, and whether it may be ordered; if not, one reason from a fixed set, with one
translated wording each. Placement's quote, the cart, quick order (typed, pasted and uploaded),
reorders, the catalog pages and the back office's order-on-behalf all ask `offers_for()`.

The reasons are checked in a fixed order, and the first that applies is the one given:
inactive, not in the company's assortment, licence (missing, expired, wrong kind), no price,
out of stock (only for products that may not be backordered).

A short-dated offer (catalog.short_dated) named to the company prices a line at the offer price
when the offer's lots still have the whole quantity free: the line then takes its stock from
those lots (the price carries their ids for catalog.allocation.pick). A larger quantity, a day
after the offer's end, or lots gone: the usual price.
"""

from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum

from django.core.cache import cache
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from accounts.caching import forget_now_and_on_commit
from accounts.models import Company, Licence, LicenceKind

from .models import Assortment, Category, Product
from .pricing import Price, PriceBook, price_book
from .selectors import CATALOG_CACHE_TIMEOUT, assortment_ids, first_orderable_quantity
from .short_dated import ShortDated, short_dated_for
from .stock import availability_for

# The most of one product one line can hold.
MAX_LINE_QUANTITY = 100_000


class Refusal(StrEnum):
    INACTIVE = "inactive"
    NOT_IN_ASSORTMENT = "not_in_assortment"
    LICENCE_MISSING = "licence_missing"
    LICENCE_EXPIRED = "licence_expired"
    LICENCE_WRONG_KIND = "licence_wrong_kind"
    NO_PRICE = "no_price"
    OUT_OF_STOCK = "out_of_stock"


def refusal_text(refusal: Refusal, params: dict) -> str:
    """The one wording of each reason, in the active language."""
    if refusal is Refusal.INACTIVE:
        return _("No longer sold.")
    if refusal is Refusal.NOT_IN_ASSORTMENT:
        return _("Not in your catalog.")
    kind = LicenceKind.label_of(params.get("kind") or "")  # the licence named in the reader's language
    if refusal is Refusal.LICENCE_MISSING:
        if kind:
            return _("Needs a valid licence on file: %(kind)s.") % {"kind": kind}
        return _("Needs a valid licence on file.")
    if refusal is Refusal.LICENCE_EXPIRED:
        return _("Your licence on file (%(kind)s) expired on %(date)s; send your rep the renewed one.") % {
            "kind": kind,
            "date": date_format(params["expired_on"]),
        }
    if refusal is Refusal.LICENCE_WRONG_KIND:
        return _("Needs a licence of this kind: %(kind)s; the licences on file are of other kinds.") % {"kind": kind}
    if refusal is Refusal.NO_PRICE:
        return _("No price for you yet; ask your rep.")
    if params.get("available", 0) > 0:
        return _("Only %(available)s available.") % params
    return _("Out of stock; none available now.")


def for_sku(sku: str, reason: str) -> str:
    """A reason said of one product, as every list of refused lines says it: "FZ-1001: No longer sold."."""
    return _("%(sku)s: %(reason)s") % {"sku": sku, "reason": reason}


# --- Quantities -------------------------------------------------------------------------------


class QuantityError(ValueError):
    """A quantity no line can hold (below 1, or more than MAX_LINE_QUANTITY); the message says why."""


@dataclass(frozen=True)
class SnappedQuantity:
    quantity: int
    message: str | None


def snapped(product: Product, requested: int) -> int:
    """The nearest quantity at or above `requested` the product's rules allow: the minimum,
    then the multiple."""
    quantity = max(requested, product.min_order_quantity)
    return -(-quantity // product.order_multiple) * product.order_multiple


def snap_quantity(product: Product, requested: int) -> SnappedQuantity:
    """snapped(), with the sentence that tells the buyer what changed; QuantityError for a
    quantity no line can hold."""
    if requested < 1:
        raise QuantityError(_("Enter a quantity of at least 1."))
    if requested > MAX_LINE_QUANTITY:
        raise QuantityError(_("%(quantity)s is more than we can take in one line.") % {"quantity": requested})
    quantity = snapped(product, requested)
    if quantity == requested:
        return SnappedQuantity(quantity, None)
    if requested < product.min_order_quantity:
        message = _("%(sku)s has a minimum of %(minimum)s; changed %(requested)s to %(quantity)s.")
    else:
        message = _("%(sku)s is sold in multiples of %(multiple)s; changed %(requested)s to %(quantity)s.")
    params = {
        "sku": product.sku,
        "minimum": product.min_order_quantity,
        "multiple": product.order_multiple,
        "requested": requested,
        "quantity": quantity,
    }
    return SnappedQuantity(quantity, message % params)


def largest_orderable_at_most(product: Product, limit: int) -> int:
    """The largest quantity the rules allow that is not more than `limit` (0 if none is)."""
    if limit < first_orderable_quantity(product):
        return 0
    return limit // product.order_multiple * product.order_multiple


# --- Licences ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class LicenceOnFile:
    kind: str
    expires_on: date


def _licences_key(company_id: int) -> str:
    return f"catalog:licences:{company_id}"


def licences_on_file(company: Company) -> tuple[LicenceOnFile, ...]:
    """Every licence the company has on file, valid or not, kept in the shared cache until one
    of them changes (catalog.signals forgets the key)."""
    key = _licences_key(company.pk)
    licences = cache.get(key)
    if licences is None:
        rows = Licence.objects.filter(company=company).values_list("kind", "expires_on")
        licences = tuple(LicenceOnFile(kind, expires_on) for kind, expires_on in rows)
        cache.set(key, licences, CATALOG_CACHE_TIMEOUT)
    return licences


def forget_licences(company_id: int) -> None:
    forget_now_and_on_commit([_licences_key(company_id)])


def licence_refusal(category: Category, licences, today: date) -> tuple[Refusal, dict] | None:
    """Why the company may not order from this category for want of a licence, or None.

    A restricted category needs a licence valid on the day, of the kind it names (any kind if
    it names none). An expired licence of the right kind is named with its date."""
    if not category.restricted:
        return None
    wanted = category.licence_kind
    matching = [licence for licence in licences if not wanted or licence.kind == wanted]
    if any(licence.expires_on >= today for licence in matching):
        return None
    if matching:
        latest = max(matching, key=lambda licence: licence.expires_on)
        return Refusal.LICENCE_EXPIRED, {"kind": latest.kind, "expired_on": latest.expires_on}
    if wanted and licences:
        return Refusal.LICENCE_WRONG_KIND, {"kind": wanted}
    return Refusal.LICENCE_MISSING, {"kind": wanted}


# --- Offers -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Offer:
    product: Product
    requested: int
    quantity: int  # snapped to the minimum and the multiple
    price: Price | None
    available: int  # sellable to this company now, before this line
    now: int  # what the quantity gets from stock now
    backorder: int  # the rest, when the product may be backordered
    refusal: Refusal | None = None
    params: dict = field(default_factory=dict)

    @property
    def may_order(self) -> bool:
        return self.refusal is None

    @property
    def reason(self) -> str:
        return refusal_text(self.refusal, self.params) if self.refusal else ""

    @property
    def needs_licence(self) -> bool:
        return self.refusal in (Refusal.LICENCE_MISSING, Refusal.LICENCE_EXPIRED, Refusal.LICENCE_WRONG_KIND)


@dataclass
class OfferTerms:
    """What offers are made from, read once for a set of products: the company's price book,
    the stock, the products outside its assortments and its licences. `offer()` then answers
    for any quantity of any of those products without another query."""

    company: Company
    on: date
    book: PriceBook
    availability: dict | None  # None: stock is the caller's (placement takes it from locked lots)
    outside: set[int]
    licences: tuple
    short_dated: dict[int, ShortDated] = field(default_factory=dict)

    @classmethod
    def load(
        cls,
        *,
        company: Company,
        products,
        on: date | None = None,
        book=None,
        availability=None,
        check_stock=True,
        short_dated=None,
    ):
        on = on or timezone.localdate()
        products = list({product.pk: product for product in products}.values())
        if book is None:
            book = price_book(company=company, product_ids=[product.pk for product in products], on=on)
        if availability is None and check_stock:
            availability = availability_for(company=company, products=products, today=on)
        # Licences matter only for restricted products: most carts cost no licence read.
        restricted = any(product.category.restricted for product in products)
        return cls(
            company=company,
            on=on,
            book=book,
            availability=availability if check_stock else None,
            outside=_outside_assortment(company, products),
            licences=licences_on_file(company) if restricted else (),
            short_dated=short_dated_for(company=company, product_ids=[product.pk for product in products], on=on)
            if short_dated is None
            else short_dated,
        )

    def offer(self, product: Product, requested: int, *, snap: bool = True) -> Offer:
        quantity = snapped(product, requested) if snap else requested
        available = self.availability[product.pk].available if self.availability is not None else quantity
        price = self.book.price(product.pk, quantity)
        short_dated = self.short_dated.get(product.pk)
        if price is not None and short_dated is not None and 0 < quantity <= short_dated.free:
            # The offer's lots hold the whole line, whatever the company's shelf-life rule says
            # of them (the customer was offered these lots by name).
            price = short_dated.price
            available = max(available, short_dated.free)
        now = min(quantity, max(available, 0))
        refusal = _refusal(
            product, self.book, quantity, available, outside=self.outside, licences=self.licences, on=self.on
        )
        return Offer(
            product=product,
            requested=requested,
            quantity=quantity,
            price=price,
            available=available,
            now=now,
            backorder=quantity - now if product.allow_backorder else 0,
            refusal=refusal[0] if refusal else None,
            params=refusal[1] if refusal else {},
        )


def offers_for(*, company: Company, wanted, on: date | None = None, snap: bool = True, **terms) -> list[Offer]:
    """An offer for each (product, quantity) in `wanted`, in order: a price book, the stock and
    the assortment are each read once for all of them (licences only if a product needs one).

    `book` and `availability` may be passed when the caller already has them (the catalog's
    pages use the cached ones); `check_stock=False` leaves stock to the caller (placement takes
    it from the lots it has locked and refuses a short line in the same words); `snap=False`
    prices the quantity as given (quick order shows a quantity off the rules as a problem)."""
    wanted = list(wanted)
    loaded = OfferTerms.load(company=company, products=[product for product, _quantity in wanted], on=on, **terms)
    return [loaded.offer(product, quantity, snap=snap) for product, quantity in wanted]


def _refusal(product, book, quantity, available, *, outside, licences, on) -> tuple[Refusal, dict] | None:
    if not product.active:
        return Refusal.INACTIVE, {}
    if product.pk in outside:
        return Refusal.NOT_IN_ASSORTMENT, {}
    licence = licence_refusal(product.category, licences, on)
    if licence:
        return licence
    if book.price(product.pk, quantity) is None:
        return Refusal.NO_PRICE, {}
    return stock_refusal(product, quantity, available)


def stock_refusal(product: Product, quantity: int, available: int) -> tuple[Refusal, dict] | None:
    """Out of stock: more than is available now, for a product that may not be backordered."""
    if quantity > available and not product.allow_backorder:
        return Refusal.OUT_OF_STOCK, {"available": max(available, 0)}
    return None


def _outside_assortment(company: Company, products: list[Product]) -> set[int]:
    """The products not in the company's assortments: none when it has no assortment (it sees
    every active product), else one small query."""
    ids = assortment_ids(company)
    if not ids or not products:
        return set()
    inside = set(
        Assortment.products.through.objects.filter(
            assortment_id__in=ids, product_id__in=[product.pk for product in products]
        ).values_list("product_id", flat=True)
    )
    return {product.pk for product in products if product.pk not in inside}
