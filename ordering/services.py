"""Writes for carts and orders.

Verbs: add_to_cart, set_cart_quantity, remove_from_cart, quote_cart, place_order,
decide_customer_approval, decide_staff_approval, release_credit_hold, cancel_order.

place_order is one durable transaction that locks, in this fixed order, the company's credit
account, then the lots its cart could take stock from (by primary key), then the year's order
number row. Everyone takes the same locks in the same order, so placements never deadlock, no
two orders hold the same unit and no two orders fit into the same credit. E-mail goes out only
after commit.
"""

import math
from collections import defaultdict
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from django.db import IntegrityError, connection, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Address, Company, CreditAccount, Membership
from catalog.models import Allocation, Lot, PriceList, Product
from catalog.pricing import Price, PriceBook, cached_price_book, price_book
from catalog.selectors import may_order_category, valid_licence_kinds, visible_product, visible_products
from catalog.stock import availability_for, earliest_sellable_expiry, forget_stock

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


_silenced = ContextVar("ordering_notifications_silenced", default=False)


@contextmanager
def notifications_silenced():
    """Orders placed and decided in the block tell no one: seed_demo writing a year of history."""
    token = _silenced.set(True)
    try:
        yield
    finally:
        _silenced.reset(token)


def _notify_after_commit(order: Order, *events: str) -> None:
    """Queue the notifications of `events` so that they go out only once the order is committed.

    One task carries every event of the transaction: one row in the task queue, not one each.
    When tasks are rows of this same database (the production backend), the task is written in
    the transaction itself: the worker sees it only once the order is committed, it goes if the
    order rolls back, and no second transaction (and flush to disk) follows each placement.
    Any other backend is handed the task after commit; a failure there never undoes an order.
    """
    order_id, events = order.pk, [event for event in events if event]
    if not events or _silenced.get():
        return
    if tasks.queued_in_database(connection.alias):
        tasks.send_order_notification.enqueue(order_id=order_id, events=events)
    else:
        transaction.on_commit(
            lambda: tasks.send_order_notification.enqueue(order_id=order_id, events=events), robust=True
        )


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
    if product_id:
        product = visible_product(company, product_id)  # cached, shared: not to be changed
    else:
        product = visible_products(company).select_related("category").filter(sku__iexact=sku.strip()).first()
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
    seen = _line_quantity(cart.pk, product.pk)
    return _add_line(cart_id=cart.pk, company=cart.company, product=product, quantity=quantity, seen=seen)


@dataclass(frozen=True)
class CartAdd:
    snapped: SnappedQuantity
    line_count: int  # the cart's lines after the add (the navbar's badge)


def add_to_own_cart(*, user, company: Company, product: Product, quantity: int) -> CartAdd:
    """add_to_cart() for a person's own cart, which is read with its line count and this
    product's line in one statement: the catalog's add button costs two statements in all."""
    cart_line, cart = (connection.ops.quote_name(model._meta.db_table) for model in (CartLine, Cart))
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT cart.id, (SELECT COUNT(*) FROM {cart_line} WHERE cart_id = cart.id), "
            f"(SELECT quantity FROM {cart_line} WHERE cart_id = cart.id AND product_id = %s) "
            f"FROM {cart} AS cart WHERE cart.user_id = %s AND cart.company_id = %s",
            [product.pk, user.pk, company.pk],
        )
        row = cursor.fetchone()
    if row is None:
        cart_id, line_count, seen = cart_for(user=user, company=company).pk, 0, None
    else:
        cart_id, line_count, seen = row
    snapped = _add_line(cart_id=cart_id, company=company, product=product, quantity=quantity, seen=seen)
    # The product's line is there now, whether this add started it or a simultaneous one did.
    return CartAdd(snapped, line_count + (seen is None))


