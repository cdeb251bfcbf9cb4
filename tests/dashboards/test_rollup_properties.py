"""The rollups equal the raw aggregate of the base tables after any sequence of orders placed,
cancelled, shipped (and so invoiced), credited, voided, paid, refunded and reversed, on several
days, whether kept up to date write by write (the receivers' tasks) or rebuilt whole.

The raw aggregate here is computed in Python from the ORM, independently of rollups.py's SQL."""

import uuid
from collections import defaultdict
from datetime import datetime, timedelta
from decimal import Decimal

import pytest
import time_machine
from django.db import transaction
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from billing.models import Invoice, InvoiceLine, LedgerEntry, Payment
from billing.services import invoicing, ledger
from ordering import states
from ordering.models import Order, OrderState
from portal.dashboards import rollups
from portal.dashboards.models import (
    CompanySalesPeriod,
    DailyCompanySales,
    DailyProductSales,
    ProductSalesPeriod,
)
from tests.factories import StaffFactory

ZERO = Decimal("0")
# A Sunday, the last but two of March: the four days the steps fall on cross a week and a month.
START = datetime(2026, 3, 29, 10, 0, tzinfo=timezone.get_fixed_timezone(480))

steps = st.lists(
    st.one_of(
        st.tuples(st.just("sell"), st.integers(1, 4), st.sampled_from(["lot", "standard", "none"]), st.booleans()),
        st.tuples(st.just("place"), st.integers(1, 3)),
        st.tuples(st.just("cancel"), st.integers(0, 20)),
        st.tuples(st.just("credit"), st.integers(0, 20)),
        st.tuples(st.just("void"), st.integers(0, 20)),
        st.tuples(st.just("pay"), st.decimals(min_value=Decimal("0.01"), max_value=Decimal("900"), places=2)),
        st.tuples(st.just("refund"), st.integers(0, 20)),
        st.tuples(st.just("reverse"), st.integers(0, 20)),
    ),
    min_size=1,
    max_size=6,
)


def _pick(queryset, index):
    items = list(queryset.order_by("pk"))
    return items[index % len(items)] if items else None


def _product_rows():
    rows = defaultdict(lambda: [0, ZERO, ZERO, ZERO])
    lines = InvoiceLine.objects.select_related(
        "invoice",
        "order_line__product",
        "shipment_line__lot",
        "credited_line__order_line__product",
        "credited_line__shipment_line__lot",
    )
    for line in lines:
        invoice = line.invoice
        source = line.credited_line or line
        product = source.order_line.product if source.order_line else None
        lot = source.shipment_line.lot if source.shipment_line else None
        unit_cost = lot.unit_cost if lot and lot.unit_cost is not None else (product.standard_cost if product else None)
        sign = -1 if invoice.kind == Invoice.Kind.CREDIT_NOTE else 1
        moves_goods = invoice.kind == Invoice.Kind.INVOICE or invoice.credit_reason in ("return", "void")
        row = rows[(invoice.issued_on, invoice.company_id, product.pk if product else None, invoice.currency)]
        row[0] += sign * line.quantity if moves_goods else 0
        row[1] += sign * line.net
        if unit_cost is not None:
            row[2] += sign * line.net
            row[3] += sign * line.quantity * unit_cost if moves_goods else ZERO
    return {key: tuple(value) for key, value in rows.items() if any(value)}


def _company_rows():
    rows = defaultdict(lambda: [0, ZERO, ZERO])
    for order in Order.objects.exclude(state__in=[OrderState.CANCELLED, OrderState.REJECTED]):
        row = rows[(timezone.localdate(order.placed_at), order.company_id, order.currency)]
        row[0] += 1
        row[1] += order.subtotal
    for entry in LedgerEntry.objects.select_related("reverses"):
        money_in = entry.kind in ("payment", "refund") or (
            entry.kind == "reversal" and entry.reverses.kind in ("payment", "refund")
        )
        if money_in:
            rows[(entry.booked_on, entry.company_id, entry.currency)][2] -= entry.amount
    return {key: tuple(value) for key, value in rows.items() if any(value)}


PRODUCT_FIELDS = ("quantity", "revenue", "costed_revenue", "cost")
COMPANY_FIELDS = (*PRODUCT_FIELDS, "orders", "order_value", "collected")


def _check_periods(daily, periods, key: str, fields: tuple) -> None:
    expected = defaultdict(lambda: [0] * len(fields))
    for r in daily.objects.all():
        for grain, (start, _end) in ((grain, rollups.period_of(r.day, grain)) for grain in rollups.GRAINS):
            for index, name in enumerate(fields):
                expected[(grain, start, getattr(r, key), r.currency)][index] += getattr(r, name)
    found = {
        (r.grain, r.start, getattr(r, key), r.currency): [getattr(r, name) for name in fields]
        for r in periods.objects.all()
    }
    assert found == dict(expected), periods.__name__


