"""Finance's part of the demo history, done with billing's own verbs.

Every shipment of the year of orders is invoiced on the day it left (`invoice_shipment`, dated
by `issued_on`), except West Lake's, which is on monthly terms (月结): its shipments are invoiced
once a month, on the 1st, for the month before (`invoice_month`). Customers then pay as they
habitually do (`PAYERS`): most by bank transfer some days around the due date, quoting the
invoice number; Shenzhen Bay Hotel and the prepaying customers by card; Mingde stopped paying
two and a half months ago, so it is overdue and on credit hold; Xiguan paid half of an old
invoice and left the rest, now over 90 days past due; Fresh Mart pays three weeks late, and once
paid too much, so it has credit on its account. Each payment is booked through
`billing.services.ledger.book_payment` on the day it arrived. A handful of invoice details
(开票信息) and official tax invoice (发票) numbers are recorded as finance would. The received
return is credited (and so closed). The last three months have statements (对账): the older ones
confirmed by each customer's finance, Green Fields' latest disputed on one invoice and waiting in
finance's queue. Finance's bank account exists and the demo bank file
(`portal/demo/files/bank_statement_icbc.csv`) is imported, its lines waiting to be matched.

Seeding twice changes nothing: invoices are found by their shipment or month, payments by their
reference (`DEMO-…`).
"""

import random
import uuid
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

from django.core.files import File
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from accounts.models import Address, Company, Membership, User
from billing.bank_files import PRESETS
from billing.models import BankAccount, BankStatement, Invoice, InvoiceDetails, LedgerEntry, Payment, Statement
from billing.services import bank, invoicing, ledger, statements
from ordering.fulfilment.models import ReturnRequest, Shipment

from .data import STAFF
from .people import SeedReport, company_by_key

STAFF_BY_KEY = {row["key"]: row for row in STAFF}

PAYMENT_REFERENCE = "DEMO-{number}"


@dataclass(frozen=True)
class Payer:
    """How a customer pays: `delay` days after the due date (a range; negative: early), by card or
    transfer; `stopped_days` ago it stopped paying; `overpays_once` adds a little once."""

    delay: tuple[int, int] = (-5, 6)
    card: bool = False
    stopped_days: int | None = None
    half_paid_once: bool = False
    overpays_once: bool = False


DEFAULT_PAYER = Payer()
PAYERS = {
    "bayside": Payer(delay=(-8, 2)),
    "westlake": Payer(delay=(-3, 4)),
    "freshmart": Payer(delay=(18, 24), overpays_once=True),
    "mingde": Payer(delay=(0, 8), stopped_days=75),
    "greenfields": Payer(delay=(3, 12)),
    "szbayhotel": Payer(delay=(-10, 0), card=True),
    "xiguan": Payer(delay=(2, 9), half_paid_once=True),
    # Prepaying customers pay by card when the goods leave.
    "jadegarden": Payer(delay=(-30, -30), card=True),
    "goldenwheat": Payer(delay=(-30, -30), card=True),
    "petcare": Payer(delay=(-30, -30), card=True),
}
TAX_INVOICED_BEFORE_DAYS = 10  # invoices older than this have their 发票 recorded


def seed_billing(report: SeedReport) -> None:
    today = timezone.localdate()
    _invoice_details(report)
    _invoice_shipments(report, today)
    _invoice_months(report, today)
    _credit_returns(report)
    _payments(report, today)
    _tax_invoices(today)
    _statements(report, today)
    _bank_statement(report)
    report.notes.append(_summary(today))


STATEMENT_MONTHS = 3  # the last three months have statements
DISPUTED_COMPANY = "greenfields"
DISPUTE_COMMENT = "We returned two cases of this delivery (damaged); please credit them."
DEMO_BANK_FILE = Path(__file__).resolve().parent / "files" / "bank_statement_icbc.csv"


