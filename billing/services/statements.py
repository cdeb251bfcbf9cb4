"""Statements (对账): generating them, and the customer's and finance's verbs on them.

- `statement_for(company, start, end)`: the company's statement of that period (generated once:
  asking again answers the same one);
- `confirm`: the customer's finance agrees with it;
- `dispute`: the customer's finance disputes single lines, each with a comment (and, on
  commit, `billing.signals.statement_disputed` for the apps above: service tickets);
- `resolve`: the distributor's finance answers one dispute with a credit note (issued here
  through `invoicing.credit_lines`, or an existing one named), a correction or an explanation;
- `generate_monthly`: last month's statements of every company with something to state, each
  company's finance and admin members told (the task `billing.tasks.generate_monthly_statements`).

Reads: `statement_lines` (the ledger entries of the period as the statement saw them, with the
running balance), `open_disputes_for_staff`, `statements_for_staff`.

Lock order: a statement row, then (a credit-note resolution) the company's books through
`invoicing.credit_lines`. The statement's state moves only here:
issued → confirmed, issued → disputed → resolved → confirmed (or disputed again).
"""

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from django.db import transaction
from django.db.models import Count, Q, QuerySet, Sum
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Company, Membership, NotificationKind
from accounts.selectors import companies_for_staff, staff_holding
from accounts.services import notify
from kit import phrases

from .. import signals
from ..models import ZERO, Invoice, LedgerEntry, Statement, StatementDispute
from . import invoicing

# Who reads and answers statements on the customer's side.
STATEMENT_ROLES = (Membership.Role.FINANCE, Membership.Role.ADMIN)


class StatementError(Exception):
    pass


# --- Reading -------------------------------------------------------------------------------------


def _entries(company_id: int, currency: str, *, as_of) -> QuerySet[LedgerEntry]:
    """The company's entries in `currency` that existed at `as_of` (a statement's generation)."""
    return LedgerEntry.objects.filter(company_id=company_id, currency=currency, created_at__lte=as_of)


@dataclass
class StatementLine:
    entry: LedgerEntry
    balance: Decimal  # the running balance after this line
    disputes: list


def statement_lines(statement: Statement) -> list[StatementLine]:
    """The period's entries as the statement saw them, oldest first, each with the balance after
    it and its disputes (oldest first). Three queries whatever the number of lines."""
    entries = list(
        _entries(statement.company_id, statement.currency, as_of=statement.generated_at)
        .filter(booked_on__gte=statement.period_start, booked_on__lte=statement.period_end)
        .select_related("invoice", "payment")
        .order_by("booked_on", "pk")
    )
    disputes: dict[int, list] = {}
    for dispute in statement.disputes.select_related("credit_note").order_by("raised_at", "pk"):
        disputes.setdefault(dispute.entry_id, []).append(dispute)
    lines, running = [], statement.opening_balance
    for entry in entries:
        running += entry.amount
        lines.append(StatementLine(entry=entry, balance=running, disputes=disputes.get(entry.pk, [])))
    return lines


def entry_reference(entry: LedgerEntry) -> str:
    """What a line names: the invoice's or credit note's number, the payment's reference."""
    if entry.invoice_id:
        return entry.invoice.number
    if entry.payment_id:
        return entry.payment.reference or entry.memo
    return entry.memo


def statements_for_staff(user):
    return Statement.objects.filter(company__in=companies_for_staff(user)).select_related("company")


def open_disputes_for_staff(user):
    return (
        StatementDispute.objects.filter(statement__company__in=companies_for_staff(user), resolved_at__isnull=True)
        .select_related("statement__company", "entry__invoice", "entry__payment", "raised_by")
        .order_by("raised_at", "pk")
    )


def disputes_for_staff(user):
    return StatementDispute.objects.filter(statement__company__in=companies_for_staff(user)).select_related(
        "statement__company", "entry__invoice", "entry__payment", "raised_by", "resolved_by", "credit_note"
    )


# --- Generating ----------------------------------------------------------------------------------


def statement_for(
    company: Company, start: date, end: date, *, currency: str | None = None, notify_members: bool = False
) -> Statement:
    """The company's statement of start..end (inclusive) in `currency` (the company's by default):
    generated now unless it exists. Opening = Σ entries booked before `start`; closing = opening +
    Σ entries booked in the period; both as the ledger stands now."""
    if end < start:
        raise StatementError(_("A statement's period ends on or after its first day."))
    currency = currency or company.currency
    with transaction.atomic():
        # The company's row lock makes two generations of the same period wait for each other
        # (the unique constraint would refuse the second anyway, with an error instead).
        Company.objects.select_for_update().get(pk=company.pk)
        existing = Statement.objects.filter(
            company=company, period_start=start, period_end=end, currency=currency
        ).first()
        if existing is not None:
            return existing
        generated_at = timezone.now()
        totals = _entries(company.pk, currency, as_of=generated_at).aggregate(
            opening=Sum("amount", filter=Q(booked_on__lt=start)),
            movement=Sum("amount", filter=Q(booked_on__gte=start, booked_on__lte=end)),
        )
        opening = totals["opening"] or ZERO
        statement = Statement.objects.create(
            company=company,
            period_start=start,
            period_end=end,
            currency=currency,
            opening_balance=opening,
            closing_balance=opening + (totals["movement"] or ZERO),
            generated_at=generated_at,
            language=invoicing.invoice_language(company),
        )
        if notify_members:
            _notify_issued(statement)
    return statement


