"""Bank transfers: recorded by hand, or imported from a bank statement and matched.

Verbs (each one transaction; a company's books locked first, then the bank line):

- `record_transfer`: finance records a transfer → a received Payment booked by the ledger (named
  invoices first, then the oldest open ones, the rest stays as credit on the account).
- `upload_statement`: keep an uploaded file as a draft statement (the same file again is the
  same statement); `preview_statement` reads it (billing.bank_files) without saving lines.
- `import_statement`: save a draft's lines (all or none: a file with a problem saves nothing),
  skipping lines already there (same line hash), then match the incoming ones.
- `match_line` (at import, and `rematch_open_lines` later): an invoice number (INV-2026-000123)
  in the reference whose open amount equals the line's (or several whose open amounts add up to
  it) → matched at once, a Payment booked with those invoices named. Otherwise suggestions:
  the company whose legal name, invoicing title (开票信息) or bank account is the payer's, with
  the invoices whose open amounts equal the line's (one, or the oldest several adding up to it);
  an invoice named in the reference; or the one open invoice anywhere with that amount.
- `accept_line`: one click on a suggestion (or a company chosen by hand) books the Payment;
  `link_line`: the line is a transfer already recorded by hand (suggested first, never matched
  automatically, so the same money is not booked twice).
- `ignore_line`: a line that is no customer's payment, with the reason. Outgoing lines (debits)
  are ignored as they are imported: only money in is a payment.
"""

import hashlib
import re
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.models import Company
from kit import phrases
from kit.spreadsheets import read_bytes

from .. import bank_files
from ..models import BankAccount, BankStatement, BankStatementLine, Invoice, InvoiceDetails, LedgerEntry, Payment
from . import ledger

OUTGOING = "bank.outgoing"
IGNORED_BY_STAFF = "bank.ignored"

# Why a suggestion was made (kept as codes on the line, worded when shown).
REASON_PAYER = "payer"
REASON_INVOICE_NAMED = "invoice_named"
REASON_AMOUNT = "amount"
REASON_RECORDED = "recorded"
REASON_WORDS = {
    REASON_PAYER: gettext_lazy("The payer is this customer"),
    REASON_INVOICE_NAMED: gettext_lazy("The reference names these invoices"),
    REASON_AMOUNT: gettext_lazy("The only open invoice of this amount"),
    REASON_RECORDED: gettext_lazy("A transfer already recorded by hand"),
}
MAX_SUGGESTIONS = 5
INVOICE_NUMBER = re.compile(r"INV[-\s_]?(\d{4})[-\s_]?(\d{6})", re.IGNORECASE)


def register_phrases() -> None:
    phrases.register(OUTGOING, gettext_lazy("Money out, not a customer's payment."))
    phrases.register(IGNORED_BY_STAFF, gettext_lazy("Ignored by %(user)s: %(reason)s"))


class BankError(Exception):
    """A refusal to show the person who asked (a form error or a message)."""


# --- Recording a transfer by hand -----------------------------------------------------------------


def record_transfer(
    *,
    company: Company,
    amount: Decimal,
    received_on: date,
    reference: str = "",
    payer_name: str = "",
    invoices: list[Invoice] | tuple = (),
    actor=None,
) -> Payment:
    """A transfer finance saw arrive: a received Payment, booked (named invoices first)."""
    if amount <= 0:
        raise BankError(_("The amount must be more than zero."))
    if any(invoice.company_id != company.pk or invoice.kind != Invoice.Kind.INVOICE for invoice in invoices):
        raise BankError(_("Name only this customer's invoices."))
    with transaction.atomic():
        return _book_transfer(
            company_id=company.pk,
            currency=company.currency,
            amount=amount,
            received_on=received_on,
            reference=reference,
            payer_name=payer_name or company.legal_name,
            invoice_ids=[invoice.pk for invoice in invoices],
            actor=actor,
        )


def _book_transfer(*, company_id, currency, amount, received_on, reference, payer_name, invoice_ids, actor) -> Payment:
    account = ledger.lock_books(company_id)
    payment = Payment.objects.create(
        company_id=company_id,
        method=Payment.Method.TRANSFER,
        state=Payment.State.SUCCEEDED,
        currency=currency,
        amount=amount,
        received_on=received_on,
        reference=reference[:140],
        payer_name=payer_name[:200],
        created_by=actor,
    )
    if invoice_ids:
        payment.requested_invoices.set(invoice_ids)
    ledger.book_payment(account, payment, actor=actor)
    return payment