def _statements(report: SeedReport, today: date) -> None:
    """The last months' statements for every customer with entries; most confirmed by the
    customer's finance, Green Fields' latest disputed on one invoice (waiting in finance's queue)."""
    months, month = [], today.replace(day=1)
    for _ in range(STATEMENT_MONTHS):
        month = (month - timedelta(days=1)).replace(day=1)
        months.append(month)
    disputed_company = company_by_key(DISPUTED_COMPANY)
    for first in sorted(months):
        start, end = invoicing.month_bounds(first.year, first.month)
        for company_id, currency in statements.companies_to_state(start, end):
            company = Company.objects.get(pk=company_id)
            before = Statement.objects.count()
            statement = statements.statement_for(company, start, end, currency=currency)
            report.record(statement, Statement.objects.count() > before)
            if statement.state != Statement.State.ISSUED:
                continue
            finance = _finance_member(company)
            if finance is None:
                continue
            latest = first == max(months)
            if company == disputed_company and latest:
                lines = statements.statement_lines(statement)
                invoice_line = next((line for line in lines if line.entry.kind == LedgerEntry.Kind.INVOICE), None)
                if invoice_line is not None:
                    statements.dispute(statement, {invoice_line.entry.pk: DISPUTE_COMMENT}, user=finance)
            elif not latest:
                statements.confirm(statement, user=finance)


def _finance_member(company: Company):
    membership = company.memberships.filter(role=Membership.Role.FINANCE).select_related("user").order_by("pk").first()
    return membership.user if membership else None


def _bank_statement(report: SeedReport) -> None:
    """Finance's bank account and the demo statement file, imported (its lines wait to be matched)."""
    finance = User.objects.get(email=STAFF_BY_KEY["finance"]["email"])
    account, created = BankAccount.objects.get_or_create(
        account_number="1001234567890123456",
        defaults={
            "name": "ICBC 基本户",
            "bank": "中国工商银行上海分行",
            "currency": "CNY",
            "mapping": {key: value for key, value in PRESETS["icbc"].items() if key != "label"},
        },
    )
    report.record(account, created)
    if BankStatement.objects.filter(account=account).exists():
        return
    with DEMO_BANK_FILE.open("rb") as handle:
        statement = bank.upload_statement(account=account, upload=File(handle, name=DEMO_BANK_FILE.name), actor=finance)
    bank.import_statement(statement=statement, actor=finance)
    report.record(statement, True)


def _summary(today: date) -> str:
    invoices = Invoice.objects.filter(kind=Invoice.Kind.INVOICE)
    overdue = invoices.filter(open_amount__gt=0, due_on__lt=today)
    late = sorted({str(invoice.company) for invoice in overdue.select_related("company")})
    return (
        f"Billing: {invoices.count()} invoices ({invoices.filter(open_amount__gt=0).count()} open, "
        f"{overdue.count()} overdue at {', '.join(late) or 'nobody'}), {Payment.objects.count()} payments. "
        f"{Statement.objects.count()} statements ({Statement.objects.filter(state=Statement.State.DISPUTED).count()} "
        "disputed); a bank statement file imported. See the portal's Billing page as a customer's finance user, "
        "and the back office's Invoices, Bank, Aging and Statements."
    )


def _invoice_details(report: SeedReport) -> None:
    """The featured customers' 开票信息, as their finance people keep them."""
    for key in ("bayside", "westlake", "freshmart", "szbayhotel"):
        company = company_by_key(key)
        address = (
            Address.objects.filter(company=company, kind=Address.Kind.BILLING).order_by("-is_default", "pk").first()
        )
        details, created = InvoiceDetails.objects.get_or_create(
            company=company,
            defaults={
                "title": company.legal_name,
                "tax_number": company.tax_number,
                "registered_address": address.line1 if address else company.legal_name,
                "phone": address.phone if address and address.phone else "021-6000 0000",
                "bank_name": "中国工商银行 ICBC",
                "bank_account": f"1001 0900 {company.tax_number[-8:-4]} {company.tax_number[-4:]}",
            },
        )
        report.record(details, created)


def _invoice_shipments(report: SeedReport, today: date) -> None:
    shipments = (
        Shipment.objects.filter(order__company__invoicing=Company.Invoicing.PER_SHIPMENT, invoices__isnull=True)
        .select_related("order")
        .order_by("shipped_at", "pk")
    )
    for shipment in shipments:
        invoice = invoicing.invoice_shipment(shipment, issued_on=timezone.localdate(shipment.shipped_at), render=False)
        report.record(invoice, True)


