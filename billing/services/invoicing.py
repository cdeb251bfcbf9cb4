"""Issuing invoices and credit notes.

- `invoice_shipment`: one invoice for one shipment (companies invoiced per shipment), issued when
  the shipment leaves (a task on `fulfilment.signals.shipment_shipped`) or by hand.
- `invoice_month`: one invoice for every shipment of a month not yet invoiced (月结 companies),
  by the scheduled task on the 1st and by hand.
- `issue_credit_note`: a credit note for a received return, for a correction (chosen lines and
  quantities of an invoice), or voiding a whole invoice (an invoice is never deleted).

Each is one transaction: the company's books locked first (`ledger.lock_books`), the number taken
under its sequence's lock, the lines copied, both parties copied, the ledger booked. Lines are
what shipped at the order's price: quantity × unit price, or for catch weight the weight shipped
× the price per kg; tax per line at its rate, rounded half-up to the cent, as the order did.
The due date follows the company's terms on the day of issue. The PDF is rendered after commit.
"""

import calendar
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from django.conf import settings
from django.db import transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Address, Company
from catalog import catch_weight
from ordering.fulfilment import returns
from ordering.fulfilment.models import ReturnRequest, Shipment, ShipmentLine
from ordering.models import Order, OrderState
from ordering.services.common import money

from ..models import ZERO, ExposureRelease, Invoice, InvoiceDetails, InvoiceLine
from . import ledger
from .numbering import next_number

# An order is done with invoicing once it shipped all it will: its last invoice releases the rest
# of its approved exposure (cents of rounding, a short pick's remainder).
SHIPPED_IN_FULL = {OrderState.SHIPPED, OrderState.DELIVERED, OrderState.CLOSED}


class InvoicingError(Exception):
    pass


# --- Terms and parties ---------------------------------------------------------------------------


def due_date(company: Company, issued_on: date) -> date:
    """Net N days after issue, or the end of the month of issue plus N days."""
    if company.payment_terms_kind == Company.TermsKind.END_OF_MONTH:
        last_day = calendar.monthrange(issued_on.year, issued_on.month)[1]
        return issued_on.replace(day=last_day) + timedelta(days=company.payment_terms_days)
    return issued_on + timedelta(days=company.payment_terms_days)


def seller_party() -> dict:
    """The distributor as its invoices name it (settings: TRADECOUNTER_DISTRIBUTOR_*)."""
    return {
        "name": settings.TRADECOUNTER_DISTRIBUTOR_LEGAL_NAME,
        "address": " ".join(settings.TRADECOUNTER_DISTRIBUTOR_ADDRESS),
        "tax_number": settings.TRADECOUNTER_DISTRIBUTOR_TAX_NUMBER,
        "phone": settings.TRADECOUNTER_DISTRIBUTOR_PHONE,
        "bank_name": settings.TRADECOUNTER_DISTRIBUTOR_BANK_NAME,
        "bank_account": settings.TRADECOUNTER_DISTRIBUTOR_BANK_ACCOUNT,
    }


def buyer_party(company: Company) -> dict:
    """The customer as its invoice details (开票信息) name it; without them, its legal name, tax
    number and billing address."""
    # Read afresh: the company object may have cached "no details" before they were entered.
    details = InvoiceDetails.objects.filter(company_id=company.pk).first()
    if details is not None:
        return {
            "name": details.title,
            "address": details.registered_address,
            "tax_number": details.tax_number,
            "phone": details.phone,
            "bank_name": details.bank_name,
            "bank_account": details.bank_account,
        }
    address = Address.objects.filter(company=company, kind=Address.Kind.BILLING).order_by("-is_default", "pk").first()
    return {
        "name": company.legal_name,
        "address": ", ".join(part for part in (address.line1, address.line2, address.city, address.postcode) if part)
        if address
        else "",
        "tax_number": company.tax_number,
        "phone": address.phone if address else "",
        "bank_name": "",
        "bank_account": "",
    }


