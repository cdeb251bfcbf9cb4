"""Writes for carts and orders.

Verbs: add_to_cart, set_cart_quantity, remove_from_cart, quote_cart, place_order,
decide_customer_approval, decide_staff_approval, release_credit_hold, cancel_order.

place_order is one durable transaction that locks, in this fixed order, the company's credit
account, then the lots of every product in the cart (by primary key), then the year's order
number row. Everyone takes the same locks in the same order, so placements never deadlock, no
two orders hold the same unit and no two orders fit into the same credit. E-mail goes out only
after commit.
"""

import math
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Address, Company, CreditAccount, Membership
from catalog.models import Allocation, Lot, PriceList, Product
from catalog.pricing import Price, price_book
from catalog.selectors import may_order_category, valid_licence_kinds, visible_products
from catalog.stock import availability_for, earliest_sellable_expiry

from . import approval, states, tasks
from .models import Cart, CartLine, Order, OrderLine, OrderNumberSequence, OrderState

MAX_LINE_QUANTITY = 100_000
CENT = Decimal("0.01")


class OrderingError(Exception):
    """A request that breaks a rule; the message is for the buyer."""


class PriceChanged(OrderingError):
    def __init__(self, quote):
        super().__init__(
            _(
                "Prices or availability changed since you looked: the total is now %(currency)s %(total)s. "
                "Check the order and submit again."
            )
            % {"currency": quote.currency, "total": quote.total}
        )
        self.quote = quote


def _notify_after_commit(order: Order, event: str) -> None:
    # Queued only once the order is committed; a failing notification never undoes an order.
    order_id = order.pk
    transaction.on_commit(lambda: tasks.send_order_notification.enqueue(order_id=order_id, event=event), robust=True)


# Cart --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SnappedQuantity:
    quantity: int
    message: str | None


def snap_quantity(product: Product, requested: int) -> SnappedQuantity:
    """The nearest orderable quantity at or above `requested`: minimum, then the multiple."""
    if requested < 1:
        raise OrderingError(_("Enter a quantity of at least 1."))
    if requested > MAX_LINE_QUANTITY:
        raise OrderingError(_("%(quantity)s is more than we can take in one line.") % {"quantity": requested})
    quantity = max(requested, product.min_order_quantity)
    quantity = math.ceil(quantity / product.order_multiple) * product.order_multiple
    if quantity == requested:
        return SnappedQuantity(quantity, None)
    if requested < product.min_order_quantity:
        message = _("%(sku)s has a minimum of %(minimum)s; changed %(requested)s to %(quantity)s.")
    else:
        message = _("%(sku)s is sold in multiples of %(multiple)s; changed %(requested)s to %(quantity)s.")
    return SnappedQuantity(
        quantity,
        message
        % {
            "sku": product.sku,
            "minimum": product.min_order_quantity,
            "multiple": product.order_multiple,
            "requested": requested,
            "quantity": quantity,
        },
    )


def get_orderable_product(*, company: Company, sku: str = "", product_id: int | None = None) -> Product:
    """A product this company may see and order; another company's assortment is 'not found'."""
    products = visible_products(company).select_related("category")
    product = products.filter(pk=product_id).first() if product_id else products.filter(sku__iexact=sku.strip()).first()
    if product is None:
        raise OrderingError(_("%(sku)s was not found in your catalog.") % {"sku": sku or product_id})
    # Licences are looked up only for restricted products: most adds cost no licence query.
    if product.category.restricted and not may_order_category(product.category, valid_licence_kinds(company)):
        raise OrderingError(_("%(sku)s needs a valid licence on file.") % {"sku": product.sku})
    return product


def cart_for(*, user, company: Company) -> Cart:
    cart, _created = Cart.objects.get_or_create(user=user, company=company)
    return cart


def add_to_cart(*, cart: Cart, product: Product, quantity: int) -> SnappedQuantity:
    """Add to the line of this product (or start one), snapped to the product's rule."""
    with transaction.atomic():
        line = CartLine.objects.select_for_update().filter(cart=cart, product=product).first()
        snapped = snap_quantity(product, quantity + (line.quantity if line else 0))
        price = price_book(company=cart.company, product_ids=[product.pk]).price(product.pk, snapped.quantity)
        if price is None:
            raise OrderingError(_("%(sku)s has no price for you yet; ask your rep.") % {"sku": product.sku})
        if line is None:
            CartLine.objects.create(
                cart=cart, product=product, quantity=snapped.quantity, unit_price_when_added=price.unit_price
            )
        else:
            # The price the buyer sees for the new quantity (a quantity break may change it) is the
            # one a later "price changed since you added it" note compares with.
            line.quantity = snapped.quantity
            line.unit_price_when_added = price.unit_price
            line.save(update_fields=["quantity", "unit_price_when_added"])
    return snapped


