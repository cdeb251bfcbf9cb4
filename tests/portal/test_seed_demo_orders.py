"""`manage.py seed_demo` gives the demo companies a year of orders, placed through the ordering
services: each company to its own rhythm, with orders in every state today, a stock ledger and
credit exposure that still add up, and nothing new when seeded again."""

import io
import statistics
from collections import Counter, defaultdict
from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.db import connection, transaction
from django.db.models import F, Q, Sum
from django.db.models.functions import Coalesce
from django.test import override_settings
from django.utils import timezone, translation
from django_tasks_db.models import DBTaskResult

from accounts import roles
from accounts.models import Company, CreditAccount, Membership, Notification, NotificationKind
from catalog.models import Allocation, Lot, PriceList, StockMove
from catalog.stock import lots_expiring
from kit import phrases
from ordering.approval import ApprovalRule, ApprovalStep
from ordering.fulfilment import returns
from ordering.fulfilment.models import (
    LotRecall,
    PickLine,
    PickList,
    ReturnLine,
    ReturnRequest,
    Shipment,
    ShipmentLine,
)
from ordering.fulfilment.trace import orders_holding_lots, receivers_of_lot
from ordering.models import Order, OrderEvent, OrderLine, OrderNumberSequence, OrderState
from ordering.states import TRANSITIONS
from portal import demo
from portal.demo.catalog import RECALLED_LOT
from portal.demo.fulfilment import RECENT_NOTES, WARM_ARRIVAL_EVERY
from portal.demo.orders import (
    APPROVED_NOT_INVOICED,
    HISTORY_LOT_PREFIX,
    PROFILES,
    SCENARIOS,
    WEEKLY,
    cold_store_closed,
    in_school_term,
    order_key,
    season,
)
from portal.rhythm.models import CustomerRhythm, VisitNote

pytestmark = pytest.mark.django_db

S = OrderState
STATES_TODAY = {
    S.AWAITING_CUSTOMER_APPROVAL,
    S.AWAITING_APPROVAL,
    S.CREDIT_HOLD,
    S.APPROVED,
    S.PICKING,
    S.PARTLY_SHIPPED,
    S.SHIPPED,
    S.DELIVERED,
    S.CLOSED,
    S.REJECTED,
    S.CANCELLED,
}


def seed() -> str:
    out = io.StringIO()
    call_command("seed_demo", stdout=out)
    return out.getvalue()