# --- Statements -----------------------------------------------------------------------------------


@dataclass
class ImportResult:
    statement: BankStatement
    added: int
    duplicates: int
    matched: int
    already_imported: bool = False


def upload_statement(*, account: BankAccount, upload, actor) -> BankStatement:
    """The uploaded file as a statement: a new draft, the draft of the same file, or the same
    file's imported statement (then nothing more is ever added from it)."""
    data = read_bytes(upload)
    file_name = (getattr(upload, "name", "") or "statement")[-255:]
    kind = bank_files.file_format(file_name, data)
    digest = hashlib.sha256(data).hexdigest()
    existing = BankStatement.objects.filter(account=account, file_hash=digest).first()
    if existing is not None:
        return existing
    try:
        with transaction.atomic():
            return BankStatement.objects.create(
                account=account, file_name=file_name, file_hash=digest, content=data, format=kind, uploaded_by=actor
            )
    except IntegrityError:  # the same file uploaded at the same moment by someone else
        return BankStatement.objects.get(account=account, file_hash=digest)


def preview_statement(statement: BankStatement) -> bank_files.ParsedStatement:
    return bank_files.parse_statement(
        filename=statement.file_name, data=bytes(statement.content), account=statement.account
    )


def import_statement(*, statement: BankStatement, actor) -> ImportResult:
    """Save the draft's lines, all or none, and match the incoming ones. A file already imported
    adds nothing; lines already there (from this file or an earlier one) are skipped."""
    with transaction.atomic():
        statement = BankStatement.objects.select_for_update().select_related("account").get(pk=statement.pk)
        if statement.state == BankStatement.State.IMPORTED:
            return ImportResult(statement, 0, 0, 0, already_imported=True)
        parsed = preview_statement(statement)
        if parsed.problems:
            raise BankError(_("The file has problems; nothing was imported.") + " " + str(parsed.problems[0]))
        account = statement.account
        seen, new_lines = set(), []
        for parsed_line in parsed.lines:
            digest = parsed_line.line_hash(account.pk)
            if digest in seen:
                continue
            seen.add(digest)
            new_lines.append((digest, parsed_line))
        known = set(
            BankStatementLine.objects.filter(line_hash__in=[digest for digest, _line in new_lines]).values_list(
                "line_hash", flat=True
            )
        )
        lines = []
        for digest, parsed_line in new_lines:
            if digest in known:
                continue
            incoming = parsed_line.amount > 0
            lines.append(
                BankStatementLine(
                    statement=statement,
                    account=account,
                    row=parsed_line.row,
                    booked_on=parsed_line.booked_on,
                    amount=parsed_line.amount,
                    currency=parsed_line.currency,
                    payer_name=parsed_line.payer_name,
                    payer_account=parsed_line.payer_account,
                    reference=parsed_line.reference,
                    serial=parsed_line.serial,
                    line_hash=digest,
                    state=BankStatementLine.State.UNMATCHED if incoming else BankStatementLine.State.IGNORED,
                    ignored_reason={} if incoming else phrases.phrase(OUTGOING),
                )
            )
        BankStatementLine.objects.bulk_create(lines)
        statement.state = BankStatement.State.IMPORTED
        statement.imported_by = actor
        statement.imported_at = timezone.now()
        statement.line_count = len(lines)
        statement.duplicate_count = len(parsed.lines) - len(lines)
        statement.save(update_fields=["state", "imported_by", "imported_at", "line_count", "duplicate_count"])
    matched = rematch_open_lines(statement=statement, actor=actor)
    return ImportResult(statement, len(lines), statement.duplicate_count, matched)


def rematch_open_lines(*, statement: BankStatement | None = None, account: BankAccount | None = None, actor) -> int:
    """Match (or suggest for) the open incoming lines of a statement or an account; how many
    were matched. Each line is its own transaction, so one line's refusal keeps the others."""
    lines = BankStatementLine.objects.filter(
        state__in=(BankStatementLine.State.UNMATCHED, BankStatementLine.State.SUGGESTED), amount__gt=0
    )
    if statement is not None:
        lines = lines.filter(statement=statement)
    if account is not None:
        lines = lines.filter(account=account)
    matched = 0
    for line_id in lines.order_by("booked_on", "pk").values_list("pk", flat=True):
        matched += match_line(line_id=line_id, actor=actor)
    return matched


