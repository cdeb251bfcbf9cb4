"""Placing an order.

place_order is one durable transaction that locks, in this fixed order, the company's credit
account, then the lots its cart could take stock from (by primary key), then the year's order
number row. Everyone takes the same locks in the same order, so placements never deadlock, no
two orders hold the same unit and no two orders fit into the same credit. E-mail goes out only
after commit.
"""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts import credit
from accounts.models import Address, Membership
from catalog import allocation
from catalog.offers import Refusal, for_sku, refusal_text
from catalog.stock import forget_stock
from kit import phrases

from .. import phrases as ordering_phrases
from .. import states
from ..models import Cart, Order, OrderLine, OrderNumberSequence, OrderState
from . import routing
from .common import OrderingError, PriceChanged, notify_after_commit
from .quote import Quote, _cart_wanted, _quote


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
            account = credit.locked_account(company.pk, with_company=True)
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
            problems = [for_sku(line.product.sku, problem) for line in quote.lines for problem in line.problems]
            if problems:
                raise OrderingError(" ".join(problems))
            if quote.total != expected_total:
                # Shown again with the new figures, availability included.
                raise PriceChanged(
                    _quote(company=company, wanted=_cart_wanted(cart), credit_account=account, today=today)
                )
            stop = routing.route_new_order(
                membership=membership, company=company, quote=quote, account=account, today=today
            )
            if stop.state == OrderState.APPROVED:
                credit.order_approved(account, quote.total)
            cart.lines.all().delete()
            # The catalog's cached availability of these products goes (again on commit); said
            # before the hot lots are locked, as it is a round trip to the cache.
            forget_stock(line.product.pk for line in quote.lines)
            picks = _pick(company=company, quote=quote, today=today)
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
            _write_lines(order=order, quote=quote, picks=picks)
            states.record_placement(
                order=order,
                actor=placed_for_customer_by or membership.user,
                phrase=phrases.phrase(ordering_phrases.PLACED_FOR_CUSTOMER, rep=str(placed_for_customer_by))
                if placed_for_customer_by
                else None,
                routed_by=membership.user,
                routed_phrase=stop.phrase,
            )
            routing.save_steps(order, stop.steps)
            # Registered inside the transaction: a placement that rolls back tells no one.
            notify_after_commit(order, "placed", stop.event)
    except IntegrityError:
        # The same checkout committed by a concurrent request between our check and insert.
        existing = Order.objects.filter(company=company, idempotency_key=idempotency_key).first()
        if existing is None:
            raise
        return existing
    return order


def _pick(*, company, quote: Quote, today: date) -> allocation.Picks:
    """The stock of every line, first expiry first, under the lots' row locks; a line short of
    stock that may not be backordered is refused, in the words the checkout page would use now."""
    # A line priced by a short-dated offer takes its stock from the offer's lots (catalog.offers).
    preferred = {line.product.pk: line.price.lot_ids for line in quote.lines if line.price and line.price.lot_ids}
    picks = allocation.pick(
        company=company,
        lines=[(line.product, line.quantity) for line in quote.lines],
        today=today,
        preferred_lots=preferred,
    )
    for line in quote.lines:
        if line.product.pk in picks.short and not line.product.allow_backorder:
            available = picks.short[line.product.pk]
            raise OrderingError(for_sku(line.product.sku, refusal_text(Refusal.OUT_OF_STOCK, {"available": available})))
        if line.product.pk in preferred and picks.from_preferred[line.product.pk] < line.quantity:
            # Someone took the offer's lots since the quote: the offer price no longer holds.
            raise OrderingError(
                for_sku(
                    line.product.sku,
                    _("Only %(left)s are left at the short-dated offer price; change the quantity.")
                    % {"left": picks.from_preferred[line.product.pk]},
                )
            )
    return picks


def _write_lines(*, order: Order, quote: Quote, picks: allocation.Picks) -> None:
    """The order's lines, then the stock they hold (catalog.allocation), one statement each."""
    order_lines = OrderLine.objects.bulk_create(
        OrderLine(
            order=order,
            product=line.product,
            sku=line.product.sku,
            name_en=line.product.name_en,
            name_zh=line.product.name_zh,
            sales_unit=line.product.sales_unit,
            quantity=line.quantity,
            allocated_quantity=picks.quantity(line.product.pk),
            backorder_quantity=line.quantity - picks.quantity(line.product.pk),
            unit_price=line.price.unit_price,
            price_source=line.price.source,
            price_list_id=line.price.price_list_id,
            price_list_name=line.price.price_list_name,
            price_list_name_zh=line.price.price_list_name_zh,
            tax_rate=line.product.tax_rate,
            line_total=line.line_total,
            tax_amount=line.tax_amount,
            catch_weight=line.product.catch_weight,
            nominal_weight_kg=line.product.nominal_weight_kg if line.product.catch_weight else None,
            weight_tolerance_percent=line.product.weight_tolerance_percent if line.product.catch_weight else None,
        )
        for line in quote.lines
    )
    allocation.hold(
        picks,
        company=order.company,
        order_lines={line.product.pk: order_line.pk for order_line, line in zip(order_lines, quote.lines, strict=True)},
    )