@pytest.fixture(scope="module")
def seeded(django_db_setup, django_db_blocker):
    """The seed runs once for this module, in a transaction rolled back after its last test;
    each test still runs in its own savepoint, so what a test writes is undone after it."""
    with django_db_blocker.unblock(), transaction.atomic():
        # With the database task backend, as `make run` seeds: ordering writes its notification
        # tasks as rows in the transaction, which the seed must take back for history too.
        with override_settings(TASKS={"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}):
            output = seed()
        # Notifications queued for after commit (cache invalidations are queued there too).
        notifications = [call for _ids, call, _robust in connection.run_on_commit if "_notify" in call.__qualname__]
        # What the ship service queues for after commit: "shipped" and the delivery note's task.
        shipping = [call for _ids, call, _robust in connection.run_on_commit if call.__qualname__.startswith("ship.")]
        told = list(DBTaskResult.objects.values_list("args_kwargs__kwargs__order_id", flat=True))
        yield {
            "output": output,
            "queued_after_commit": len(notifications),
            "shipping_after_commit": len(shipping),
            "told": told,
            "now": timezone.now(),
        }
        transaction.set_rollback(True)


def order_by_label(label: str) -> Order:
    scenario = next(scenario for scenario in SCENARIOS if scenario.label == label)
    company = demo.company_by_key(scenario.company)
    return next(
        order
        for order in company.orders.all()
        if order.idempotency_key == order_key(company, local_day(order.placed_at), label)
    )


def local_day(moment):
    return timezone.localtime(moment).date()


def history(company: Company):
    """The company's rhythm orders (not the recent ad-hoc ones of SCENARIOS)."""
    ad_hoc = {
        order_key(company, local_day(order.placed_at), scenario.label)
        for order in company.orders.all()
        for scenario in SCENARIOS
    }
    return [order for order in company.orders.order_by("placed_at") if order.idempotency_key not in ad_hoc]


def test_a_year_of_orders_for_every_company(seeded):
    now = seeded["now"]
    orders = Order.objects.all()
    assert 300 <= orders.count() <= 450
    assert not orders.filter(placed_at__gt=now).exists()
    first = orders.order_by("placed_at").first().placed_at
    assert now - timedelta(days=366) <= first <= now - timedelta(days=330)
    months = {(local_day(order.placed_at).year, local_day(order.placed_at).month) for order in orders}
    assert len(months) >= 12
    assert Company.objects.filter(orders__isnull=True).count() == 0
    summary = next(line for line in seeded["output"].splitlines() if "Orders: " in line)
    assert "closed" in summary and "awaiting" in summary


def test_each_company_orders_to_its_own_rhythm(seeded):
    today = timezone.localdate()
    for key, profile in PROFILES.items():
        company = demo.company_by_key(key)
        orders = history(company)
        days = [local_day(order.placed_at) for order in orders]
        assert days, key
        assert not any(day.weekday() == 6 for day in days), key  # no deliveries on Sundays, no orders
        assert not any(cold_store_closed(day) for day in days), key
        if profile.rhythm == WEEKLY:
            assert Counter(day.weekday() for day in days).most_common(1)[0][0] == profile.day, key
            assert len(orders) >= min(45, (profile.since_days - profile.until_days) // 7 - 3), key

    # Restaurants weekly, the supermarket monthly with bigger baskets.
    bayside, freshmart = demo.company_by_key("bayside"), demo.company_by_key("freshmart")
    assert len(history(bayside)) >= 45
    assert 11 <= len(history(freshmart)) <= 13
    assert statistics.median(o.lines.count() for o in history(freshmart)) > statistics.median(
        o.lines.count() for o in history(bayside)
    )
    assert statistics.median(o.total for o in history(freshmart)) > 2 * statistics.median(
        o.total for o in history(bayside)
    )
    # The school canteens only in term time (ordering on Fridays for the next week).
    for order in history(demo.company_by_key("mingde")):
        assert in_school_term(local_day(order.placed_at) + timedelta(days=3))
    # Jade Garden became a customer this quarter; Spicy Road has ordered nothing since it was suspended.
    assert local_day(demo.company_by_key("jadegarden").orders.order_by("placed_at").first().placed_at) >= (
        today - timedelta(days=PROFILES["jadegarden"].since_days)
    )
    last_spicy = demo.company_by_key("spicyroad").orders.order_by("-placed_at").first()
    assert local_day(last_spicy.placed_at) <= today - timedelta(days=PROFILES["spicyroad"].until_days)
    # The vet clinic now and then.
    assert 4 <= demo.company_by_key("petcare").orders.count() <= 12


def test_baskets_repeat_the_usual_products_and_grow_before_festivals(seeded):
    bayside = history(demo.company_by_key("bayside"))
    products = Counter(line.product_id for order in bayside for line in order.lines.all())
    # A personal "usual" set: a few staples in most orders, not a new assortment every week.
    assert len(products) <= 40
    assert products.most_common(1)[0][1] >= len(bayside) // 2
    assert all(4 <= order.lines.count() <= 12 for order in bayside)

    # More of everything, and festive extras, in the weeks before Chinese New Year and Mid-Autumn.
    festive, ordinary = [], []
    for key in ("bayside", "xiguan", "canton", "spicyroad", "mingde"):
        for order in history(demo.company_by_key(key)):
            (festive if season(local_day(order.placed_at))[0] > 1 else ordinary).append(order.total)
    assert festive and ordinary
    assert statistics.mean(festive) > Decimal("1.3") * statistics.mean(ordinary)


def test_orders_in_every_state_today_with_reasons(seeded):
    states = Counter(Order.objects.values_list("state", flat=True))
    assert STATES_TODAY <= set(states), states
    assert states[S.CLOSED] > states[S.DELIVERED] > 0

    for order in Order.objects.filter(state__in=[S.REJECTED, S.CANCELLED]):
        assert order.events.order_by("-at", "-pk").first().reason.strip(), order.number

    # Awaiting the customer's approver: a buyer over her spending limit.
    waiting = Order.objects.filter(state=S.AWAITING_CUSTOMER_APPROVAL).first()
    buyer = Membership.objects.get(company=waiting.company, user=waiting.placed_by)
    assert waiting.total > buyer.spending_limit
    assert waiting.approval_steps.get(status="pending").customer_side

    # Awaiting the sales director under a seeded rule.
    for order in Order.objects.filter(state=S.AWAITING_APPROVAL):
        step = order.approval_steps.get(status="pending")
        assert step.approver_group.name == roles.ORDER_APPROVER
        assert step.rule.name in {"Orders of ¥20,000 or more", "First order of a new customer"}

    # On credit hold: a prepaid customer, and a customer near its limit.
    held = {order.company.credit_limit == 0: order for order in Order.objects.filter(state=S.CREDIT_HOLD)}
    assert set(held) == {True, False}
    with translation.override("en"):
        assert "available credit" in " ".join(phrases.render_all(held[False].hold_reasons))
    account = CreditAccount.objects.get(company=held[False].company)
    assert account.available(held[False].company.credit_limit) < held[False].total

    # Rejections by each kind of decider.
    deciders = {order.events.order_by("-at", "-pk").first().actor for order in Order.objects.filter(state=S.REJECTED)}
    assert any(user.is_staff for user in deciders) and any(not user.is_staff for user in deciders)


def test_approval_rules_and_their_history(seeded):
    rules = {rule.name: rule for rule in ApprovalRule.objects.filter(active=True)}
    assert rules["Orders of ¥20,000 or more"].amount == Decimal("20000.00")
    assert rules["First order of a new customer"].condition == ApprovalRule.Condition.FIRST_ORDER
    assert {rule.approver_group.name for rule in rules.values()} == {roles.ORDER_APPROVER}
    # Every company's first order went to the director.
    first_orders = ApprovalStep.objects.filter(rule=rules["First order of a new customer"])
    assert first_orders.values("order__company").distinct().count() == Company.objects.count()
    assert first_orders.filter(status="approved", decided_by__email__startswith="director@").exists()
    # Prepaid customers' orders were released by finance, customer approvers decided theirs.
    assert OrderEvent.objects.filter(from_state=S.CREDIT_HOLD, to_state=S.APPROVED, actor__email__startswith="finance@")
    assert ApprovalStep.objects.filter(customer_side=True, status="approved").exists()
    assert not ApprovalStep.objects.filter(decided_at__gt=seeded["now"]).exists()


def test_lines_carry_prices_and_sources_from_the_services(seeded):
    lines = OrderLine.objects.select_related("order")
    assert not lines.exclude(price_source__in=PriceList.Kind.values).exists()
    assert not lines.filter(price_list_id__isnull=True).exists()
    # Only the partly shipped order, picked short, has lines on backorder.
    assert set(lines.filter(backorder_quantity__gt=0).values_list("order__state", flat=True)) == {S.PARTLY_SHIPPED}
    assert lines.filter(order__company=demo.company_by_key("bayside"), price_source=PriceList.Kind.CONTRACT).exists()
    assert lines.filter(price_source=PriceList.Kind.TIER).exists()
    for order in Order.objects.all()[:50]:
        totals = order.lines.aggregate(subtotal=Sum("line_total"), tax=Sum("tax_amount"))
        assert (order.subtotal, order.tax_total) == (totals["subtotal"], totals["tax"])
    assert Order.objects.filter(placed_for_customer_by__isnull=False).exists()  # reps order on behalf


def test_stock_ledger_adds_up_for_every_lot(seeded):
    on_hand_off = Lot.objects.annotate(ledger=Coalesce(Sum("moves__quantity"), 0)).exclude(ledger=F("on_hand"))
    assert list(on_hand_off.values_list("number", "on_hand", "ledger")) == []
    held = {
        row["lot_id"]: row["quantity"]
        for row in Allocation.objects.filter(released_at__isnull=True)
        .values("lot_id")
        .annotate(quantity=Sum("quantity"))
    }
    assert [lot.number for lot in Lot.objects.all() if lot.allocated != held.get(lot.pk, 0)] == []

    # History came from history lots only (the recalled lot is one), but for the order that took
    # a short-dated lot: today's demo stock is as the catalog seeded it.
    history_lots = Lot.objects.filter(Q(number__startswith=HISTORY_LOT_PREFIX) | Q(number=RECALLED_LOT))
    assert history_lots.exists()
    short_dated = order_by_label("farm-short-dated")
    stray = Allocation.objects.exclude(lot__in=history_lots)
    assert set(stray.values_list("order_line_id", flat=True)) == set(short_dated.lines.values_list("pk", flat=True))
    # Nothing extra for sale, but for the demo's received return, restocked into its own lot.
    restocked = dict(
        ReturnLine.objects.filter(outcome=ReturnLine.Outcome.RESTOCK)
        .values("lot_id")
        .annotate(quantity=Sum("quantity"))
        .values_list("lot_id", "quantity")
    )
    assert restocked
    assert [lot.number for lot in history_lots if lot.on_hand != lot.allocated + restocked.get(lot.pk, 0)] == []
    # Goods left the history lots through shipments, one move per pick, dated with the shipment.
    moves = StockMove.objects.filter(lot__in=history_lots, kind=StockMove.Kind.SHIPMENT)
    assert moves.count() == PickLine.objects.filter(shipment__isnull=False).count()
    shipped_at = dict(Shipment.objects.values_list("number", "shipped_at"))
    assert all(shipped_at[reference] == at for reference, at in moves.values_list("reference", "created_at"))
    # Open orders hold their stock; shipped (even partly), delivered, closed, rejected and
    # cancelled ones do not (the partly shipped order's shortfall is on backorder).
    for order in Order.objects.prefetch_related("lines"):
        line_ids = [line.pk for line in order.lines.all()]
        open_allocations = Allocation.objects.filter(order_line_id__in=line_ids, released_at__isnull=True)
        holds = order.state in {
            *APPROVED_NOT_INVOICED,
            S.AWAITING_CUSTOMER_APPROVAL,
            S.AWAITING_APPROVAL,
            S.CREDIT_HOLD,
        }
        assert open_allocations.exists() == (holds and order.state not in (S.SHIPPED, S.PARTLY_SHIPPED)), order.number


def test_credit_exposure_counts_confirmed_orders_not_yet_invoiced(seeded):
    """Approved orders count in full until billing's invoices release what they shipped."""
    from billing.models import ExposureRelease

    approved_ever = [*APPROVED_NOT_INVOICED, S.DELIVERED, S.CLOSED]
    for company in Company.objects.all():
        approved = Order.objects.filter(company=company, state__in=approved_ever).aggregate(
            total=Coalesce(Sum("total"), Decimal("0.00"))
        )["total"]
        released = ExposureRelease.objects.filter(order__company=company).aggregate(
            total=Coalesce(Sum("amount"), Decimal("0.00"))
        )["total"]
        expected = approved - released
        account = CreditAccount.objects.filter(company=company).first()
        assert (account.approved_uninvoiced if account else Decimal("0.00")) == expected, company


def test_every_event_is_a_legal_transition_at_its_historic_time(seeded):
    now = seeded["now"]
    for order in Order.objects.prefetch_related("events"):
        events = list(order.events.all())
        assert events[0].from_state == "" and events[0].to_state == S.SUBMITTED, order.number
        assert events[0].at == order.placed_at
        for before, after in zip(events, events[1:], strict=False):
            assert after.from_state == before.to_state, order.number
            assert after.to_state in TRANSITIONS[before.to_state], order.number
            assert before.at <= after.at, order.number
        assert events[-1].to_state == order.state
        assert events[-1].at <= now
    # The warehouse picked and shipped, deliveries were signed for.
    assert OrderEvent.objects.filter(to_state=S.PICKING, actor__email__startswith="warehouse@").exists()
    assert not OrderEvent.objects.filter(to_state=S.DELIVERED, actor__isnull=False).exists()


def test_order_numbers_follow_the_year_they_were_placed_in(seeded):
    by_year = defaultdict(list)
    for order in Order.objects.order_by("placed_at", "pk"):
        year = local_day(order.placed_at).year
        assert order.number.startswith(f"SO-{year}-"), order.number
        by_year[year].append(int(order.number.rsplit("-", 1)[1]))
    for year, numbers in by_year.items():
        assert numbers == list(range(1, len(numbers) + 1)), year  # gapless, in date order
        assert OrderNumberSequence.objects.get(year=year).last == len(numbers)


def test_idempotency_keys_find_the_same_orders(seeded, place_order):
    bayside = demo.company_by_key("bayside")
    order = history(bayside)[0]
    assert order.idempotency_key == order_key(bayside, local_day(order.placed_at))
    again = place_order(
        buyer=order.placed_by,
        company=bayside,
        lines=(),
        ship_to=order.ship_to,
        expected_total=order.total,
        idempotency_key=order.idempotency_key,
    )
    assert again.pk == order.pk
    assert Order.objects.filter(idempotency_key=order.idempotency_key).count() == 1


def test_history_tells_no_one(seeded):
    # Only the recent ad-hoc orders queue notifications, not a year of history.
    assert seeded["queued_after_commit"] == 0  # the database backend takes them as rows
    assert 0 < len(seeded["told"]) <= 6 * len(SCENARIOS)
    rhythm = {order.pk for company in Company.objects.all() for order in history(company)}
    assert rhythm and not rhythm & set(seeded["told"])
    # A year of shipments tells no one and queues no delivery notes: only today's shipped and
    # partly shipped orders' shipments do (three callbacks each: the "shipped" notice, the
    # delivery note, and the shipment_shipped signal billing invoices on).
    recent = Shipment.objects.exclude(order__in=rhythm).count()
    assert recent == 2 and seeded["shipping_after_commit"] == 3 * recent


def test_running_twice_creates_nothing(seeded):
    models = [Order, OrderLine, OrderEvent, ApprovalRule, ApprovalStep, Lot, StockMove, Allocation]
    models += [PickList, PickLine, Shipment, LotRecall, Notification, ReturnRequest, ReturnLine]
    before = {model.__name__: model.objects.count() for model in models}
    exposure = list(CreditAccount.objects.order_by("pk").values_list("pk", "approved_uninvoiced"))
    second = seed()
    assert {model.__name__: model.objects.count() for model in models} == before
    assert list(CreditAccount.objects.order_by("pk").values_list("pk", "approved_uninvoiced")) == exposure
    assert "0 rows created" in second
    assert "already had orders" in second


def test_the_warehouse_picked_shipped_and_delivered_through_fulfilment(seeded):
    now = seeded["now"]
    # Every order that left the warehouse did so in shipments of what was picked, at the time of
    # its event; nothing shipped that was not ordered.
    left = Order.objects.filter(state__in=[S.PARTLY_SHIPPED, S.SHIPPED, S.DELIVERED, S.CLOSED])
    assert left.count() > 300
    assert not left.filter(shipments__isnull=True).exists()
    assert (
        not Order.objects.exclude(state__in=[S.PICKING, S.PARTLY_SHIPPED, S.SHIPPED, S.DELIVERED, S.CLOSED])
        .filter(pick_lists__isnull=False)
        .exists()
    )
    shipped = ShipmentLine.objects.values("order_line_id").annotate(quantity=Sum("quantity"))
    full = {row["order_line_id"]: row["quantity"] for row in shipped}
    for line in OrderLine.objects.filter(order__state__in=[S.SHIPPED, S.DELIVERED, S.CLOSED]):
        assert full.get(line.pk) == line.quantity, line.order_id
    for shipment in Shipment.objects.select_related("order")[:60]:
        event = shipment.order.events.get(to_state__in=[S.SHIPPED, S.PARTLY_SHIPPED])
        assert shipment.shipped_at == event.at <= now
        assert shipment.shipped_by.email.startswith("warehouse@") and shipment.carrier
    assert not PickList.objects.filter(started_at__gt=now).exists()
    assert not PickLine.objects.filter(picked_at__gt=now).exists()

    # Delivered and closed orders were signed for at their delivery time, temperatures taken;
    # a couple arrived too warm and are flagged.
    delivered = Shipment.objects.filter(order__state__in=[S.DELIVERED, S.CLOSED])
    assert delivered.count() == delivered.filter(state=Shipment.State.DELIVERED).count() > 0
    for shipment in delivered.select_related("order")[:60]:
        assert shipment.delivered_at == shipment.order.events.get(to_state=S.DELIVERED).at
        assert shipment.shipped_at <= shipment.delivered_at and shipment.received_by
    cold = delivered.exclude(arrival_temperature__isnull=True).count()
    flagged = Shipment.objects.filter(temperature_flagged=True).count()
    assert flagged == cold // WARM_ARRIVAL_EVERY >= 1

    # The partly shipped order was picked short on two lines: that is on backorder, the rest left.
    partly = order_by_label("szbay-partly")
    assert partly.state == S.PARTLY_SHIPPED
    assert PickLine.objects.filter(order_line__order=partly, shortfall__gt=0).count() == 2
    assert partly.shipments.count() == 1
    # The order being picked has part of its list confirmed.
    being_picked = order_by_label("canton-picking").pick_lists.get()
    assert being_picked.state == PickList.State.PICKING
    assert 0 < being_picked.lines.filter(picked_at__isnull=False).count() < being_picked.lines.count()

    # The most recent shipments have their delivery notes.
    recent = list(Shipment.objects.order_by("-shipped_at", "-pk")[:RECENT_NOTES])
    assert all(shipment.delivery_note for shipment in recent)


def test_a_short_dated_lot_and_a_recall_to_look_at(seeded):
    # An order holds a short-dated lot: "Expiring lots and their orders" lists it.
    short_dated = order_by_label("farm-short-dated")
    assert short_dated.state == S.APPROVED
    lots = lots_expiring(today=timezone.localdate())
    holding = orders_holding_lots([lot.pk for lot in lots])
    assert short_dated.pk in {row.order.pk for rows in holding.values() for row in rows}

    # The recalled lot reached several customers through shipments, is on quality hold, and the
    # people who ordered it and their companies' admins were told, once each.
    lot = Lot.objects.get(number=RECALLED_LOT)
    recall = LotRecall.objects.get(lot=lot)
    lot.refresh_from_db()
    assert lot.held_at is not None and recall.recalled_by.email.startswith("manager@")
    companies = set(ShipmentLine.objects.filter(lot=lot).values_list("shipment__order__company", flat=True))
    assert len(companies) >= 2
    assert receivers_of_lot(lot)
    told = Notification.objects.filter(kind=NotificationKind.LOT_RECALL)
    assert told.count() == recall.notified >= len(companies)
    assert set(told.values_list("company", flat=True)) == companies


def test_one_return_waits_for_staff_and_one_was_received(seeded):
    waiting = ReturnRequest.objects.get(state=ReturnRequest.State.REQUESTED)
    # Received back into stock, then credited by billing's part of the demo, which closes it.
    received = ReturnRequest.objects.get(state=ReturnRequest.State.CLOSED)
    assert waiting.order_id != received.order_id
    for return_request in (waiting, received):
        # Asked by the customer who placed the order, for delivered goods still in the window.
        assert return_request.requested_by_id == return_request.order.placed_by_id
        assert not return_request.requested_by.is_staff
        line = return_request.lines.select_related("shipment_line__shipment").get()
        assert line.shipment_line.shipment.delivered_at >= returns.delivered_since()
    assert waiting.decided_at is None
    assert received.decided_by.is_staff and received.received_by.email.startswith("warehouse@")
    assert received.closed_at is not None and received.credit_note.total > 0
    line = received.lines.get()
    assert line.outcome == ReturnLine.Outcome.RESTOCK
    move = StockMove.objects.get(lot=line.lot, reference=received.number)
    assert move.quantity == line.quantity
    assert "returns: 1 waiting for staff, 1 received back into stock" in seeded["output"]


def test_service_tickets_tell_a_story(seeded):
    from portal.tickets import clock
    from portal.tickets.models import Ticket, TicketKind

    now = timezone.now()
    recall = Ticket.objects.get(kind=TicketKind.QUALITY, lot__number=RECALLED_LOT)
    assert recall.state == Ticket.State.RESOLVED and recall.rating == 5
    assert recall.messages.filter(internal=True).exists()
    assert recall.company_id in {line.shipment.order.company_id for line in ShipmentLine.objects.filter(lot=recall.lot)}
    breached = Ticket.objects.filter(clock.breached(now))
    assert breached.filter(kind=TicketKind.LATE_DELIVERY, first_response_at__isnull=True).exists()
    assert not Ticket.objects.filter(kind=TicketKind.TECHNICAL_QUESTION).filter(clock.breached(now)).exists()
    assert Ticket.objects.count() == 4


def test_a_late_customer_on_the_churn_warnings(seeded):
    """The rhythm step: Spicy Road, weekly until it was suspended, is late and its rep was told
    once; the reps' notes are there; the regular customers are on time."""
    spicy = demo.company_by_key("spicyroad")
    late = CustomerRhythm.objects.get(company=spicy)
    assert late.late and late.days_late > 90 and late.interval_days == 7
    assert Notification.objects.filter(user=spicy.sales_rep, kind=NotificationKind.CUSTOMER_LATE).count() == 1
    for key in ("bayside", "canton", "xiguan", "freshmart"):
        assert not CustomerRhythm.objects.get(company=demo.company_by_key(key)).late, key
    assert VisitNote.objects.filter(company=demo.company_by_key("mingde")).count() == 2
    assert f"rhythm of 12 customers, 1 late ({spicy.display_name})" in " ".join(seeded["output"].split())


def test_the_finance_dashboard_tells_the_billing_story(seeded):
    """Billing's demo books through the ledger, so its monthly rollup is there (and is what a
    rebuild from the entries gives); Mingde leads the overdue list's customers, Xiguan owes over
    90 days, and collections follow invoicing month by month."""
    from billing import aging, rollup
    from billing.models import MonthlyRollup
    from portal.dashboards.finance import finance_figures

    fields = ("company", "currency", "month", *rollup.COLUMNS, "closing_balance")
    kept = set(MonthlyRollup.objects.values_list(*fields))
    rollup.rebuild()
    assert kept and set(MonthlyRollup.objects.values_list(*fields)) == kept

    today = timezone.localdate()
    figures = finance_figures(Company.objects.all(), today=today, period=12)
    overdue_companies = [invoice.company for invoice in figures.overdue]
    assert demo.company_by_key("mingde") in overdue_companies
    over_90 = aging.invoices_in_bucket(Company.objects.all(), today, bucket=aging.OVER_90)
    assert demo.company_by_key("xiguan") in {invoice.company for invoice in over_90}
    months = figures.months["CNY"]
    assert len(months) == 12 and all(month.invoiced > 0 and month.collected > 0 for month in months[-6:])