def month_before(today: date) -> tuple[int, int]:
    last = today.replace(day=1) - timedelta(days=1)
    return last.year, last.month


def companies_to_state(start: date, end: date) -> list[tuple[int, str]]:
    """(company id, currency) of every account with entries in the period or a balance left
    before it: one query."""
    rows = (
        LedgerEntry.objects.filter(booked_on__lte=end)
        .values("company_id", "currency")
        .annotate(
            before=Sum("amount", filter=Q(booked_on__lt=start)),
            lines=Count("pk", filter=Q(booked_on__gte=start)),
        )
        .order_by("company_id", "currency")
    )
    return [(row["company_id"], row["currency"]) for row in rows if row["lines"] or (row["before"] or ZERO) != ZERO]


def generate_monthly(year: int, month: int) -> list[Statement]:
    """The month's statement of every company with something to state; the new ones are told to
    the company's finance and admin members (after commit). Running it twice adds nothing."""
    start, end = invoicing.month_bounds(year, month)
    accounts = companies_to_state(start, end)
    companies = Company.objects.in_bulk([company_id for company_id, _currency in accounts])
    statements = []
    for company_id, currency in accounts:
        company = companies[company_id]
        exists = Statement.objects.filter(
            company=company, period_start=start, period_end=end, currency=currency
        ).exists()
        statement = statement_for(company, start, end, currency=currency, notify_members=not exists)
        statements.append(statement)
    return statements


def _members(company_id: int):
    return [
        membership.user
        for membership in Membership.objects.filter(
            company_id=company_id, role__in=STATEMENT_ROLES, user__is_active=True
        ).select_related("user")
    ]


def _notify_issued(statement: Statement) -> None:
    notify(
        users=_members(statement.company_id),
        kind=NotificationKind.STATEMENT_ISSUED,
        company=statement.company,
        url=reverse("billing:statement", args=[statement.pk]),
        params={
            "start": phrases.day(statement.period_start),
            "end": phrases.day(statement.period_end),
            "closing": phrases.money(statement.closing_balance, statement.currency),
        },
    )


# --- The customer's verbs ------------------------------------------------------------------------


def _locked(statement: Statement) -> Statement:
    return Statement.objects.select_for_update(of=("self",)).select_related("company").get(pk=statement.pk)


def confirm(statement: Statement, *, user) -> Statement:
    """The customer agrees with the statement: refused while a dispute waits for its answer."""
    with transaction.atomic():
        statement = _locked(statement)
        if statement.state == Statement.State.CONFIRMED:
            return statement
        if statement.disputes.filter(resolved_at__isnull=True).exists():
            raise StatementError(_("This statement has disputed lines waiting for an answer."))
        statement.state = Statement.State.CONFIRMED
        statement.confirmed_by = user
        statement.confirmed_at = timezone.now()
        statement.save(update_fields=["state", "confirmed_by", "confirmed_at"])
    return statement


def dispute(statement: Statement, comments: dict[int, str], *, user) -> list[StatementDispute]:
    """Dispute lines of the statement: `comments` maps ledger entry ids (lines of this statement)
    to the customer's comment on each. All or nothing: one bad line refuses them all."""
    comments = {entry_id: (text or "").strip() for entry_id, text in comments.items()}
    comments = {entry_id: text for entry_id, text in comments.items() if text}
    if not comments:
        raise StatementError(_("Write a comment on at least one line to dispute it."))
    with transaction.atomic():
        statement = _locked(statement)
        if statement.state == Statement.State.CONFIRMED:
            raise StatementError(_("This statement is confirmed already; it can no longer be disputed."))
        lines = {line.entry.pk: line for line in statement_lines(statement)}
        problems = []
        for entry_id, text in comments.items():
            line = lines.get(entry_id)
            if line is None:
                problems.append(_("Line %(line)s is not on this statement.") % {"line": entry_id})
            elif any(d.is_open for d in line.disputes):
                problems.append(
                    _("Line %(line)s: it is disputed already and waits for an answer.")
                    % {"line": entry_reference(line.entry) or entry_id}
                )
            elif len(text) > 1000:
                problems.append(
                    _("Line %(line)s, comment: at most 1,000 characters.")
                    % {"line": entry_reference(line.entry) or entry_id}
                )
        if problems:
            raise StatementError(" ".join(problems))
        now = timezone.now()
        created = StatementDispute.objects.bulk_create(
            [
                StatementDispute(statement=statement, entry_id=entry_id, comment=text, raised_by=user, raised_at=now)
                for entry_id, text in sorted(comments.items())
            ]
        )
        statement.state = Statement.State.DISPUTED
        statement.save(update_fields=["state"])
        _notify_disputed(statement, created)
        ids = [dispute.pk for dispute in created]
        transaction.on_commit(
            lambda: signals.statement_disputed.send(
                sender=Statement, statement_id=statement.pk, dispute_ids=ids, user_id=user.pk
            )
        )
    return created