def _invoice_months(report: SeedReport, today: date) -> None:
    """月结: each month with shipments, invoiced on the 1st of the next (the current month waits)."""
    for company in Company.objects.filter(invoicing=Company.Invoicing.MONTHLY):
        first = Shipment.objects.filter(order__company=company).order_by("shipped_at").first()
        if first is None:
            continue
        month = timezone.localdate(first.shipped_at).replace(day=1)
        while month < today.replace(day=1):
            following = (month + timedelta(days=32)).replace(day=1)
            before = Invoice.objects.count()
            invoice = invoicing.invoice_month(
                company, year=month.year, month=month.month, issued_on=following, render=False
            )
            if invoice is not None:
                report.record(invoice, Invoice.objects.count() > before)
            month = following


def _credit_returns(report: SeedReport) -> None:
    """Finance credits the received return (and so closes it), the day it came back."""
    finance = User.objects.get(email=STAFF_BY_KEY["finance"]["email"])
    for return_request in ReturnRequest.objects.filter(state=ReturnRequest.State.RECEIVED, credit_note__isnull=True):
        received = timezone.localdate(return_request.received_at) if return_request.received_at else None
        note = invoicing.credit_return(return_request, actor=finance, issued_on=received, render=False)
        report.record(note, True)


def _payments(report: SeedReport, today: date) -> None:
    keys = {company_by_key(key).pk: key for key in PAYERS}
    rng = random.Random(20261207)
    invoices = (
        Invoice.objects.filter(kind=Invoice.Kind.INVOICE)
        .exclude(pk__in=Payment.requested_invoices.through.objects.values("invoice_id"))
        .select_related("company")
        .order_by("issued_on", "pk")
    )
    half_paid, overpaid = set(), set()
    for invoice in invoices:
        payer = PAYERS.get(keys.get(invoice.company_id), DEFAULT_PAYER)
        due = invoice.due_on or invoice.issued_on
        paid_on = max(invoice.issued_on, due + timedelta(days=rng.randint(*payer.delay)))
        if paid_on > today:
            continue
        if payer.stopped_days is not None and paid_on > today - timedelta(days=payer.stopped_days):
            continue
        amount = invoice.total
        if payer.half_paid_once and invoice.company_id not in half_paid and today - due > timedelta(days=95):
            half_paid.add(invoice.company_id)
            amount = (invoice.total / 2).quantize(Decimal("0.01"))
        elif payer.overpays_once and invoice.company_id not in overpaid and today - paid_on < timedelta(days=60):
            overpaid.add(invoice.company_id)
            amount = invoice.total + Decimal("500.00")
        payment = _pay(invoice, amount, paid_on, card=payer.card)
        if payment is not None:
            report.record(payment, True)


def _pay(invoice: Invoice, amount: Decimal, paid_on: date, *, card: bool) -> Payment | None:
    reference = PAYMENT_REFERENCE.format(number=invoice.number)
    if Payment.objects.filter(reference=reference).exists():
        return None
    with transaction.atomic():
        account = ledger.lock_books(invoice.company_id)
        payment = Payment.objects.create(
            company_id=invoice.company_id,
            method=Payment.Method.CARD if card else Payment.Method.TRANSFER,
            state=Payment.State.SUCCEEDED,
            currency=invoice.currency,
            amount=amount,
            received_on=paid_on,
            reference=reference,
            payer_name=invoice.buyer.get("name", ""),
            stripe_payment_intent=f"pi_demo_{uuid.uuid5(uuid.NAMESPACE_URL, reference).hex[:24]}" if card else "",
        )
        payment.requested_invoices.add(invoice)
        ledger.book_payment(account, payment)
    return payment


def _tax_invoices(today: date) -> None:
    """Finance records the official 发票 against invoices issued more than ten days ago."""
    waiting = Invoice.objects.filter(
        Q(tax_invoice_number=""),
        kind=Invoice.Kind.INVOICE,
        issued_on__lt=today - timedelta(days=TAX_INVOICED_BEFORE_DAYS),
    ).only("pk", "issued_on", "number")
    for invoice in waiting:
        invoice.tax_invoice_number = f"0{44 + invoice.issued_on.month:02d}{invoice.pk:06d}"
        invoice.tax_invoice_date = invoice.issued_on + timedelta(days=3)
        invoice.save(update_fields=["tax_invoice_number", "tax_invoice_date"])