def set_cart_quantity(*, cart: Cart, product: Product, quantity: int) -> SnappedQuantity | None:
    """Set a line's quantity; 0 removes it."""
    if quantity == 0:
        remove_from_cart(cart=cart, product=product)
        return None
    snapped = snap_quantity(product, quantity)
    price = price_book(company=cart.company, product_ids=[product.pk]).price(product.pk, snapped.quantity)
    updated = CartLine.objects.filter(cart=cart, product=product).update(
        quantity=snapped.quantity, unit_price_when_added=price.unit_price if price else None
    )
    if not updated:
        return add_to_cart(cart=cart, product=product, quantity=quantity)
    return snapped


def remove_from_cart(*, cart: Cart, product: Product) -> None:
    CartLine.objects.filter(cart=cart, product=product).delete()


# Quote -------------------------------------------------------------------------------------


@dataclass
class QuoteLine:
    product: Product
    quantity: int
    price: Price | None
    available: int
    allocatable: int
    backorder: int
    line_total: Decimal = Decimal("0.00")
    tax_amount: Decimal = Decimal("0.00")
    problems: list[str] = field(default_factory=list)
    price_changed_from: Decimal | None = None

    @property
    def availability_words(self) -> str:
        if self.allocatable == self.quantity:
            return _("Yes")
        if self.allocatable and self.backorder:
            return _("Partly: %(now)s now, %(later)s backordered") % {"now": self.allocatable, "later": self.backorder}
        return _("No: %(available)s available") % {"available": self.available}


@dataclass
class CreditPicture:
    limit: Decimal
    used: Decimal
    this_order: Decimal
    overdue: bool
    prepay: bool

    @property
    def available_before(self) -> Decimal:
        return self.limit - self.used

    @property
    def available_after(self) -> Decimal:
        return self.limit - self.used - self.this_order

    @property
    def over(self) -> bool:
        return self.available_after < 0


@dataclass
class Quote:
    currency: str
    lines: list[QuoteLine]
    subtotal: Decimal
    tax_total: Decimal
    total: Decimal
    credit: CreditPicture

    @property
    def can_place(self) -> bool:
        return bool(self.lines) and not any(line.problems for line in self.lines)


