"""What billing's screens need in the bench database: 18 months of invoices with their lines, the
ledger, payments and their allocations, and one stored 40-line invoice PDF. A step of
bench/generate.py, after fulfilment (bench/generate_fulfilment.py), whose 40-line shipment it
invoices.

- Invoices (INVOICES: 200,000 at large, a tenth at medium; small keeps 4,000 so that the third
  company still has its 2,000): issued over the last 18 months, due 30 days later, each with
  1–3 lines. The third company (`FOCUS_INVOICES`: the one whose people the other scenarios use,
  never company 1) has 2,000; the rest are spread over every other company but company 1 (the
  catalog runs' buyer), companies with orders (the active customers) four times as likely.
- What is still open: invoices not yet due are mostly open (some partly paid, some paid early);
  in each overdue bucket (1–30, 31–60, 61–90, over 90 days) about OVERDUE_SHARE of the invoices
  are still open (a third of those partly paid); the rest are paid. Only companies with orders
  owe anything: the others are bench/scenarios_ordering.py's pool (companies without orders)
  and must reach checkout with the credit they had, so their invoices are all paid.
- The paid part: one bank transfer per company and month of payment, allocated to the invoices
  it paid; a ledger entry per invoice (its total) and per payment (minus its amount). Everything
  is loaded with COPY (`copy_rows`): invoices, ledger entries and allocations are append-only,
  which the database enforces for UPDATE and DELETE only. Allocations get no audit-trail rows.
- The monthly rollup (`billing.rollup.rebuild`) from the ledger entries loaded.
- Credit accounts: `open_invoices` and `oldest_unpaid_due_date` set from the open invoices in
  one INSERT ... ON CONFLICT, as billing's ledger keeps them; `DocumentSequence` set to the last
  INV-YYYY-NNNNNN of every year.
- The third company's finance member `FINANCE_EMAIL` (Membership.Role.FINANCE), and the invoice
  of fulfilment's 40-line shipment issued through `billing.services.invoicing.invoice_shipment`
  with its PDF stored (`billing.documents.store_invoice_pdf`).
"""

import json
import random
from collections import defaultdict
from datetime import datetime, timedelta
from datetime import time as dt_time
from decimal import ROUND_HALF_UP, Decimal

INVOICES = {"small": 4_000, "medium": 20_000, "large": 200_000}
FOCUS_INVOICES = 2_000  # the third company's, at every scale
FINANCE_EMAIL = "bench-finance@bench.example"
HISTORY_DAYS = 548  # 18 months
TERMS_DAYS = 30
OVERDUE_SHARE = 0.10  # of each overdue bucket's invoices still open
ACTIVE_WEIGHT = 4  # companies with orders get this many times the invoices of the others
CENT = Decimal("0.01")
ZERO = Decimal("0.00")