# --- Matching -------------------------------------------------------------------------------------


def _squash_name(text: str) -> str:
    return re.sub(r"[\s()（）.,，。·\-]+", "", text or "").lower()


def invoice_numbers(reference: str) -> list[str]:
    return [f"INV-{year}-{serial}" for year, serial in INVOICE_NUMBER.findall(reference or "")]


def _open_invoices(**filters):
    return Invoice.objects.filter(kind=Invoice.Kind.INVOICE, open_amount__gt=0, **filters).order_by(
        "due_on", "issued_on", "pk"
    )


def payer_companies(line: BankStatementLine) -> list[int]:
    """Companies whose legal name, invoicing title or bank account is the line's payer's."""
    name = _squash_name(line.payer_name)
    found = []
    if name:
        candidates = Company.objects.filter(
            Q(legal_name__iexact=line.payer_name.strip())
            | Q(display_name__iexact=line.payer_name.strip())
            | Q(invoice_details__title__iexact=line.payer_name.strip())
        ).values_list("pk", flat=True)
        found += list(candidates)
        if not found:
            # Banks drop spaces and change brackets (（） / ()): compare without them.
            for pk, legal_name, title in Company.objects.values_list("pk", "legal_name", "invoice_details__title"):
                if name in (_squash_name(legal_name), _squash_name(title or "")):
                    found.append(pk)
    if line.payer_account:
        account_number = line.payer_account.replace(" ", "")
        for pk, number in InvoiceDetails.objects.exclude(bank_account="").values_list("company_id", "bank_account"):
            if number.replace(" ", "") == account_number and pk not in found:
                found.append(pk)
    return found


def _adding_up(invoices: list[Invoice], amount: Decimal) -> list[int] | None:
    """The one invoice of this open amount, or the oldest several whose open amounts add up to it."""
    for invoice in invoices:
        if invoice.open_amount == amount:
            return [invoice.pk]
    total, taken = Decimal("0.00"), []
    for invoice in invoices:
        total += invoice.open_amount
        taken.append(invoice.pk)
        if total == amount:
            return taken
        if total > amount:
            return None
    return None


def suggestions_for(line: BankStatementLine) -> tuple[list[int] | None, int | None, list[dict]]:
    """(invoice ids to match at once, their company, suggestions) for an incoming line.

    A transfer finance already recorded by hand (same amount, within a week, on no bank line)
    is suggested first and stops the automatic match: the same money is not booked twice."""
    recorded = [
        {"company": payment.company_id, "invoices": [], "reason": REASON_RECORDED, "payment": payment.pk}
        for payment in Payment.objects.filter(
            method=Payment.Method.TRANSFER,
            state=Payment.State.SUCCEEDED,
            currency=line.currency,
            amount=line.amount,
            bank_line__isnull=True,
            received_on__range=(line.booked_on - timedelta(days=7), line.booked_on + timedelta(days=7)),
        )
        .exclude(entries__kind=LedgerEntry.Kind.REVERSAL)  # booked in error and taken back
        .order_by("received_on", "pk")[:MAX_SUGGESTIONS]
    ]
    named_numbers = invoice_numbers(line.reference)
    named = list(
        Invoice.objects.filter(number__in=named_numbers, kind=Invoice.Kind.INVOICE, currency=line.currency).order_by(
            "due_on", "pk"
        )
    )
    companies = {invoice.company_id for invoice in named}
    open_named = [invoice for invoice in named if invoice.open_amount > 0]
    if (
        not recorded
        and open_named
        and len(companies) == 1
        and sum(invoice.open_amount for invoice in open_named) == line.amount
    ):
        return [invoice.pk for invoice in open_named], open_named[0].company_id, []
    suggestions = recorded
    if open_named and len(companies) == 1:
        suggestions.append(
            {
                "company": named[0].company_id,
                "invoices": [invoice.pk for invoice in open_named],
                "reason": REASON_INVOICE_NAMED,
            }
        )
    for company_id in payer_companies(line):
        invoices = list(_open_invoices(company_id=company_id, currency=line.currency))
        suggestions.append(
            {"company": company_id, "invoices": _adding_up(invoices, line.amount) or [], "reason": REASON_PAYER}
        )
    if not suggestions:
        same_amount = list(_open_invoices(currency=line.currency, open_amount=line.amount)[:2])
        if len(same_amount) == 1:
            suggestions.append(
                {"company": same_amount[0].company_id, "invoices": [same_amount[0].pk], "reason": REASON_AMOUNT}
            )
    return None, None, suggestions[:MAX_SUGGESTIONS]


