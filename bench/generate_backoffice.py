"""What the back office's lists need in the bench database: staff with roles, orders across
states (awaiting approval and credit hold included) with lines, events and approval steps, and
the credit accounts those orders imply. A step of bench/generate.py, after the lots.

- Staff: `bench-manager@bench.example` (Manager, Finance and Order approver: sees every customer,
  decides every approval step of the order approvers and every credit hold) and the ten reps
  `bench-rep-N@bench.example` (Sales rep), each with a TOTP authenticator, as the back office
  requires of staff (production settings keep `StaffMFAMiddleware` on).
- Orders: every fourth company (the 3rd, 7th, ...: never company 1, the catalog runs' buyer)
  has ORDERS_PER_COMPANY orders over the last 180 days, so half the companies of a rep have
  orders and the other companies stay free for bench/scenarios_ordering.py, which uses
  companies without orders. Lines are loaded with COPY; credit accounts agree with the orders
  (`approved_uninvoiced` = the total of approved orders, as accounts/credit.py keeps it).
"""

import json
import random
import uuid
from datetime import timedelta
from decimal import Decimal

BENCH_MANAGER_EMAIL = "bench-manager@bench.example"
ORDERS_EVERY = 4  # companies 3, 7, 11, ... have orders
ORDERS_PER_COMPANY = 100
# state, weight: the busiest distributor's mix, with real queues for approval and credit.
STATES = [
    ("closed", 38),
    ("delivered", 28),
    ("shipped", 6),
    ("picking", 3),
    ("approved", 10),
    ("awaiting_customer_approval", 1),
    ("awaiting_approval", 5),
    ("credit_hold", 3),
    ("rejected", 3),
    ("cancelled", 3),
]
APPROVED_STATES = {"approved", "picking", "partly_shipped", "shipped", "delivered"}
STEP_DECIDED = {"closed", "delivered", "shipped", "picking", "approved", "rejected"}


def staff(generator, password: str):
    """The manager and the reps, in their groups, each with a TOTP authenticator."""
    from allauth.account.models import EmailAddress
    from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
    from django.contrib.auth.models import Group

    from accounts import roles
    from accounts.models import User

    manager = User.objects.create(
        email=BENCH_MANAGER_EMAIL, first_name="Bench", last_name="Manager", is_staff=True, password=password
    )
    EmailAddress.objects.create(user=manager, email=manager.email, verified=True, primary=True)
    manager.groups.set(Group.objects.filter(name__in=[roles.MANAGER, roles.FINANCE, roles.ORDER_APPROVER]))
    reps = list(User.objects.filter(email__startswith="bench-rep-").order_by("pk"))
    Group.objects.get(name=roles.SALES_REP).user_set.add(*reps)
    for user in [manager, *reps]:
        TOTP.activate(user, generate_totp_secret())
    generator.counts["staff with roles"] = 1 + len(reps)
    return manager, reps