def invoice_language(company: Company) -> str:
    """The language of the company's documents: that of its first finance or admin member who set one."""
    language = (
        company.memberships.filter(user__is_active=True)
        .exclude(user__language="")
        .order_by("pk")
        .values_list("user__language", flat=True)
        .first()
    )
    return language or settings.LANGUAGE_CODE


# --- Lines ------------------------------------------------------------------------------------------


@dataclass
class Draft:
    """A line to issue, with the approved exposure it releases (its order's estimate for it)."""

    line: InvoiceLine
    order_id: int | None = None
    released: Decimal = ZERO


def _shipment_line_draft(shipment_line: ShipmentLine) -> Draft:
    order_line = shipment_line.order_line
    if order_line.catch_weight and shipment_line.weight_kg is not None:
        net = catch_weight.weighed_amount(weight_kg=shipment_line.weight_kg, price_per_kg=order_line.unit_price)
        price_per = InvoiceLine.PricePer.KG
    else:
        net = money(order_line.unit_price * shipment_line.quantity)
        price_per = InvoiceLine.PricePer.UNIT
    # The order's own estimate for this quantity: what approval counted against credit.
    ordered_gross = order_line.line_total + order_line.tax_amount
    released = money(ordered_gross * shipment_line.quantity / order_line.quantity) if order_line.quantity else ZERO
    line = InvoiceLine(
        order_line=order_line,
        shipment_line=shipment_line,
        sku=order_line.sku,
        name_en=order_line.name_en,
        name_zh=order_line.name_zh,
        lot=shipment_line.lot.number,
        quantity=shipment_line.quantity,
        unit=order_line.sales_unit,
        weight_kg=shipment_line.weight_kg if order_line.catch_weight else None,
        price_per=price_per,
        unit_price=order_line.unit_price,
        tax_rate=order_line.tax_rate,
        net=net,
        tax=money(net * order_line.tax_rate / 100),
    )
    return Draft(line=line, order_id=order_line.order_id, released=released)


def _release_remainders(drafts: list[Draft]) -> None:
    """An order invoiced for the last time releases all its approved exposure still counted:
    its total less what its earlier invoices released (on its last line here)."""
    last_draft = {}
    for draft in drafts:
        if draft.order_id is not None:
            last_draft[draft.order_id] = draft
    orders = Order.objects.filter(pk__in=last_draft, state__in=SHIPPED_IN_FULL).values_list("pk", "total")
    for order_id, total in orders:
        if (
            ShipmentLine.objects.filter(shipment__order_id=order_id, invoice_line__isnull=True)
            .exclude(pk__in=[d.line.shipment_line_id for d in drafts if d.order_id == order_id])
            .exists()
        ):
            continue
        earlier = released_for_order(order_id)
        here = sum((d.released for d in drafts if d.order_id == order_id), ZERO)
        last_draft[order_id].released += total - earlier - here


def released_for_order(order_id: int) -> Decimal:
    """The approved exposure the order's invoices have released so far."""
    return ExposureRelease.objects.filter(order_id=order_id).aggregate(total=Sum("amount"))["total"] or ZERO


# --- Issuing ------------------------------------------------------------------------------------


def _issue(
    *,
    account,
    company: Company,
    kind: str,
    drafts: list[Draft],
    issued_on: date,
    actor,
    currency: str,
    **fields,
) -> Invoice:
    subtotal = sum((d.line.net for d in drafts), ZERO)
    tax_total = sum((d.line.tax for d in drafts), ZERO)
    total = subtotal + tax_total
    invoice = Invoice.objects.create(
        kind=kind,
        number=next_number(kind, issued_on.year),
        company=company,
        issued_on=issued_on,
        due_on=due_date(company, issued_on) if kind == Invoice.Kind.INVOICE else None,
        currency=currency,
        subtotal=subtotal,
        tax_total=tax_total,
        total=total,
        open_amount=total,
        seller=seller_party(),
        buyer=buyer_party(company),
        language=invoice_language(company),
        created_by=actor,
        **fields,
    )
    for position, draft in enumerate(drafts, start=1):
        draft.line.invoice = invoice
        draft.line.position = position
    InvoiceLine.objects.bulk_create([d.line for d in drafts])
    _record_releases(invoice, drafts)
    return invoice