# Who answers disputes (the back office's resolve permission).
RESOLVE_DISPUTES = "billing.change_statementdispute"


def _notify_disputed(statement: Statement, disputes: list[StatementDispute]) -> None:
    """Finance hears of a dispute at once (staff wording, their own language): those who resolve
    disputes for every customer, and the company's sales rep, who collects."""
    recipients = {user.pk: user for user in staff_holding(RESOLVE_DISPUTES)}
    rep = statement.company.sales_rep
    if rep is not None and rep.is_active:
        recipients.setdefault(rep.pk, rep)
    notify(
        users=list(recipients.values()),
        kind=NotificationKind.STATEMENT_DISPUTED,
        url=reverse("billing_statements:disputes"),
        params={
            "company": str(statement.company),
            "start": phrases.day(statement.period_start),
            "end": phrases.day(statement.period_end),
            "lines": len(disputes),
        },
    )


# --- Finance's verb ------------------------------------------------------------------------------


def resolve(
    dispute: StatementDispute,
    *,
    resolution: str,
    text: str,
    user,
    credit_quantities: dict[int, int] | None = None,
    credit_note: Invoice | None = None,
) -> StatementDispute:
    """Answer a dispute. A credit-note resolution issues one for `credit_quantities` of the
    disputed invoice's lines (`invoicing.credit_lines`, the reason "correction"), or names an
    existing `credit_note` of the company. The statement is resolved once no dispute is open;
    the customer's finance and admin members are told."""
    text = (text or "").strip()
    if resolution not in StatementDispute.Resolution.values:
        raise StatementError(_("Choose how the dispute is resolved."))
    if not text:
        raise StatementError(_("Write the answer the customer reads."))
    with transaction.atomic():
        statement = _locked(dispute.statement)
        dispute = (
            StatementDispute.objects.select_for_update(of=("self",)).select_related("entry__invoice").get(pk=dispute.pk)
        )
        if not dispute.is_open:
            raise StatementError(_("This dispute is answered already."))
        note = None
        if resolution == StatementDispute.Resolution.CREDIT_NOTE:
            note = _credit_note_for(
                dispute, statement, text=text, user=user, quantities=credit_quantities, note=credit_note
            )
        dispute.resolution = resolution
        dispute.resolution_text = text
        dispute.credit_note = note
        dispute.resolved_by = user
        dispute.resolved_at = timezone.now()
        dispute.save(update_fields=["resolution", "resolution_text", "credit_note", "resolved_by", "resolved_at"])
        statement_resolved = not statement.disputes.filter(resolved_at__isnull=True).exists()
        if statement_resolved:
            statement.state = Statement.State.RESOLVED
            statement.save(update_fields=["state"])
        transaction.on_commit(
            lambda: signals.statement_dispute_resolved.send(
                sender=Statement,
                statement_id=statement.pk,
                dispute_id=dispute.pk,
                user_id=user.pk,
                statement_resolved=statement_resolved,
            )
        )
        notify(
            users=_members(statement.company_id),
            kind=NotificationKind.STATEMENT_DISPUTE_RESOLVED,
            company=statement.company,
            url=reverse("billing:statement", args=[statement.pk]),
            params={
                "line": entry_reference(dispute.entry),
                "resolution": phrases.phrase(RESOLUTION_CODES[resolution]),
                "answer": text,
            },
        )
    return dispute


def _credit_note_for(dispute, statement, *, text, user, quantities, note) -> Invoice:
    if note is not None:
        if note.kind != Invoice.Kind.CREDIT_NOTE or note.company_id != statement.company_id:
            raise StatementError(_("Name a credit note of this customer."))
        return note
    invoice = dispute.entry.invoice
    if invoice is None or invoice.kind != Invoice.Kind.INVOICE:
        raise StatementError(_("Only an invoice's line is credited; name an existing credit note instead."))
    try:
        return invoicing.credit_lines(
            invoice,
            quantities or {},
            reason=Invoice.CreditReason.CORRECTION,
            comment=text,
            actor=user,
        )
    except invoicing.InvoicingError as error:
        raise StatementError(str(error)) from error


# The resolution kinds as kit.phrases codes (registered in billing.phrases).
RESOLUTION_CODES = {
    StatementDispute.Resolution.CREDIT_NOTE: "billing.resolution.credit_note",
    StatementDispute.Resolution.CORRECTION: "billing.resolution.correction",
    StatementDispute.Resolution.EXPLANATION: "billing.resolution.explanation",
}