def match_line(*, line_id: int, actor=None) -> int:
    """Match one open incoming line (1 when it was matched, else 0 with its suggestions kept)."""
    line = BankStatementLine.objects.get(pk=line_id)
    invoice_ids, company_id, suggestions = suggestions_for(line)
    if line.undone and invoice_ids:
        # A person took a decision on this line back: it is theirs to decide again, not matched.
        suggestions, invoice_ids = (
            [{"company": company_id, "invoices": invoice_ids, "reason": REASON_INVOICE_NAMED}],
            None,
        )
    if invoice_ids is None:
        BankStatementLine.objects.filter(
            pk=line.pk, state__in=(BankStatementLine.State.UNMATCHED, BankStatementLine.State.SUGGESTED)
        ).update(
            suggestions=suggestions,
            state=BankStatementLine.State.SUGGESTED if suggestions else BankStatementLine.State.UNMATCHED,
        )
        return 0
    try:
        _accept(line_id=line.pk, company_id=company_id, invoice_ids=invoice_ids, actor=actor)
    except BankError:
        return 0
    return 1


def accept_line(*, line: BankStatementLine, company: Company, invoices: list[Invoice] | tuple = (), actor) -> Payment:
    """One click: the line is this company's payment (the named invoices first, then the oldest
    open ones; the rest stays as credit)."""
    if any(invoice.company_id != company.pk for invoice in invoices):
        raise BankError(_("Name only this customer's invoices."))
    if company.currency != line.currency:
        raise BankError(
            _("%(company)s pays in %(currency)s; this line is in %(line)s.")
            % {"company": company, "currency": company.currency, "line": line.currency}
        )
    return _accept(
        line_id=line.pk, company_id=company.pk, invoice_ids=[invoice.pk for invoice in invoices], actor=actor
    )


def _accept(*, line_id, company_id, invoice_ids, actor) -> Payment:
    with transaction.atomic():
        # The company's books first (every money movement takes them first), then the line.
        ledger.lock_books(company_id)
        line = BankStatementLine.objects.select_for_update().get(pk=line_id)
        if line.state in (BankStatementLine.State.MATCHED, BankStatementLine.State.IGNORED):
            raise BankError(_("This line is already matched or ignored."))
        if line.amount <= 0:
            raise BankError(_("Only money in is a customer's payment."))
        payment = _book_transfer(
            company_id=company_id,
            currency=line.currency,
            amount=line.amount,
            received_on=line.booked_on,
            reference=line.reference,
            payer_name=line.payer_name,
            invoice_ids=invoice_ids,
            actor=actor,
        )
        line.state = BankStatementLine.State.MATCHED
        line.payment = payment
        line.decided_by = actor
        line.decided_at = timezone.now()
        line.save(update_fields=["state", "payment", "decided_by", "decided_at"])
        return payment


def link_line(*, line: BankStatementLine, payment: Payment, actor) -> Payment:
    """The line is a transfer finance already recorded by hand: linked, not booked again."""
    if payment.method != Payment.Method.TRANSFER or payment.amount != line.amount or payment.currency != line.currency:
        raise BankError(_("Link only a recorded transfer of the same amount."))
    with transaction.atomic():
        line = BankStatementLine.objects.select_for_update().get(pk=line.pk)
        if line.state in (BankStatementLine.State.MATCHED, BankStatementLine.State.IGNORED):
            raise BankError(_("This line is already matched or ignored."))
        if BankStatementLine.objects.filter(payment=payment).exists():
            raise BankError(_("That transfer is already on another bank line."))
        if payment.entries.filter(kind=LedgerEntry.Kind.REVERSAL).exists():
            raise BankError(_("That transfer was reversed; book the line instead."))
        line.state = BankStatementLine.State.MATCHED
        line.payment = payment
        line.linked = True
        line.decided_by = actor
        line.decided_at = timezone.now()
        line.save(update_fields=["state", "payment", "linked", "decided_by", "decided_at"])
        return payment


