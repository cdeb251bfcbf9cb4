"""What a company can get: the one place availability is computed.

Sellable stock for a company excludes expired lots and lots whose remaining shelf life is below
the company's minimum (Company.min_shelf_life_percent of the product's shelf life). Available =
sellable on hand − allocated to open orders. Lot.on_hand and Lot.allocated are kept by
catalog.services (receipts, adjustments, write-offs) and ordering (allocations) under row locks.

`availability_for()` answers for a whole page of products in one query.
"""

import math
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta

from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import Company

from .models import Lot, Product

# "Low" when fewer than this many minimum orders are left.
LOW_STOCK_MINIMUM_ORDERS = 3


@dataclass(frozen=True)
class Availability:
    available: int
    status: str  # in_stock / low / out
    earliest_expiry: date | None

    STATUS_LABELS = {"in_stock": _("In stock"), "low": _("Low stock"), "out": _("Out of stock")}

    @property
    def status_label(self):
        return self.STATUS_LABELS[self.status]


def earliest_sellable_expiry(*, shelf_life_days: int, min_shelf_life_percent: int, today: date) -> date:
    """The first expiry date a company accepts for a product: not expired, and with at least
    the company's share of the product's shelf life left."""
    days_required = math.ceil(shelf_life_days * min_shelf_life_percent / 100)
    return today + timedelta(days=max(days_required, 1))


def _status(product: Product, available: int) -> str:
    if available <= 0 or available < product.min_order_quantity:
        return "out"
    if available < LOW_STOCK_MINIMUM_ORDERS * max(product.min_order_quantity, product.order_multiple):
        return "low"
    return "in_stock"


def sellable_lots(*, company: Company, product: Product, today: date | None = None):
    """The product's lots this company may receive, first expiry first (FEFO)."""
    today = today or timezone.localdate()
    first_expiry = earliest_sellable_expiry(
        shelf_life_days=product.shelf_life_days,
        min_shelf_life_percent=company.min_shelf_life_percent,
        today=today,
    )
    return Lot.objects.filter(product=product, expiry_date__gte=first_expiry).order_by("expiry_date", "pk")


def availability_for(*, company: Company, products, today: date | None = None) -> dict[int, Availability]:
    """Availability of each product for this company: one query for any number of products."""
    today = today or timezone.localdate()
    products = list(products)
    if not products:
        return {}
    first_expiry = {
        product.pk: earliest_sellable_expiry(
            shelf_life_days=product.shelf_life_days,
            min_shelf_life_percent=company.min_shelf_life_percent,
            today=today,
        )
        for product in products
    }
    free: dict[int, int] = defaultdict(int)
    earliest: dict[int, date] = {}
    rows = Lot.objects.filter(
        product_id__in=first_expiry, expiry_date__gte=min(first_expiry.values()), on_hand__gt=F("allocated")
    ).values_list("product_id", "expiry_date", "on_hand", "allocated")
    for product_id, expiry_date, on_hand, allocated in rows:
        if expiry_date < first_expiry[product_id]:
            continue
        free[product_id] += on_hand - allocated
        if product_id not in earliest or expiry_date < earliest[product_id]:
            earliest[product_id] = expiry_date
    return {
        product.pk: Availability(
            available=free[product.pk],
            status=_status(product, free[product.pk]),
            earliest_expiry=earliest.get(product.pk),
        )
        for product in products
    }


def lots_expiring(*, today: date | None = None):
    """Lots with stock that expire within their category's warning window, soonest first."""
    from .models import Category

    today = today or timezone.localdate()
    widest = Category.objects.order_by("-expiry_warning_days").values_list("expiry_warning_days", flat=True).first()
    if widest is None:
        return []
    candidates = (
        Lot.objects.filter(on_hand__gt=0, expiry_date__lte=today + timedelta(days=widest))
        .select_related("product", "product__category")
        .order_by("expiry_date", "pk")
    )
    return [
        lot for lot in candidates if lot.expiry_date <= today + timedelta(days=lot.product.category.expiry_warning_days)
    ]