def _add_line(*, cart_id: int, company: Company, product: Product, quantity: int, seen: int | None) -> SnappedQuantity:
    """Add `quantity` to the product's line, which held `seen` (None: no line) when read.

    No lock and no transaction of its own: the line is written only if it is still as it was
    read (the UPDATE names the quantity it saw; the INSERT does nothing if a line of the product
    appeared), and an add of the same product at the same moment (a double click) makes it read
    again, so both adds count. Both statements are SQL: the ORM takes longer to build them than
    the database takes to run them, and this is the busiest write there is.
    """
    # The price noted on the line is for showing changes later; placing the order prices again.
    book = cached_price_book(company=company, product_ids=[product.pk])
    for _attempt in range(3):
        snapped = snap_quantity(product, quantity + (seen or 0))
        price = book.price(product.pk, snapped.quantity)
        if price is None:
            raise OrderingError(_("%(sku)s has no price for you yet; ask your rep.") % {"sku": product.sku})
        # The price the buyer sees for the new quantity (a quantity break may change it) is the
        # one a later "price changed since you added it" note compares with.
        if seen is None:
            if _insert_line(cart_id, product.pk, snapped.quantity, price.unit_price):
                return snapped
        elif _update_line(cart_id, product.pk, seen, snapped.quantity, price.unit_price):
            return snapped
        seen = _line_quantity(cart_id, product.pk)
    raise OrderingError(_("Your cart changed while adding %(sku)s; please add it again.") % {"sku": product.sku})


def _insert_line(cart_id: int, product_id: int, quantity: int, unit_price: Decimal) -> bool:
    """Start the product's line; False if one appeared meanwhile. ON CONFLICT DO NOTHING
    (PostgreSQL, SQLite) leaves it to the next attempt, without an error that would spoil a
    surrounding transaction (a quick order adds its lines in one)."""
    added_at = connection.ops.adapt_datetimefield_value(timezone.now())
    return _wrote_one_line(
        "INSERT INTO {table} (cart_id, product_id, quantity, unit_price_when_added, added_at) "
        "VALUES (%s, %s, %s, %s, %s) ON CONFLICT (cart_id, product_id) DO NOTHING",
        [cart_id, product_id, quantity, unit_price, added_at],
    )


def _update_line(cart_id: int, product_id: int, seen: int, quantity: int, unit_price: Decimal) -> bool:
    """Set the line's quantity if it still holds `seen`."""
    return _wrote_one_line(
        "UPDATE {table} SET quantity = %s, unit_price_when_added = %s "
        "WHERE cart_id = %s AND product_id = %s AND quantity = %s",
        [quantity, unit_price, cart_id, product_id, seen],
    )


def _wrote_one_line(sql: str, params: list) -> bool:
    """Run a statement on the cart line table; whether it wrote a row."""
    with connection.cursor() as cursor:
        cursor.execute(sql.format(table=connection.ops.quote_name(CartLine._meta.db_table)), params)
        return cursor.rowcount == 1


def _line_quantity(cart_id: int, product_id: int) -> int | None:
    return CartLine.objects.filter(cart_id=cart_id, product_id=product_id).values_list("quantity", flat=True).first()


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
    # The prices it was computed from; placement reads the list prices of the approval rules here.
    price_book: PriceBook | None = field(default=None, repr=False)

    @property
    def can_place(self) -> bool:
        return bool(self.lines) and not any(line.problems for line in self.lines)