def orders(generator) -> None:
    """Orders with lines, events and approval steps, for every ORDERS_EVERY-th company."""
    from django.contrib.auth.models import Group
    from django.utils import timezone

    from accounts import roles
    from accounts.models import CreditAccount, Membership
    from bench.generate import copy_rows
    from kit import phrases
    from ordering.models import ApprovalStep, Order, OrderEvent, OrderLine
    from ordering.phrases import HOLD_OVER_CREDIT, RULE_TOTAL_AT_LEAST

    # The reasons as ordering stores them: a code with its parameters.
    HOLD = phrases.phrase(
        HOLD_OVER_CREDIT, total=phrases.money("60000.00", "CNY"), available=phrases.money("12000.00", "CNY")
    )
    RULE = phrases.phrase(RULE_TOTAL_AT_LEAST, amount=phrases.money("5000.00", "CNY"))

    rng = random.Random(generator.rng.random())
    now = timezone.now()
    approver_group = Group.objects.get(name=roles.ORDER_APPROVER).pk
    rep_group = Group.objects.get(name=roles.SALES_REP).pk
    buyer_of = dict(Membership.objects.values_list("company_id", "user_id"))
    companies = [c for i, c in enumerate(generator.companies, start=1) if i % ORDERS_EVERY == 3]
    products = [p for p in generator.products if p.active]
    states, weights = zip(*STATES, strict=True)

    order_rows, plans = [], []
    n = 0
    for company in companies:
        for _ in range(ORDERS_PER_COMPANY):
            n += 1
            state = rng.choices(states, weights)[0]
            placed_at = now - timedelta(minutes=rng.randint(5, 180 * 24 * 60))
            lines = []
            for product in rng.sample(products, rng.randint(1, 8)):
                quantity = rng.randint(1, 40)
                price = Decimal(rng.randint(500, 50_000)) / 100
                total = price * quantity
                tax = (total * product.tax_rate / 100).quantize(Decimal("0.01"))
                lines.append((product, quantity, price, total, tax))
            subtotal = sum(line[3] for line in lines)
            tax_total = sum(line[4] for line in lines)
            hold = [HOLD] if state == "credit_hold" else []
            order_rows.append(
                (
                    company.pk, f"BENCH-{n:07d}", state, buyer_of[company.pk],
                    company.sales_rep_id if rng.random() < 0.1 else None, f"PO-{n}" if rng.random() < 0.5 else "",
                    f"{company.display_name}, 1 Harbour Road", "", "CNY", subtotal, tax_total,
                    subtotal + tax_total, json.dumps(hold), uuid.UUID(int=rng.getrandbits(128)), placed_at,
                )
            )  # fmt: skip
            plans.append((state, placed_at, lines, company))
    columns = [
        "company_id", "number", "state", "placed_by_id", "placed_for_customer_by_id", "po_number",
        "ship_to_text", "notes", "currency", "subtotal", "tax_total", "total", "hold_reasons",
        "idempotency_key", "placed_at",
    ]  # fmt: skip
    generator.counts["orders"] = copy_rows(Order, columns, order_rows)
    ids = list(Order.objects.filter(number__startswith="BENCH-").order_by("number").values_list("pk", flat=True))

    def line_rows():
        for order_id, (_state, _at, lines, _company) in zip(ids, plans, strict=True):
            for product, quantity, price, total, tax in lines:
                yield (
                    order_id, product.pk, product.sku, product.name_en, product.name_zh, product.sales_unit,
                    quantity, quantity, 0, price, "default", None, "", "", product.tax_rate, total, tax,
                )  # fmt: skip

    generator.counts["order lines"] = copy_rows(
        OrderLine,
        [
            "order_id", "product_id", "sku", "name_en", "name_zh", "sales_unit", "quantity",
            "allocated_quantity", "backorder_quantity", "unit_price", "price_source", "price_list_id",
            "price_list_name", "price_list_name_zh", "tax_rate", "line_total", "tax_amount",
        ],
        line_rows(),
    )  # fmt: skip

    events, steps = [], []
    manager = generator.bench_manager.pk
    for order_id, (state, placed_at, _lines, company) in zip(ids, plans, strict=True):
        buyer = buyer_of[company.pk]
        events.append((order_id, placed_at, buyer, "", "submitted", ""))
        if state == "credit_hold":
            events.append((order_id, placed_at, None, "submitted", state, "Over the credit limit"))
            continue
        if state in ("awaiting_approval", "awaiting_customer_approval") or state in STEP_DECIDED and rng.random() < 0.3:
            group = rep_group if rng.random() < 0.2 else approver_group
            waiting = state == "awaiting_approval"
            decided_at = None if waiting else placed_at + timedelta(hours=rng.randint(1, 20))
            status = "pending" if waiting else ("rejected" if state == "rejected" else "approved")
            if state == "awaiting_customer_approval":
                status, decided_at = "pending", None
            steps.append(
                (
                    order_id, None, None if state == "awaiting_customer_approval" else group,
                    state == "awaiting_customer_approval", 1, json.dumps(RULE), status,
                    placed_at + timedelta(hours=24), None if status == "pending" else manager, decided_at, "", None,
                )
            )  # fmt: skip
            events.append((order_id, placed_at, None, "submitted", "awaiting_approval", ""))
            if not waiting and state != "awaiting_customer_approval":
                events.append((order_id, decided_at, manager, "awaiting_approval", state, ""))
        elif state != "submitted":
            events.append((order_id, placed_at + timedelta(minutes=1), None, "submitted", state, ""))
    generator.counts["order events"] = copy_rows(
        OrderEvent,
        ["order_id", "at", "actor_id", "from_state", "to_state", "reason", "phrase"],
        (event + ("{}",) for event in events),
    )
    generator.counts["approval steps"] = copy_rows(
        ApprovalStep,
        [
            "order_id", "rule_id", "approver_group_id", "customer_side", "sequence", "phrase", "status",
            "due_at", "decided_by_id", "decided_at", "comment", "reminded_at",
        ],
        steps,
    )  # fmt: skip

    exposure: dict[int, Decimal] = {}
    for (state, _at, _lines, company), row in zip(plans, order_rows, strict=True):
        exposure.setdefault(company.pk, Decimal("0.00"))
        if state in APPROVED_STATES:
            exposure[company.pk] += row[11]
    CreditAccount.objects.bulk_create(
        [
            CreditAccount(company_id=pk, approved_uninvoiced=amount, open_invoices=Decimal("0.00"))
            for pk, amount in exposure.items()
        ],
        batch_size=1000,
    )
    generator.counts["credit accounts"] = len(exposure)


def backoffice(generator) -> None:
    from django.contrib.auth.hashers import make_password

    from bench.generate import BENCH_PASSWORD

    generator.bench_manager, _reps = staff(generator, make_password(BENCH_PASSWORD))
    orders(generator)