def _money(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def finance_member(generator, company, password: str):
    """The company's finance member (the billing scenarios' customer login)."""
    from allauth.account.models import EmailAddress

    from accounts.models import Membership, User

    user = User.objects.create(email=FINANCE_EMAIL, first_name="Bench", last_name="Finance", password=password)
    EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
    Membership.objects.create(user=user, company=company, role=Membership.Role.FINANCE)
    generator.counts["finance members"] = 1
    return user


def _plan(generator, rng, focus, active_ids: set[int]) -> list[tuple]:
    """(company, issued_on) per invoice, oldest first."""
    today = generator.today
    total = INVOICES[generator.scale]
    others = [c for c in generator.companies[1:] if c.pk != focus.pk]
    weights = [ACTIVE_WEIGHT if c.pk in active_ids else 1 for c in others]
    chosen = [focus] * FOCUS_INVOICES + rng.choices(others, weights=weights, k=max(total - FOCUS_INVOICES, 0))
    plan = [(company, today - timedelta(days=rng.randint(0, HISTORY_DAYS - 1))) for company in chosen]
    plan.sort(key=lambda item: (item[1], item[0].pk))
    return plan


def _open_part(rng, total: Decimal, due_on, today, owes: bool) -> Decimal:
    """What is still unpaid of an invoice on `today`."""
    if not owes:
        return ZERO
    roll = rng.random()
    if due_on >= today:  # not yet due: mostly open
        if roll < 0.70:
            return total
        if roll < 0.85:
            return _money(total * Decimal(rng.randint(10, 90)) / 100)
        return ZERO
    if roll < OVERDUE_SHARE * 2 / 3:
        return total
    if roll < OVERDUE_SHARE:
        return _money(total * Decimal(rng.randint(10, 90)) / 100)
    return ZERO


def invoices(generator) -> None:
    from django.db import connection
    from django.utils import timezone

    from bench.generate import copy_rows
    from billing.models import Allocation, DocumentSequence, Invoice, InvoiceLine, LedgerEntry, Payment
    from billing.services.invoicing import seller_party
    from ordering.models import Order

    rng = random.Random(generator.rng.random())
    today = generator.today
    tz = timezone.get_current_timezone()
    focus = generator.companies[2]
    orders_of = defaultdict(list)
    for company_id, order_id in (
        Order.objects.filter(state__in=["delivered", "closed"]).order_by("pk").values_list("company_id", "pk")
    ):
        orders_of[company_id].append(order_id)
    active_ids = set(Order.objects.values_list("company_id", flat=True).distinct())
    products = generator.products
    seller = json.dumps(seller_party(), ensure_ascii=False)
    buyers = {
        c.pk: json.dumps(
            {"name": c.legal_name, "address": f"{c.display_name}, 1 Harbour Road", "tax_number": c.tax_number,
             "phone": "", "bank_name": "", "bank_account": ""},
            ensure_ascii=False,
        )
        for c in generator.companies
    }  # fmt: skip

    def at(day, hour=9):
        return timezone.make_aware(datetime.combine(day, dt_time(hour, 0)), tz)

    invoice_rows, line_plans, paid_parts = [], [], []
    last_of_year: dict[int, int] = defaultdict(int)
    for company, issued_on in _plan(generator, rng, focus, active_ids):
        year = issued_on.year
        last_of_year[year] += 1
        number = f"INV-{year}-{last_of_year[year]:06d}"
        lines = []
        for position in range(1, rng.randint(1, 3) + 1):
            product = rng.choice(products)
            quantity = rng.randint(1, 50)
            price = Decimal(rng.randint(800, 60_000)) / 100
            net = _money(price * quantity)
            tax = _money(net * product.tax_rate / 100)
            lines.append((position, product, quantity, price, net, tax))
        subtotal = sum((line[4] for line in lines), ZERO)
        tax_total = sum((line[5] for line in lines), ZERO)
        total = subtotal + tax_total
        due_on = issued_on + timedelta(days=TERMS_DAYS)
        open_amount = _open_part(rng, total, due_on, today, owes=company.pk in active_ids)
        company_orders = orders_of.get(company.pk)
        invoice_rows.append(
            (
                "invoice", number, company.pk, rng.choice(company_orders) if company_orders else None, issued_on,
                due_on, company.currency, subtotal, tax_total, total, open_amount, seller, buyers[company.pk], "en",
                at(issued_on),
            )
        )  # fmt: skip
        line_plans.append(lines)
        paid = total - open_amount
        if paid > 0:
            latest = min(today, issued_on + timedelta(days=45))
            paid_on = min(issued_on + timedelta(days=rng.randint(3, 45)), latest)
            if open_amount > 0 or due_on < today:
                paid_on = min(paid_on, due_on if due_on < today else today)
            paid_parts.append((number, company.pk, company.currency, paid_on, paid))

    generator.counts["invoices"] = copy_rows(
        Invoice,
        ["kind", "number", "company_id", "order_id", "issued_on", "due_on", "currency", "subtotal", "tax_total",
         "total", "open_amount", "seller", "buyer", "language", "created_at"],
        invoice_rows,
    )  # fmt: skip
    id_of = dict(Invoice.objects.values_list("number", "pk"))

    def line_rows():
        for row, lines in zip(invoice_rows, line_plans, strict=True):
            invoice_id = id_of[row[1]]
            for position, product, quantity, price, net, tax in lines:
                yield (
                    invoice_id, position, product.sku, product.name_en, product.name_zh, "", quantity,
                    product.sales_unit, "unit", price, product.tax_rate, net, tax,
                )  # fmt: skip

    generator.counts["invoice lines"] = copy_rows(
        InvoiceLine,
        ["invoice_id", "position", "sku", "name_en", "name_zh", "lot", "quantity", "unit", "price_per", "unit_price",
         "tax_rate", "net", "tax"],
        line_rows(),
    )  # fmt: skip

    # One transfer per company and month of payment, allocated to the invoices it paid.
    groups: dict[tuple, list] = defaultdict(list)
    for number, company_id, currency, paid_on, amount in paid_parts:
        groups[(company_id, currency, paid_on.year, paid_on.month)].append((number, paid_on, amount))
    payment_rows, allocation_plan = [], []
    for n, ((company_id, currency, _y, _m), parts) in enumerate(sorted(groups.items()), start=1):
        reference = f"BENCH-PAY-{n:07d}"
        received_on = max(paid_on for _n, paid_on, _a in parts)
        amount = sum((a for _n, _p, a in parts), ZERO)
        payment_rows.append(
            (company_id, "transfer", "succeeded", currency, amount, ZERO, ZERO, received_on, reference,
             f"Customer {company_id}", at(received_on, 15))
        )  # fmt: skip
        allocation_plan.append((reference, received_on, parts))
    generator.counts["payments"] = copy_rows(
        Payment,
        ["company_id", "method", "state", "currency", "amount", "unallocated", "refunded", "received_on", "reference",
         "payer_name", "created_at"],
        payment_rows,
    )  # fmt: skip
    payment_of = dict(Payment.objects.filter(reference__startswith="BENCH-PAY-").values_list("reference", "pk"))
    generator.counts["payment allocations"] = copy_rows(
        Allocation,
        ["invoice_id", "payment_id", "amount", "created_at"],
        (
            (id_of[number], payment_of[reference], amount, at(received_on, 15))
            for reference, received_on, parts in allocation_plan
            for number, _paid_on, amount in parts
        ),
    )

    def ledger_rows():
        for row in invoice_rows:
            yield (row[2], "invoice", row[6], row[9], row[4], id_of[row[1]], None, "", row[14])
        for row in payment_rows:
            yield (row[0], "payment", row[3], -row[4], row[7], None, payment_of[row[8]], row[8], row[10])

    generator.counts["ledger entries"] = copy_rows(
        LedgerEntry,
        ["company_id", "kind", "currency", "amount", "booked_on", "invoice_id", "payment_id", "memo", "created_at"],
        ledger_rows(),
    )

    # The ledger keeps its monthly rollup as it books; rows loaded around it need the rebuild.
    from billing import rollup

    generator.counts["monthly rollup rows"] = rollup.rebuild()

    years = sorted(last_of_year.items())
    DocumentSequence.objects.bulk_create(
        [DocumentSequence(kind=Invoice.Kind.INVOICE, year=year, last=last) for year, last in years]
    )
    with connection.cursor() as cursor:
        # What billing's ledger keeps on the credit account: the open invoices and the oldest due date.
        cursor.execute(
            "INSERT INTO accounts_creditaccount "
            "(company_id, approved_uninvoiced, open_invoices, oldest_unpaid_due_date, updated_at) "
            "SELECT company_id, 0, SUM(open_amount), MIN(due_on), now() FROM billing_invoice "
            "WHERE kind = 'invoice' AND open_amount > 0 GROUP BY company_id "
            "ON CONFLICT (company_id) DO UPDATE SET open_invoices = EXCLUDED.open_invoices, "
            "oldest_unpaid_due_date = EXCLUDED.oldest_unpaid_due_date, updated_at = EXCLUDED.updated_at"
        )
        cursor.execute("SELECT count(*) FROM billing_invoice WHERE kind = 'invoice' AND open_amount > 0")
        generator.counts["open invoices"] = cursor.fetchone()[0]
    generator.counts["focus company invoices"] = FOCUS_INVOICES


def forty_line_invoice(generator) -> None:
    """The 40-line shipment's invoice, issued through billing's own service, its PDF stored."""
    from billing.documents import store_invoice_pdf
    from billing.services.invoicing import invoice_shipment
    from ordering.fulfilment.models import Shipment

    shipment = Shipment.objects.get(number="SH-NOTE40")
    invoice = invoice_shipment(shipment, issued_on=generator.today, render=False)
    stored = store_invoice_pdf(invoice)
    generator.counts["invoice PDF bytes"] = stored.size
    generator.note_invoice = invoice.number


def billing(generator) -> None:
    from django.contrib.auth.hashers import make_password

    from bench.generate import BENCH_PASSWORD

    finance_member(generator, generator.companies[2], make_password(BENCH_PASSWORD))
    invoices(generator)
    forty_line_invoice(generator)