def _money(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def _quote(
    *,
    company: Company,
    wanted: list[tuple[Product, int, Decimal | None]],
    credit_account: CreditAccount,
    today: date,
    check_stock: bool = True,
) -> Quote:
    """`check_stock=False` for placement only: it takes the stock from the locked lots
    (_allocate_fefo) and refuses a short line there, in the same words."""
    products = [product for product, _q, _p in wanted]
    book = price_book(company=company, product_ids=[p.pk for p in products], on=today)
    availability = availability_for(company=company, products=products, today=today) if check_stock else {}
    # Licences matter only for restricted products: most carts cost no licence query.
    licences = valid_licence_kinds(company, today) if any(p.category.restricted for p in products) else set()
    lines = []
    for product, quantity, seen_price in wanted:
        price = book.price(product.pk, quantity)
        available = availability[product.pk].available if check_stock else quantity
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
    return Quote(company.currency, lines, subtotal, tax_total, subtotal + tax_total, credit, price_book=book)


def _cart_wanted(cart: Cart) -> list[tuple[Product, int, Decimal | None]]:
    # Nothing that quotes or places a cart reads the long texts of a product.
    lines = cart.lines.select_related("product__category").defer("product__description", "product__search_text")
    lines = lines.order_by("pk")
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
    # The row lock the UPDATE takes, held until commit, makes numbering gapless: a rolled-back
    # placement gives its number back. Every placement waits for it, so it is one statement
    # (UPDATE ... RETURNING, which PostgreSQL and SQLite both run), taken last of all locks.
    table, last, year_column = map(connection.ops.quote_name, (OrderNumberSequence._meta.db_table, "last", "year"))
    with connection.cursor() as cursor:
        cursor.execute(f"UPDATE {table} SET {last} = {last} + 1 WHERE {year_column} = %s RETURNING {last}", [year])
        row = cursor.fetchone()
    if row is None:  # the year's first order
        sequence, _created = OrderNumberSequence.objects.select_for_update().get_or_create(year=year)
        sequence.last += 1
        sequence.save(update_fields=["last"])
        row = (sequence.last,)
    return f"SO-{year}-{row[0]:06d}"


@dataclass(slots=True)
class _LockedLot:
    """The few fields of a locked lot that allocation reads and writes (no model instance: an
    order locks dozens of lots)."""

    pk: int
    product_id: int
    expiry_date: date
    on_hand: int
    allocated: int


def _allocate_fefo(*, company: Company, quote: Quote, today: date) -> dict[int, list[tuple[_LockedLot, int]]]:
    """Lock the lots of every product in the order (by primary key) and take each line's stock
    from the lots that expire first, within the company's shelf-life rule.

    The picks are added to the locked lots' `allocated` in memory; _write_lines saves them."""
    first_expiry = {
        line.product.pk: earliest_sellable_expiry(
            shelf_life_days=line.product.shelf_life_days,
            min_shelf_life_percent=company.min_shelf_life_percent,
            today=today,
        )
        for line in quote.lines
    }
    # Lots expiring before every line's first acceptable date can give nothing: not locked.
    rows = (
        Lot.objects.select_for_update()
        .filter(product_id__in=first_expiry, expiry_date__gte=min(first_expiry.values()), on_hand__gt=F("allocated"))
        .order_by("pk")
        .values_list("pk", "product_id", "expiry_date", "on_hand", "allocated")
    )
    by_product: dict[int, list[_LockedLot]] = defaultdict(list)
    for row in rows:
        lot = _LockedLot(*row)
        if lot.expiry_date >= first_expiry[lot.product_id]:
            by_product[lot.product_id].append(lot)
    taken: dict[int, list[tuple[_LockedLot, int]]] = {}
    for line in quote.lines:
        needed, picks = line.quantity, []
        for lot in sorted(by_product[line.product.pk], key=lambda lot: (lot.expiry_date, lot.pk)):
            if needed == 0:
                break
            quantity = min(needed, lot.on_hand - lot.allocated)
            if quantity > 0:
                picks.append((lot, quantity))
                lot.allocated += quantity
                needed -= quantity
        if needed and not line.product.allow_backorder:
            # Stock went since the buyer looked (the checkout page said it was there): refuse, in the
            # words the page would use now, naming the line.
            raise OrderingError(
                f"{line.product.sku}: " + _("Only %(available)s available.") % {"available": line.quantity - needed}
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

    Every placement locks the same few hot lots and the order-number row, so it does all it can
    before taking them: the route (approver, credit hold, rules, confirmed) is decided and the
    cart emptied first; then the order is inserted straight into its state, and its lines, lot
    updates, allocations and events are written in one statement each, whatever the number of
    lines.
    """
    company = membership.company
    today = today or timezone.localdate()
    if checkout.ship_to.company_id != company.pk:
        raise OrderingError(_("Choose one of your company's addresses."))
    try:
        with transaction.atomic(durable=durable):
            account, _created = (
                CreditAccount.objects.select_for_update(of=("self",))
                .select_related("company")
                .get_or_create(company=company)
            )
            # The company as it is now, not as the request's (cached) membership saw it: its
            # credit limit, terms, tier and shelf-life rule decide this order.
            company = account.company
            existing = Order.objects.filter(company=company, idempotency_key=idempotency_key).first()
            if existing is not None:
                return existing
            if not company.is_active:
                raise OrderingError(_("Your company's account is suspended; please contact your sales rep."))
            quote = _quote(
                company=company, wanted=_cart_wanted(cart), credit_account=account, today=today, check_stock=False
            )
            if not quote.lines:
                raise OrderingError(_("Your cart is empty."))
            problems = [f"{line.product.sku}: {problem}" for line in quote.lines for problem in line.problems]
            if problems:
                raise OrderingError(" ".join(problems))
            if quote.total != expected_total:
                # Shown again with the new figures, availability included.
                raise PriceChanged(
                    _quote(company=company, wanted=_cart_wanted(cart), credit_account=account, today=today)
                )
            stop = _customer_stop(
                membership=membership, total=quote.total, currency=quote.currency
            ) or _stop_past_customer(
                company=company,
                total=quote.total,
                account=account,
                today=today,
                facts=lambda: _placement_facts(company=company, quote=quote),
                first_sequence=lambda: 1,
            )
            if stop.state == OrderState.APPROVED:
                _add_to_exposure(account, quote.total)
            cart.lines.all().delete()
            # The catalog's cached availability of these products goes (again on commit); said
            # before the hot lots are locked, as it is a round trip to the cache.
            forget_stock(line.product.pk for line in quote.lines)
            allocations = _allocate_fefo(company=company, quote=quote, today=today)
            order = Order.objects.create(
                company=company,
                number=_next_order_number(today.year),
                state=stop.state,
                hold_reasons=stop.hold_reasons,
                placed_by_id=membership.user_id,
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
                routed_by=membership.user,
                routed_reason=stop.reason,
            )
            _save_steps(order, stop.steps)
            # Registered inside the transaction: a placement that rolls back tells no one.
            _notify_after_commit(order, "placed", stop.event)
    except IntegrityError:
        # The same checkout committed by a concurrent request between our check and insert.
        existing = Order.objects.filter(company=company, idempotency_key=idempotency_key).first()
        if existing is None:
            raise
        return existing
    return order


def _write_lines(*, order: Order, quote: Quote, allocations) -> None:
    """The order's lines, the stock they hold and the lots' new `allocated`, one statement each."""
    allocated = {product_id: sum(quantity for _lot, quantity in picks) for product_id, picks in allocations.items()}
    order_lines = OrderLine.objects.bulk_create(
        OrderLine(
            order=order,
            product=line.product,
            sku=line.product.sku,
            name_en=line.product.name_en,
            name_zh=line.product.name_zh,
            sales_unit=line.product.sales_unit,
            quantity=line.quantity,
            allocated_quantity=allocated[line.product.pk],
            backorder_quantity=line.quantity - allocated[line.product.pk],
            unit_price=line.price.unit_price,
            price_source=line.price.source,
            price_list_id=line.price.price_list_id,
            tax_rate=line.product.tax_rate,
            line_total=line.line_total,
            tax_amount=line.tax_amount,
        )
        for line in quote.lines
    )
    picks = [
        (order_line, lot, quantity)
        for order_line, line in zip(order_lines, quote.lines, strict=True)
        for lot, quantity in allocations[line.product.pk]
    ]
    _save_allocated({lot.pk: lot for _line, lot, _quantity in picks}.values())
    Allocation.objects.bulk_create(
        Allocation(lot_id=lot.pk, company=order.company, order_line_id=order_line.pk, quantity=quantity)
        for order_line, lot, quantity in picks
    )


def _save_allocated(lots) -> None:
    """Write the lots' `allocated` in one UPDATE.

    _allocate_fefo holds these lots' row locks and has added the picks to `allocated`: no one else
    can have changed them since it read them, so the new values are written as they are. (One
    UPDATE from a VALUES list, which PostgreSQL and SQLite both run; QuerySet.bulk_update would
    build a CASE expression per lot, which costs more Python than the statement costs the
    database.)"""
    lots = list(lots)
    if not lots:
        return
    table = connection.ops.quote_name(Lot._meta.db_table)
    rows = ", ".join(["(%s, %s)"] * len(lots))
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} SET allocated = picked.column2 FROM (VALUES {rows}) AS picked "
            f"WHERE {table}.id = picked.column1",
            [value for lot in lots for value in (lot.pk, lot.allocated)],
        )


def _save_steps(order: Order, steps: list[approval.ApprovalStep]) -> None:
    for step in steps:
        step.order = order
    approval.ApprovalStep.objects.bulk_create(steps)


@dataclass
class _Stop:
    """Where an order goes next, decided before anything is written: placement inserts the order
    straight into it, a decision moves the order there with _move."""

    state: str
    event: str  # the notification it sets off
    reason: str = ""
    hold_reasons: list[str] = field(default_factory=list)
    steps: list[approval.ApprovalStep] = field(default_factory=list)  # unsaved, the first one pending


def _customer_stop(*, membership: Membership, total: Decimal, currency: str) -> _Stop | None:
    """Above the buyer's spending limit, the company's approver decides first."""
    limit = membership.spending_limit
    if membership.role == Membership.Role.APPROVER or limit is None or total <= limit:
        return None
    reason = _("Above %(user)s's spending limit of %(currency)s %(limit)s") % {
        "user": membership.user,
        "currency": currency,
        "limit": limit,
    }
    step = approval.ApprovalStep(customer_side=True, sequence=0, reason=reason)
    approval.activate(step, hours=24, save=False)
    return _Stop(OrderState.AWAITING_CUSTOMER_APPROVAL, "approval_needed", reason, steps=[step])


def _credit_hold_reasons(*, company: Company, total: Decimal, account: CreditAccount, today: date) -> list[str]:
    reasons = []
    if company.credit_limit == 0:
        reasons.append(_("Your account is prepaid: finance confirms the order once it is paid."))
    elif account.available(company.credit_limit) < total:
        reasons.append(
            _("This order (%(currency)s %(total)s) is more than your available credit (%(currency)s %(available)s).")
            % {"currency": company.currency, "total": total, "available": account.available(company.credit_limit)}
        )
    if account.overdue_beyond_grace(grace_days=company.grace_days, today=today):
        reasons.append(_("An invoice is overdue beyond your grace days."))
    return reasons


def _stop_past_customer(
    *, company: Company, total: Decimal, account: CreditAccount, today: date, facts, first_sequence, skip_credit=False
) -> _Stop:
    """Credit hold, the staff approval rules, or confirmed.

    `facts` and `first_sequence` are functions, called only when a rule is active (placement
    knows the facts already; a decision reads them back from the order)."""
    hold = [] if skip_credit else _credit_hold_reasons(company=company, total=total, account=account, today=today)
    if hold:
        return _Stop(OrderState.CREDIT_HOLD, "credit_hold", " ".join(hold), hold_reasons=hold)
    rules = approval.active_rules()
    steps = approval.staff_steps(rules=rules, facts=facts(), first_sequence=first_sequence()) if rules else []
    if steps:
        approval.activate(steps[0], save=False)
        return _Stop(OrderState.AWAITING_APPROVAL, "approval_needed", steps[0].reason, steps=steps)
    return _Stop(OrderState.APPROVED, "approved")


def _move_past_customer(*, order: Order, account: CreditAccount, actor, skip_credit: bool = False) -> str:
    """A decision let an order past the company's approver or finance: on to the next stop.
    Returns the event to notify."""
    stop = _stop_past_customer(
        company=order.company,
        total=order.total,
        account=account,
        today=timezone.localdate(),
        facts=lambda: _facts_for_order(order),
        first_sequence=lambda: 1 + approval.ApprovalStep.objects.filter(order=order).count(),
        skip_credit=skip_credit,
    )
    if stop.hold_reasons:
        order.hold_reasons = stop.hold_reasons
        order.save(update_fields=["hold_reasons"])
    _save_steps(order, stop.steps)
    if stop.state == OrderState.APPROVED:
        _add_to_exposure(account, order.total)
    states.transition(order=order, to_state=stop.state, actor=actor, reason=stop.reason)
    return stop.event


def _lowest_price_vs_list_percent(book: PriceBook, lines) -> Decimal | None:
    """Lowest unit price ÷ default list price × 100 over (product_id, quantity, unit_price)."""
    list_prices = PriceBook(
        currency=book.currency,
        lists=[pl for pl in book.lists if pl.kind == PriceList.Kind.DEFAULT],
        entries=book.entries,
    )
    ratios = []
    for product_id, quantity, unit_price in lines:
        list_price = list_prices.price(product_id, quantity)
        if list_price and list_price.unit_price > 0:
            ratios.append(unit_price / list_price.unit_price * 100)
    return min(ratios) if ratios else None


def _placement_facts(*, company: Company, quote: Quote) -> approval.Facts:
    """The rules' facts from what placement has in hand, before the order exists. An order being
    placed was not on credit hold (over-credit orders go there before the rules)."""
    return approval.Facts(
        total=quote.total,
        over_credit=False,
        first_order=not Order.objects.filter(company=company).exists(),
        has_restricted_product=any(line.product.category.restricted for line in quote.lines),
        lowest_price_vs_list_percent=_lowest_price_vs_list_percent(
            quote.price_book, [(line.product.pk, line.quantity, line.price.unit_price) for line in quote.lines]
        ),
    )


def _facts_for_order(order: Order) -> approval.Facts:
    """What the approval rules look at, for an order placed earlier (a decision moves it on)."""
    lines = list(order.lines.select_related("product__category"))
    book = price_book(company=order.company, product_ids=[line.product_id for line in lines])
    return approval.Facts(
        total=order.total,
        # Over-credit orders wait for finance first; once released, an "over credit" rule can
        # still send them on to, say, the sales director.
        over_credit=order.events.filter(to_state=OrderState.CREDIT_HOLD).exists(),
        first_order=not Order.objects.filter(company=order.company).exclude(pk=order.pk).exists(),
        has_restricted_product=any(line.product.category.restricted for line in lines),
        lowest_price_vs_list_percent=_lowest_price_vs_list_percent(
            book, [(line.product_id, line.quantity, line.unit_price) for line in lines]
        ),
    )


def _add_to_exposure(account: CreditAccount, amount: Decimal) -> None:
    """Change the approved-not-invoiced part of the exposure. Every caller read `account` with
    its row lock in this transaction and nothing else writes the row while the lock is held, so
    Decimal arithmetic on the loaded value is exact and safe (an F() expression would be computed
    as a float on SQLite)."""
    account.approved_uninvoiced += amount
    account.save(update_fields=["approved_uninvoiced", "updated_at"])


def _confirm(*, order: Order, account: CreditAccount, actor, reason: str = "") -> None:
    _add_to_exposure(account, order.total)
    states.transition(order=order, to_state=OrderState.APPROVED, actor=actor, reason=reason)


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
            _notify_after_commit(order, _move_past_customer(order=order, account=account, actor=membership.user))
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
        _notify_after_commit(order, "approved")
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
        _notify_after_commit(order, _move_past_customer(order=order, account=account, actor=user, skip_credit=True))
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
    if allocations:
        forget_stock(Lot.objects.filter(pk__in={a.lot_id for a in allocations}).values_list("product_id", flat=True))


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
