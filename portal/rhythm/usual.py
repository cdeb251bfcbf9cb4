""" "Your usual order" on the customer's home: what the company orders regularly, at today's
offer, kept within its available credit, put into the cart in one click.

The rule (docs/architecture.md's rules table): of the company's last `LAST_ORDERS` counted orders
(`ordering.states.COUNTS_AS_PURCHASE`), the products in at least half of them (and at least two),
each at the median of the quantities ordered in the orders containing it (rounded half up, then
snapped to today's order rules by catalog.offers). A line catalog.offers refuses today (gone,
licence, no price, out of stock) is left out with its reason. Lines are taken most regular
first while their total with tax stays within the credit available (limit − exposure); a line
that would go over is left out, saying so; prepaid companies pay before delivery, so nothing
is trimmed for them. A fixed number of queries, whatever the history.
"""

import math
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from statistics import median

from django.utils.translation import gettext as _

from accounts.models import Company, Membership
from catalog import catch_weight
from catalog.models import Product
from catalog.offers import OfferTerms, Refusal, refusal_text
from catalog.selectors import visible_products
from kit.money import format_money
from ordering.models import Order, OrderLine
from ordering.services import CreditPicture
from ordering.services.common import money
from ordering.states import COUNTS_AS_PURCHASE

LAST_ORDERS = 10
MIN_ORDERS = 2


@dataclass(frozen=True)
class UsualLine:
    product: Product
    quantity: int
    unit_price: Decimal
    amount: Decimal  # with tax, as the credit counts it
    orders: int  # in how many of the orders looked at


@dataclass(frozen=True)
class LeftOut:
    product: Product | None
    sku: str
    name: str
    reason: str


@dataclass
class UsualOrder:
    currency: str
    looked_at: int  # orders looked at
    lines: list[UsualLine] = field(default_factory=list)
    left_out: list[LeftOut] = field(default_factory=list)
    available: Decimal | None = None  # the credit available; None: prepaid

    @property
    def total(self) -> Decimal:
        return sum((line.amount for line in self.lines), Decimal("0.00"))


def regular_products(order_lines: list[tuple[int, int, int]], *, orders: int) -> dict[int, tuple[int, int]]:
    """From (order id, product id, quantity) rows of `orders` orders: each product in at least
    half of them, with its usual quantity (the median per order, half up) and its order count."""
    per_order = defaultdict(lambda: defaultdict(int))
    for order_id, product_id, quantity in order_lines:
        per_order[product_id][order_id] += quantity
    needed = max(MIN_ORDERS, math.ceil(orders / 2))
    regular = {}
    for product_id, quantities in per_order.items():
        if len(quantities) >= needed:
            usual = Decimal(str(median(quantities.values()))).quantize(Decimal("1"), rounding=ROUND_HALF_UP)
            regular[product_id] = (max(int(usual), 1), len(quantities))
    return regular


def _history(company: Company) -> tuple[int, list[tuple[int, int, int]]]:
    order_ids = list(
        Order.objects.filter(company=company, state__in=COUNTS_AS_PURCHASE)
        .order_by("-placed_at", "-pk")
        .values_list("pk", flat=True)[:LAST_ORDERS]
    )
    if len(order_ids) < MIN_ORDERS:
        return len(order_ids), []
    rows = list(OrderLine.objects.filter(order_id__in=order_ids).values_list("order_id", "product_id", "quantity"))
    return len(order_ids), rows


def usual_order(company: Company, *, credit: CreditPicture, today: date | None = None) -> UsualOrder | None:
    """The company's usual order today; None when it has no regular products yet."""
    looked_at, rows = _history(company)
    regular = regular_products(rows, orders=looked_at)
    if not regular:
        return None
    products = {
        product.pk: product
        for product in visible_products(company).select_related("category").filter(pk__in=list(regular))
    }
    terms = OfferTerms.load(company=company, products=list(products.values()), on=today)
    # Products the company may no longer see: left out, named from the catalog (one query).
    missing = set(regular) - set(products)
    gone = Product.objects.in_bulk(list(missing)) if missing else {}
    result = UsualOrder(currency=company.currency, looked_at=looked_at)
    candidates = []
    # Most regular first, then the larger quantities: what the credit keeps first.
    for product_id, (quantity, orders) in sorted(regular.items(), key=lambda item: (-item[1][1], item[0])):
        product = products.get(product_id)
        if product is None:
            lost = gone[product_id]
            result.left_out.append(LeftOut(None, lost.sku, lost.name, refusal_text(Refusal.NOT_IN_ASSORTMENT, {})))
            continue
        offer = terms.offer(product, quantity)
        if offer.refusal:
            result.left_out.append(LeftOut(product, product.sku, product.name, offer.reason))
            continue
        before_tax = catch_weight.line_amount(
            product=product, unit_price=offer.price.unit_price, quantity=offer.quantity
        )
        amount = before_tax + money(before_tax * product.tax_rate / 100)
        candidates.append(UsualLine(product, offer.quantity, offer.price.unit_price, amount, orders))
    _within_credit(result, candidates, credit)
    return result if result.lines or result.left_out else None


def _within_credit(result: UsualOrder, candidates: list[UsualLine], credit: CreditPicture) -> None:
    if credit.prepay:
        result.lines = candidates
        return
    room = result.available = credit.available_before
    for line in candidates:
        if line.amount <= room:
            result.lines.append(line)
            room -= line.amount
            continue
        result.left_out.append(
            LeftOut(
                line.product,
                line.product.sku,
                line.product.name,
                _("%(amount)s would go over your available credit (%(room)s left).")
                % {
                    "amount": format_money(line.amount, result.currency),
                    "room": format_money(max(room, 0), result.currency),
                },
            )
        )


def may_see_usual_order(membership) -> bool:
    """Who may order for the company sees it: everyone but its finance, while it is active."""
    return membership.role != Membership.Role.FINANCE and membership.company.is_active