def reopen_line(*, line: BankStatementLine, reason: str, actor) -> BankStatementLine:
    """Take back a decision on an incoming line: an ignored line, or a match to the wrong
    customer. A payment booked from the line is reversed through the ledger (its invoices are
    open again); a transfer recorded by hand is only unlinked (it stays booked, for another line).
    The decision taken back is kept on the line (`undone`), and the line gets fresh suggestions."""
    reason = (reason or "").strip()
    if not reason:
        raise BankError(_("Say why the decision is taken back."))
    with transaction.atomic():
        company_id = line.payment.company_id if line.payment_id else None
        if company_id is not None:
            account = ledger.lock_books(company_id)  # the books first, as every money movement
        line = BankStatementLine.objects.select_for_update().get(pk=line.pk)
        if line.amount <= 0 or line.state not in (BankStatementLine.State.MATCHED, BankStatementLine.State.IGNORED):
            raise BankError(_("Only a matched or ignored payment line can be taken back."))
        record = {
            "state": line.state,
            "payment": line.payment_id,
            "by": str(actor),
            "at": timezone.now().isoformat(),
            "reason": reason[:300],
        }
        if line.payment_id and not line.linked:
            try:
                ledger.reverse_payment(
                    account, line.payment, actor=actor, memo=f"Bank line {line.pk} taken back: {reason}"[:300]
                )
            except ledger.LedgerError as error:
                raise BankError(str(error)) from error
        line.undone = [*line.undone, record]
        line.state = BankStatementLine.State.UNMATCHED
        line.payment = None
        line.linked = False
        line.ignored_reason = {}
        line.suggestions = []
        line.decided_by = actor
        line.decided_at = timezone.now()
        line.save()
    _refresh_suggestions(line)
    return BankStatementLine.objects.get(pk=line.pk)


def _refresh_suggestions(line: BankStatementLine) -> None:
    """Suggestions only: what would have matched at once is offered, not booked again."""
    invoice_ids, company_id, suggestions = suggestions_for(line)
    if invoice_ids:
        suggestions = [{"company": company_id, "invoices": invoice_ids, "reason": REASON_INVOICE_NAMED}]
    BankStatementLine.objects.filter(pk=line.pk, state=BankStatementLine.State.UNMATCHED).update(
        suggestions=suggestions,
        state=BankStatementLine.State.SUGGESTED if suggestions else BankStatementLine.State.UNMATCHED,
    )


def ignore_line(*, line: BankStatementLine, reason: str, actor) -> None:
    reason = (reason or "").strip()
    if not reason:
        raise BankError(_("Say why the line is ignored."))
    with transaction.atomic():
        line = BankStatementLine.objects.select_for_update().get(pk=line.pk)
        if line.state in (BankStatementLine.State.MATCHED, BankStatementLine.State.IGNORED):
            raise BankError(_("This line is already matched or ignored."))
        line.state = BankStatementLine.State.IGNORED
        line.ignored_reason = phrases.phrase(IGNORED_BY_STAFF, user=str(actor), reason=reason[:300])
        line.decided_by = actor
        line.decided_at = timezone.now()
        line.save(update_fields=["state", "ignored_reason", "decided_by", "decided_at"])


def suggestion_rows(lines: list[BankStatementLine]) -> dict[int, list[dict]]:
    """Each line's suggestions with their company and invoices read in two queries."""
    company_ids = {s["company"] for line in lines for s in line.suggestions}
    invoice_ids = {pk for line in lines for s in line.suggestions for pk in s["invoices"]}
    companies = Company.objects.in_bulk(company_ids)
    invoices = Invoice.objects.in_bulk(invoice_ids)
    rows = {}
    for line in lines:
        rows[line.pk] = [
            {
                "index": index,
                "company": companies.get(s["company"]),
                "invoices": [invoices[pk] for pk in s["invoices"] if pk in invoices],
                "reason": REASON_WORDS.get(s["reason"], ""),
                "payment": s.get("payment"),
            }
            for index, s in enumerate(line.suggestions)
            if s["company"] in companies
        ]
    return rows