def _rolled_up():
    product = {
        (r.day, r.company_id, r.product_id, r.currency): (r.quantity, r.revenue, r.costed_revenue, r.cost)
        for r in DailyProductSales.objects.all()
    }
    company = {
        (r.day, r.company_id, r.currency): (r.orders, r.order_value, r.collected)
        for r in DailyCompanySales.objects.all()
    }
    # The company-day rows also carry their product rows' sums.
    sums = defaultdict(lambda: [0, ZERO, ZERO, ZERO])
    for (day, company_id, _product, currency), values in product.items():
        for index, value in enumerate(values):
            sums[(day, company_id, currency)][index] += value
    for r in DailyCompanySales.objects.all():
        assert (r.quantity, r.revenue, r.costed_revenue, r.cost) == tuple(sums[(r.day, r.company_id, r.currency)])
    # The week and month rows are their day rows' sums: per company, and per product over all.
    _check_periods(DailyCompanySales, CompanySalesPeriod, "company_id", COMPANY_FIELDS)
    _check_periods(DailyProductSales, ProductSalesPeriod, "product_id", PRODUCT_FIELDS)
    return (
        {key: value for key, value in product.items() if any(value)},
        {key: value for key, value in company.items() if any(value)},
    )


@pytest.fixture
def world(company, make_product, place_order, ship_order, django_capture_on_commit_callbacks):
    company.credit_limit = Decimal("10000000.00")
    company.save(update_fields=["credit_limit"])
    staff = StaffFactory(is_superuser=True)

    def run(step, day):
        kind = step[0]
        with (
            time_machine.travel(START + timedelta(days=day), tick=False),
            django_capture_on_commit_callbacks(execute=True),
        ):
            if kind in ("sell", "place"):
                quantity = step[1]
                cost = step[2] if kind == "sell" else "standard"
                product = make_product(
                    price="12.50", stock=quantity + 5, standard_cost=Decimal("7.25") if cost == "standard" else None
                )
                if cost == "lot":
                    product.lots.update(unit_cost=Decimal("6.10"))
                order = place_order(product=product, quantity=quantity, state=OrderState.APPROVED)
                if kind == "sell":
                    ship_order(order)
            elif kind == "cancel":
                order = _pick(Order.objects.filter(state=OrderState.APPROVED), step[1])
                if order:
                    states.transition(order=order, to_state=OrderState.CANCELLED, actor=staff)
            elif kind in ("credit", "void"):
                invoice = _pick(Invoice.objects.filter(kind=Invoice.Kind.INVOICE, credit_notes__isnull=True), step[1])
                if invoice and kind == "void":
                    invoicing.void_invoice(invoice, comment="wrong customer", actor=staff, render=False)
                elif invoice:
                    line = invoice.lines.first()
                    invoicing.credit_lines(
                        invoice,
                        {line.pk: 1},
                        reason=Invoice.CreditReason.CORRECTION,
                        comment="price",
                        actor=staff,
                        render=False,
                    )
            elif kind == "pay":
                with transaction.atomic():
                    account = ledger.lock_books(company.pk)
                    payment = Payment.objects.create(
                        company=company,
                        method=Payment.Method.TRANSFER,
                        state=Payment.State.SUCCEEDED,
                        currency=company.currency,
                        amount=step[1],
                        received_on=timezone.localdate(),
                        reference=f"T-{uuid.uuid4().hex[:8]}",
                    )
                    ledger.book_payment(account, payment, actor=staff)
            elif kind == "refund":
                payment = _pick(Payment.objects.filter(unallocated__gt=0, entries__kind="payment").distinct(), step[1])
                if payment:
                    with transaction.atomic():
                        account = ledger.lock_books(company.pk)
                        ledger.refund_payment(account, payment, payment.unallocated, actor=staff, memo="refund")
            elif kind == "reverse":
                payment = _pick(
                    Payment.objects.filter(entries__kind="payment")
                    .exclude(entries__reversed_by__isnull=False)
                    .exclude(refunded__gt=0),
                    step[1],
                )
                if payment:
                    with transaction.atomic():
                        account = ledger.lock_books(company.pk)
                        ledger.reverse_payment(account, payment, actor=staff, memo="wrong customer")

    return run


@settings(
    max_examples=6, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow]
)
@given(steps=steps, days=st.lists(st.integers(0, 3), min_size=6, max_size=6))
def test_rollups_equal_the_raw_aggregate(world, steps, days):
    for step, day in zip(steps, days, strict=False):
        world(step, day)
        assert _rolled_up() == (_product_rows(), _company_rows()), step
    rollups.rebuild()
    assert _rolled_up() == (_product_rows(), _company_rows())


def test_a_slice_recomputed_twice_is_unchanged(world):
    world(("sell", 2, "lot", True), 0)
    world(("pay", Decimal("10.00")), 0)
    before = _rolled_up()
    assert before[0] and before[1]
    row = DailyCompanySales.objects.get()
    rollups.recompute_day(company_id=row.company_id, day=row.day)
    rollups.recompute_day(company_id=row.company_id, day=row.day)
    assert _rolled_up() == before