def _money(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def _quote(
    *, company: Company, wanted: list[tuple[Product, int, Decimal | None]], credit_account: CreditAccount, today: date
) -> Quote:
    products = [product for product, _q, _p in wanted]
    book = price_book(company=company, product_ids=[p.pk for p in products], on=today)
    availability = availability_for(company=company, products=products, today=today)
    licences = valid_licence_kinds(company, today)
    lines = []
    for product, quantity, seen_price in wanted:
        price = book.price(product.pk, quantity)
        available = availability[product.pk].available
        allocatable = min(quantity, available)
        shortfall = quantity - allocatable
        line = QuoteLine(
            product=product,
            quantity=quantity,
            price=price,
            available=available,
            allocatable=allocatable,
            backorder=shortfall if product.allow_backorder else 0,
        )
        if price is None:
            line.problems.append(_("No price for you yet; ask your rep."))
        else:
            line.line_total = _money(price.unit_price * quantity)
            line.tax_amount = _money(line.line_total * product.tax_rate / 100)
            if seen_price is not None and seen_price != price.unit_price:
                line.price_changed_from = seen_price
        if shortfall and not product.allow_backorder:
            line.problems.append(_("Only %(available)s available.") % {"available": available})
        if not product.active:
            line.problems.append(_("No longer sold."))
        if not may_order_category(product.category, licences):
            line.problems.append(_("Needs a valid licence on file."))
        lines.append(line)
    subtotal = sum((line.line_total for line in lines), Decimal("0.00"))
    tax_total = sum((line.tax_amount for line in lines), Decimal("0.00"))
    credit = CreditPicture(
        limit=company.credit_limit,
        used=credit_account.exposure,
        this_order=subtotal + tax_total,
        overdue=credit_account.overdue_beyond_grace(grace_days=company.grace_days, today=today),
        prepay=company.credit_limit == 0,
    )
    return Quote(company.currency, lines, subtotal, tax_total, subtotal + tax_total, credit)


def _cart_wanted(cart: Cart) -> list[tuple[Product, int, Decimal | None]]:
    lines = cart.lines.select_related("product__category").order_by("pk")
    return [(line.product, line.quantity, line.unit_price_when_added) for line in lines]


def quote_cart(*, cart: Cart, today: date | None = None) -> Quote:
    """What placing this cart now would cost and get, for the cart and checkout pages."""
    account, _created = CreditAccount.objects.get_or_create(company=cart.company)
    return _quote(
        company=cart.company, wanted=_cart_wanted(cart), credit_account=account, today=today or timezone.localdate()
    )


# Placement ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Checkout:
    ship_to: Address
    po_number: str = ""
    requested_delivery_date: date | None = None
    notes: str = ""


def _next_order_number(year: int) -> str:
    # The row lock makes numbering gapless: a rolled-back placement gives its number back.
    sequence, _created = OrderNumberSequence.objects.select_for_update().get_or_create(year=year)
    sequence.last = F("last") + 1
    sequence.save(update_fields=["last"])
    sequence.refresh_from_db(fields=["last"])
    return f"SO-{year}-{sequence.last:06d}"


def _allocate_fefo(*, company: Company, quote: Quote, today: date) -> dict[int, list[tuple[Lot, int]]]:
    """Lock the lots of every product in the order (by primary key) and take each line's stock
    from the lots that expire first, within the company's shelf-life rule."""
    product_ids = sorted({line.product.pk for line in quote.lines})
    locked = list(
        Lot.objects.select_for_update().filter(product_id__in=product_ids, on_hand__gt=F("allocated")).order_by("pk")
    )
    by_product: dict[int, list[Lot]] = defaultdict(list)
    for lot in locked:
        by_product[lot.product_id].append(lot)
    taken: dict[int, list[tuple[Lot, int]]] = {}
    for line in quote.lines:
        first_expiry = earliest_sellable_expiry(
            shelf_life_days=line.product.shelf_life_days,
            min_shelf_life_percent=company.min_shelf_life_percent,
            today=today,
        )
        lots = sorted(
            (lot for lot in by_product[line.product.pk] if lot.expiry_date >= first_expiry),
            key=lambda lot: (lot.expiry_date, lot.pk),
        )
        needed, picks = line.quantity, []
        for lot in lots:
            if needed == 0:
                break
            quantity = min(needed, lot.on_hand - lot.allocated)
            if quantity > 0:
                picks.append((lot, quantity))
                lot.allocated += quantity
                needed -= quantity
        if needed and not line.product.allow_backorder:
            # Stock went since the buyer looked (the quote said it was there): refuse, name the line.
            raise OrderingError(
                _("%(sku)s: only %(available)s available now.")
                % {"sku": line.product.sku, "available": line.quantity - needed}
            )
        taken[line.product.pk] = picks
    return taken


def place_order(
    *,
    cart: Cart,
    membership: Membership,
    checkout: Checkout,
    expected_total: Decimal,
    idempotency_key,
    placed_for_customer_by=None,
    today: date | None = None,
    durable: bool = True,
) -> Order:
    """Place the cart as an order, or return the order this checkout already placed.

    `durable=False` only for callers that own the surrounding transaction (seed_demo's history).
    """
    company = membership.company
    today = today or timezone.localdate()
    if checkout.ship_to.company_id != company.pk:
        raise OrderingError(_("Choose one of your company's addresses."))
    if not company.is_active:
        raise OrderingError(_("Your company's account is suspended; please contact your sales rep."))
    try:
        with transaction.atomic(durable=durable):
            account, _created = CreditAccount.objects.select_for_update().get_or_create(company=company)
            existing = Order.objects.filter(company=company, idempotency_key=idempotency_key).first()
            if existing is not None:
                return existing
            quote = _quote(company=company, wanted=_cart_wanted(cart), credit_account=account, today=today)
            if not quote.lines:
                raise OrderingError(_("Your cart is empty."))
            problems = [f"{line.product.sku}: {problem}" for line in quote.lines for problem in line.problems]
            if problems:
                raise OrderingError(" ".join(problems))
            if quote.total != expected_total:
                raise PriceChanged(quote)
            allocations = _allocate_fefo(company=company, quote=quote, today=today)
            order = Order.objects.create(
                company=company,
                number=_next_order_number(today.year),
                placed_by=membership.user,
                placed_for_customer_by=placed_for_customer_by,
                po_number=checkout.po_number,
                ship_to=checkout.ship_to,
                ship_to_text=str(checkout.ship_to),
                requested_delivery_date=checkout.requested_delivery_date,
                notes=checkout.notes,
                currency=quote.currency,
                subtotal=quote.subtotal,
                tax_total=quote.tax_total,
                total=quote.total,
                idempotency_key=idempotency_key,
            )
            _write_lines(order=order, quote=quote, allocations=allocations)
            states.record_placement(
                order=order,
                actor=placed_for_customer_by or membership.user,
                reason=_("Placed by %(rep)s for the customer.") % {"rep": placed_for_customer_by}
                if placed_for_customer_by
                else "",
            )
            _route(order=order, membership=membership, account=account, actor=membership.user, today=today)
            cart.lines.all().delete()
    except IntegrityError:
        # The same checkout committed by a concurrent request between our check and insert.
        existing = Order.objects.filter(company=company, idempotency_key=idempotency_key).first()
        if existing is None:
            raise
        return existing
    _notify_after_commit(order, "placed")
    return order


def _write_lines(*, order: Order, quote: Quote, allocations) -> None:
    for line in quote.lines:
        picks = allocations[line.product.pk]
        allocated = sum(quantity for _lot, quantity in picks)
        order_line = OrderLine.objects.create(
            order=order,
            product=line.product,
            sku=line.product.sku,
            name_en=line.product.name_en,
            name_zh=line.product.name_zh,
            sales_unit=line.product.sales_unit,
            quantity=line.quantity,
            allocated_quantity=allocated,
            backorder_quantity=line.quantity - allocated,
            unit_price=line.price.unit_price,
            price_source=line.price.source,
            price_list_id=line.price.price_list_id,
            tax_rate=line.product.tax_rate,
            line_total=line.line_total,
            tax_amount=line.tax_amount,
        )
        for lot, quantity in picks:
            Lot.objects.filter(pk=lot.pk).update(allocated=F("allocated") + quantity)
            Allocation.objects.create(lot=lot, company=order.company, order_line_id=order_line.pk, quantity=quantity)


def _route(*, order: Order, membership: Membership, account: CreditAccount, actor, today: date) -> None:
    """Decide where a just-placed order goes: the company's approver, credit hold, the staff
    approval rules, or straight to confirmed."""
    limit = membership.spending_limit
    if membership.role != Membership.Role.APPROVER and limit is not None and order.total > limit:
        step = approval.ApprovalStep.objects.create(
            order=order,
            customer_side=True,
            sequence=0,
            reason=_("Above %(user)s's spending limit of %(currency)s %(limit)s")
            % {"user": membership.user, "currency": order.currency, "limit": limit},
        )
        approval.activate(step, hours=24)
        states.transition(order=order, to_state=OrderState.AWAITING_CUSTOMER_APPROVAL, actor=actor, reason=step.reason)
        _notify_after_commit(order, "approval_needed")  # the company's approvers
        return
    _route_past_customer(order=order, account=account, actor=actor, today=today)


def _credit_hold_reasons(*, order: Order, account: CreditAccount, today: date) -> list[str]:
    company = order.company
    reasons = []
    if company.credit_limit == 0:
        reasons.append(_("Your account is prepaid: finance confirms the order once it is paid."))
    elif account.available(company.credit_limit) < order.total:
        reasons.append(
            _("This order (%(currency)s %(total)s) is more than your available credit (%(currency)s %(available)s).")
            % {"currency": order.currency, "total": order.total, "available": account.available(company.credit_limit)}
        )
    if account.overdue_beyond_grace(grace_days=company.grace_days, today=today):
        reasons.append(_("An invoice is overdue beyond your grace days."))
    return reasons


def _route_past_customer(
    *, order: Order, account: CreditAccount, actor, today: date, skip_credit: bool = False
) -> None:
    hold = [] if skip_credit else _credit_hold_reasons(order=order, account=account, today=today)
    if hold:
        order.hold_reasons = hold
        order.save(update_fields=["hold_reasons"])
        states.transition(order=order, to_state=OrderState.CREDIT_HOLD, actor=actor, reason=" ".join(hold))
        _notify_after_commit(order, "credit_hold")
        return
    steps = approval.create_staff_steps(
        order=order,
        facts=_facts_for_order(order),
        first_sequence=1 + approval.ApprovalStep.objects.filter(order=order).count(),
    )
    if steps:
        approval.activate(steps[0])
        states.transition(order=order, to_state=OrderState.AWAITING_APPROVAL, actor=actor, reason=steps[0].reason)
        _notify_after_commit(order, "approval_needed")
        return
    _confirm(order=order, account=account, actor=actor)


def _facts_for_order(order: Order) -> approval.Facts:
    """What the approval rules look at; over-credit orders went to credit hold before the rules."""
    lines = list(order.lines.select_related("product__category"))
    default_prices = price_book(company=order.company, product_ids=[line.product_id for line in lines])
    default_prices.lists = [pl for pl in default_prices.lists if pl.kind == PriceList.Kind.DEFAULT]
    ratios = []
    for line in lines:
        list_price = default_prices.price(line.product_id, line.quantity)
        if list_price and list_price.unit_price > 0:
            ratios.append(line.unit_price / list_price.unit_price * 100)
    return approval.Facts(
        total=order.total,
        # Over-credit orders wait for finance first; once released, an "over credit" rule can
        # still send them on to, say, the sales director.
        over_credit=order.events.filter(to_state=OrderState.CREDIT_HOLD).exists(),
        first_order=not Order.objects.filter(company=order.company).exclude(pk=order.pk).exists(),
        has_restricted_product=any(line.product.category.restricted for line in lines),
        lowest_price_vs_list_percent=min(ratios) if ratios else None,
    )


def _add_to_exposure(account: CreditAccount, amount: Decimal) -> None:
    """Change the approved-not-invoiced part of the exposure. The caller holds the account's row
    lock, so Decimal arithmetic here is exact and safe (an F() expression would be computed as a
    float on SQLite)."""
    account.refresh_from_db(fields=["approved_uninvoiced"])
    account.approved_uninvoiced += amount
    account.save(update_fields=["approved_uninvoiced", "updated_at"])


def _confirm(*, order: Order, account: CreditAccount, actor, reason: str = "") -> None:
    _add_to_exposure(account, order.total)
    states.transition(order=order, to_state=OrderState.APPROVED, actor=actor, reason=reason)
    _notify_after_commit(order, "approved")


# Decisions ---------------------------------------------------------------------------------


def _lock(order: Order) -> tuple[Order, CreditAccount]:
    """Lock in the placement order: credit account first, then the order."""
    account, _created = CreditAccount.objects.select_for_update().get_or_create(company_id=order.company_id)
    return Order.objects.select_for_update().select_related("company").get(pk=order.pk), account


def _pending_step(order: Order) -> approval.ApprovalStep:
    step = approval.ApprovalStep.objects.select_for_update().filter(order=order, status="pending").first()
    if step is None:
        raise OrderingError(_("This order is not waiting for an approval any more."))
    return step


def _decide(step, *, user, approve: bool, comment: str) -> None:
    step.status = approval.ApprovalStep.Status.APPROVED if approve else approval.ApprovalStep.Status.REJECTED
    step.decided_by = user
    step.decided_at = timezone.now()
    step.comment = comment
    step.save(update_fields=["status", "decided_by", "decided_at", "comment"])


def decide_customer_approval(*, order: Order, membership: Membership, approve: bool, comment: str = "") -> Order:
    """The company's approver approves or rejects an order above a buyer's spending limit."""
    if (
        membership.role not in (Membership.Role.APPROVER, Membership.Role.ADMIN)
        or membership.company_id != order.company_id
    ):
        raise OrderingError(_("Only your company's approver can decide this."))
    if not approve and not comment.strip():
        raise OrderingError(_("Give a reason for the rejection."))
    with transaction.atomic():
        order, account = _lock(order)
        if order.placed_by_id == membership.user_id:
            raise OrderingError(_("You cannot approve your own order."))
        if order.state != OrderState.AWAITING_CUSTOMER_APPROVAL:
            raise OrderingError(_("This order is %(state)s.") % {"state": OrderState(order.state).label})
        step = _pending_step(order)
        _decide(step, user=membership.user, approve=approve, comment=comment)
        if approve:
            _route_past_customer(order=order, account=account, actor=membership.user, today=timezone.localdate())
        else:
            _reject(order=order, actor=membership.user, reason=comment)
    return order


def decide_staff_approval(*, order: Order, user, approve: bool, comment: str = "", step_id: int | None = None) -> Order:
    """A staff approver decides the pending step of an order routed to their role.

    `step_id` is the step the approver was shown; if the order moved on meanwhile (a colleague
    decided it), the decision is refused instead of landing on the next step.
    """
    if not approve and not comment.strip():
        raise OrderingError(_("Give a reason for the rejection."))
    with transaction.atomic():
        order, account = _lock(order)
        if order.placed_by_id == user.pk or order.placed_for_customer_by_id == user.pk:
            raise OrderingError(_("You cannot approve an order you placed."))
        if order.state != OrderState.AWAITING_APPROVAL:
            raise OrderingError(_("This order is %(state)s.") % {"state": OrderState(order.state).label})
        step = _pending_step(order)
        if step_id is not None and step.pk != step_id:
            raise OrderingError(_("This order is not waiting for an approval any more."))
        if not (user.is_superuser or user.groups.filter(pk=step.approver_group_id).exists()):
            raise OrderingError(_("This step is for %(group)s.") % {"group": step.approver_group})
        _decide(step, user=user, approve=approve, comment=comment)
        if not approve:
            _reject(order=order, actor=user, reason=comment)
            return order
        following = approval.ApprovalStep.objects.filter(order=order, status="waiting").order_by("sequence").first()
        if following is not None:
            approval.activate(following)
            states.transition(order=order, to_state=OrderState.AWAITING_APPROVAL, actor=user, reason=following.reason)
            _notify_after_commit(order, "approval_needed")
            return order
        _confirm(order=order, account=account, actor=user, reason=comment)
    return order


def release_credit_hold(*, order: Order, user, approve: bool, comment: str = "") -> Order:
    """Finance releases an order from credit hold (then the approval rules apply) or rejects it."""
    if not user.has_perm("accounts.change_credit_terms"):
        raise OrderingError(_("Only finance can release a credit hold."))
    if not approve and not comment.strip():
        raise OrderingError(_("Give a reason for the rejection."))
    with transaction.atomic():
        order, account = _lock(order)
        if order.state != OrderState.CREDIT_HOLD:
            raise OrderingError(_("This order is %(state)s.") % {"state": OrderState(order.state).label})
        if approve and user.pk in (order.placed_by_id, order.placed_for_customer_by_id):
            raise OrderingError(_("You cannot release an order you placed."))
        if not approve:
            _reject(order=order, actor=user, reason=comment)
            return order
        order.hold_reasons = []
        order.save(update_fields=["hold_reasons"])
        _route_past_customer(order=order, account=account, actor=user, today=timezone.localdate(), skip_credit=True)
    return order


def _release_stock(order: Order) -> None:
    allocations = list(
        Allocation.objects.select_for_update()
        .filter(order_line_id__in=order.lines.values("pk"), released_at__isnull=True)
        .order_by("lot_id")
    )
    for allocation in allocations:
        Lot.objects.filter(pk=allocation.lot_id).update(allocated=F("allocated") - allocation.quantity)
    Allocation.objects.filter(pk__in=[a.pk for a in allocations]).update(released_at=timezone.now())


def _reject(*, order: Order, actor, reason: str) -> None:
    approval.ApprovalStep.objects.filter(order=order, status__in=["pending", "waiting"]).update(status="void")
    _release_stock(order)
    states.transition(order=order, to_state=OrderState.REJECTED, actor=actor, reason=reason)
    _notify_after_commit(order, "rejected")


def cancel_order(*, order: Order, user, reason: str = "") -> Order:
    """Cancel before picking: stock goes back and the order leaves the credit exposure."""
    with transaction.atomic():
        order, account = _lock(order)
        if order.state not in states.CANCELLABLE:
            raise OrderingError(
                _("This order is %(state)s and can no longer be cancelled; contact your sales rep.")
                % {"state": OrderState(order.state).label}
            )
        if order.state in states.COUNTS_AS_APPROVED:
            _add_to_exposure(account, -order.total)
        approval.ApprovalStep.objects.filter(order=order, status__in=["pending", "waiting"]).update(status="void")
        _release_stock(order)
        states.transition(order=order, to_state=OrderState.CANCELLED, actor=user, reason=reason)
    return order