def _record_releases(invoice: Invoice, drafts: list[Draft]) -> None:
    per_order = defaultdict(lambda: ZERO)
    for draft in drafts:
        if draft.order_id is not None:
            per_order[draft.order_id] += draft.released
    ExposureRelease.objects.bulk_create(
        [ExposureRelease(invoice=invoice, order_id=order_id, amount=amount) for order_id, amount in per_order.items()]
    )


def _after_commit(invoice: Invoice) -> None:
    from ..tasks import render_invoice_pdf

    transaction.on_commit(lambda: render_invoice_pdf.enqueue(invoice_id=invoice.pk), robust=True)


def invoice_shipment(shipment: Shipment, *, actor=None, issued_on: date | None = None, render: bool = True) -> Invoice:
    """The shipment's invoice (issued now unless it has one: asking twice issues one)."""
    issued_on = issued_on or timezone.localdate()
    with transaction.atomic():
        shipment = Shipment.objects.select_related("order").get(pk=shipment.pk)
        company = Company.objects.get(pk=shipment.order.company_id)
        account = ledger.lock_books(company.pk)
        existing = Invoice.objects.filter(shipment=shipment, kind=Invoice.Kind.INVOICE).first()
        if existing is not None:
            return existing
        shipment_lines = list(
            shipment.lines.select_related("order_line", "lot")
            .filter(invoice_line__isnull=True)
            .order_by("order_line_id", "pk")
        )
        if not shipment_lines:
            raise InvoicingError(_("Shipment %(number)s has nothing left to invoice.") % {"number": shipment.number})
        drafts = [_shipment_line_draft(line) for line in shipment_lines]
        _release_remainders(drafts)
        invoice = _issue(
            account=account,
            company=company,
            kind=Invoice.Kind.INVOICE,
            drafts=drafts,
            issued_on=issued_on,
            actor=actor,
            currency=shipment.order.currency,
            shipment=shipment,
            order=shipment.order,
        )
        ledger.book_invoice(account, invoice, approved=sum((d.released for d in drafts), ZERO), actor=actor)
        if render:
            _after_commit(invoice)
    return invoice


@dataclass(frozen=True)
class ChargeLine:
    """A line finance invoices by hand: a service (delivery, cold-chain handling, a fee)."""

    name_en: str
    quantity: int
    unit_price: Decimal
    tax_rate: Decimal
    name_zh: str = ""


def invoice_charges(
    company: Company,
    lines: list[ChargeLine],
    *,
    actor,
    currency: str | None = None,
    issued_on: date | None = None,
    render: bool = True,
) -> Invoice:
    """An invoice by hand for charges that did not ship (no approved exposure behind it)."""
    if not lines:
        raise InvoicingError(_("An invoice needs at least one line."))
    for number, line in enumerate(lines, start=1):
        if not line.name_en.strip():
            raise InvoicingError(_("Line %(number)s: describe the charge.") % {"number": number})
        if line.quantity <= 0 or line.unit_price < 0 or not (0 <= line.tax_rate <= 100):
            raise InvoicingError(
                _("Line %(number)s: the quantity must be above zero, the price zero or more and the tax rate 0–100 %%.")
                % {"number": number}
            )
    issued_on = issued_on or timezone.localdate()
    with transaction.atomic():
        account = ledger.lock_books(company.pk)
        drafts = []
        for line in lines:
            net = money(line.unit_price * line.quantity)
            drafts.append(
                Draft(
                    line=InvoiceLine(
                        name_en=line.name_en.strip(),
                        name_zh=line.name_zh.strip(),
                        quantity=line.quantity,
                        unit_price=line.unit_price,
                        tax_rate=line.tax_rate,
                        net=net,
                        tax=money(net * line.tax_rate / 100),
                    )
                )
            )
        invoice = _issue(
            account=account,
            company=company,
            kind=Invoice.Kind.INVOICE,
            drafts=drafts,
            issued_on=issued_on,
            actor=actor,
            currency=currency or company.currency,
        )
        ledger.book_invoice(account, invoice, approved=ZERO, actor=actor)
        if render:
            _after_commit(invoice)
    return invoice


def month_bounds(year: int, month: int) -> tuple[date, date]:
    return date(year, month, 1), date(year, month, calendar.monthrange(year, month)[1])


def invoice_month(
    company: Company, *, year: int, month: int, actor=None, issued_on: date | None = None, render: bool = True
) -> Invoice | None:
    """One invoice for the company's shipments of that month not yet invoiced (None: none was)."""
    start, end = month_bounds(year, month)
    issued_on = issued_on or timezone.localdate()
    with transaction.atomic():
        account = ledger.lock_books(company.pk)
        existing = Invoice.objects.filter(
            company=company, kind=Invoice.Kind.INVOICE, period_start=start, period_end=end
        ).first()
        if existing is not None:
            return existing
        shipment_lines = list(
            ShipmentLine.objects.select_related("order_line", "lot", "shipment")
            .filter(
                shipment__order__company=company,
                shipment__shipped_at__date__gte=start,
                shipment__shipped_at__date__lte=end,
                invoice_line__isnull=True,
            )
            .order_by("shipment__shipped_at", "shipment_id", "order_line_id", "pk")
        )
        if not shipment_lines:
            return None
        currencies = {line.order_line.order.currency for line in shipment_lines}
        if len(currencies) > 1:
            raise InvoicingError(_("A month's invoice is in one currency: these shipments are in several."))
        drafts = [_shipment_line_draft(line) for line in shipment_lines]
        _release_remainders(drafts)
        invoice = _issue(
            account=account,
            company=company,
            kind=Invoice.Kind.INVOICE,
            drafts=drafts,
            issued_on=issued_on,
            actor=actor,
            currency=currencies.pop(),
            period_start=start,
            period_end=end,
        )
        ledger.book_invoice(account, invoice, approved=sum((d.released for d in drafts), ZERO), actor=actor)
        if render:
            _after_commit(invoice)
    return invoice


def monthly_companies():
    return Company.objects.filter(invoicing=Company.Invoicing.MONTHLY)


# --- Credit notes ---------------------------------------------------------------------------------


def credit_return(
    return_request: ReturnRequest, *, actor=None, issued_on: date | None = None, render: bool = True
) -> Invoice:
    """The credit note of a received return (once: asking twice gives the same note). It credits
    the order's invoice that billed the returned lines, at the order's prices."""
    issued_on = issued_on or timezone.localdate()
    with transaction.atomic():
        return_request = ReturnRequest.objects.select_related("order").get(pk=return_request.pk)
        account = ledger.lock_books(return_request.company_id)
        existing = Invoice.objects.filter(return_request=return_request).first()
        if existing is not None:
            return existing
        basis = returns.credit_note_lines(return_request)
        billed = {
            line.order_line_id: line
            for line in InvoiceLine.objects.filter(
                invoice__kind=Invoice.Kind.INVOICE, order_line_id__in=[c.order_line_id for c in basis.lines]
            ).order_by("pk")
        }
        drafts = [
            Draft(
                line=InvoiceLine(
                    order_line_id=line.order_line_id,
                    credited_line=billed.get(line.order_line_id),
                    sku=line.sku,
                    name_en=line.name_en,
                    name_zh=line.name_zh,
                    lot=line.lot,
                    quantity=line.quantity,
                    # The unit the invoice billed it in ("case"), so the note reads "2 cases".
                    unit=billed[line.order_line_id].unit if line.order_line_id in billed else "",
                    unit_price=line.unit_price,
                    tax_rate=line.tax_rate,
                    net=line.net,
                    tax=line.tax,
                )
            )
            for line in basis.lines
        ]
        credited = next((line.invoice for line in billed.values()), None)
        note = _issue(
            account=account,
            company=return_request.order.company,
            kind=Invoice.Kind.CREDIT_NOTE,
            drafts=drafts,
            issued_on=issued_on,
            actor=actor,
            currency=basis.currency,
            order=return_request.order,
            credited_invoice=credited,
            credit_reason=Invoice.CreditReason.RETURN,
            return_request=return_request,
        )
        ledger.book_credit_note(account, note, actor=actor)
        returns.close_return(return_request=return_request, user=actor)
        if render:
            _after_commit(note)
    return note


def credit_lines(
    invoice: Invoice,
    quantities: dict[int, int],
    *,
    reason: str,
    comment: str,
    actor,
    issued_on: date | None = None,
    render: bool = True,
) -> Invoice:
    """A credit note for part of an invoice (a correction): `quantities` maps the invoice's line
    ids to how many of each are credited. Voiding is every line in full (`void_invoice`)."""
    if not comment.strip():
        raise InvoicingError(_("Say why the invoice is credited."))
    issued_on = issued_on or timezone.localdate()
    with transaction.atomic():
        account = ledger.lock_books(invoice.company_id)
        invoice = Invoice.objects.select_for_update().get(pk=invoice.pk)
        if invoice.kind != Invoice.Kind.INVOICE:
            raise InvoicingError(_("Only an invoice is credited."))
        drafts = []
        for line in invoice.lines.order_by("position"):
            quantity = quantities.get(line.pk, 0)
            already = sum(line.credit_lines.values_list("quantity", flat=True))
            if quantity < 0 or quantity > line.quantity - already:
                raise InvoicingError(
                    _("Line %(position)s: at most %(left)s can be credited.")
                    % {"position": line.position, "left": line.quantity - already}
                )
            if quantity == 0:
                continue
            if quantity == line.quantity:
                net = line.net
            else:
                net = money(line.net * quantity / line.quantity)
            drafts.append(
                Draft(
                    line=InvoiceLine(
                        order_line_id=line.order_line_id,
                        credited_line=line,
                        sku=line.sku,
                        name_en=line.name_en,
                        name_zh=line.name_zh,
                        lot=line.lot,
                        quantity=quantity,
                        unit=line.unit,
                        weight_kg=None,
                        price_per=line.price_per,
                        unit_price=line.unit_price,
                        tax_rate=line.tax_rate,
                        net=net,
                        tax=line.tax if quantity == line.quantity else money(net * line.tax_rate / 100),
                    )
                )
            )
        if not drafts:
            raise InvoicingError(_("Choose at least one line to credit."))
        note = _issue(
            account=account,
            company=invoice.company,
            kind=Invoice.Kind.CREDIT_NOTE,
            drafts=drafts,
            issued_on=issued_on,
            actor=actor,
            currency=invoice.currency,
            order=invoice.order,
            credited_invoice=invoice,
            credit_reason=reason,
            credit_comment=comment.strip(),
        )
        ledger.book_credit_note(account, note, actor=actor)
        if render:
            _after_commit(note)
    return note


def void_invoice(invoice: Invoice, *, comment: str, actor, render: bool = True) -> Invoice:
    """Void an invoice: a credit note for everything on it not credited yet."""
    quantities = {
        line.pk: line.quantity - sum(line.credit_lines.values_list("quantity", flat=True))
        for line in invoice.lines.all()
    }
    return credit_lines(
        invoice, quantities, reason=Invoice.CreditReason.VOID, comment=comment, actor=actor, render=render
    )
