"""Billing's core rows: invoices and credit notes with their lines, the ledger of money movements,
payments and their allocations to invoices, the customer's invoice details (开票信息) and the
gapless number sequences.

What is money is never edited: an issued invoice's amounts and parties are copied once and kept;
ledger entries and allocations are only ever added (a mistake is corrected by an entry that
reverses it). The only fields that change after issue are the ones the rows name as kept by
billing's services: an invoice's `open_amount` (what is still unpaid, so the aging report reads
one column) and its stored PDF, and the official tax invoice's (发票) number and date.
"""

import uuid
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from accounts.models import CURRENCY_CHOICES, Company
from kit.history import HistoricalRecords, user_from
from kit.languages import in_active_language
from ordering.fulfilment.models import ReturnRequest, Shipment, ShipmentLine
from ordering.models import Order, OrderLine

ZERO = Decimal("0.00")

__all__ = [
    "ZERO",
    "AppendOnly",
    "DocumentSequence",
    "InvoiceDetails",
    "Invoice",
    "InvoiceLine",
    "Payment",
    "LedgerEntry",
    "Allocation",
    "ExposureRelease",
]


class AppendOnly(models.Model):
    """A row that is written once: saving it again or deleting it is refused (a reversing row
    corrects it). PostgreSQL enforces the same with a trigger (billing's migration 0002)."""

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise ValidationError(_("A money entry is never changed; reverse it instead."))
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValidationError(_("A money entry is never deleted; reverse it instead."))


class DocumentSequence(models.Model):
    """The last number given to a kind of document in a year: numbers are gapless because the
    next one is taken under this row's lock inside the transaction that issues the document."""

    kind = models.CharField(max_length=10)
    year = models.PositiveSmallIntegerField()
    last = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["kind", "year"], name="document_sequence_kind_year")]

    def __str__(self):
        return f"{self.kind} {self.year}: {self.last}"


class InvoiceDetails(models.Model):
    """The customer's invoice details (开票信息), kept by the customer's finance: every new
    invoice copies them."""

    company = models.OneToOneField(Company, on_delete=models.CASCADE, primary_key=True, related_name="invoice_details")
    title = models.CharField(_("invoicing title"), max_length=200)
    tax_number = models.CharField(_("tax number"), max_length=40)
    registered_address = models.CharField(_("registered address"), max_length=300)
    phone = models.CharField(_("phone"), max_length=40)
    bank_name = models.CharField(_("bank"), max_length=120)
    bank_account = models.CharField(_("bank account"), max_length=60)
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # The audit trail: every change with who, when, before and after (kit.history shows it).
    history = HistoricalRecords(excluded_fields=["updated_at", "updated_by"], get_user=user_from("updated_by"))

    class Meta:
        verbose_name = _("invoice details")
        verbose_name_plural = _("invoice details")

    def __str__(self):
        return self.title


class Invoice(models.Model):
    """An invoice (INV-2026-000001) or a credit note (CN-2026-000001). Amounts are positive for
    both; the kind says which way the money goes."""

    class Kind(models.TextChoices):
        INVOICE = "invoice", _("Invoice")
        CREDIT_NOTE = "credit", _("Credit note")

    class CreditReason(models.TextChoices):
        RETURN = "return", _("Goods returned")
        CORRECTION = "correction", _("Correction")
        VOID = "void", _("Invoice voided")

    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices, default=Kind.INVOICE)
    number = models.CharField(_("number"), max_length=20, unique=True)
    company = models.ForeignKey(Company, verbose_name=_("company"), on_delete=models.PROTECT, related_name="invoices")
    # What was invoiced: one shipment, or a month of shipments (月结: the period).
    shipment = models.ForeignKey(
        Shipment, verbose_name=_("shipment"), on_delete=models.PROTECT, null=True, blank=True, related_name="invoices"
    )
    order = models.ForeignKey(
        Order, verbose_name=_("order"), on_delete=models.PROTECT, null=True, blank=True, related_name="invoices"
    )
    period_start = models.DateField(_("period from"), null=True, blank=True)
    period_end = models.DateField(_("period to"), null=True, blank=True)
    # A credit note: the invoice it credits, why, and the return it credits.
    credited_invoice = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="credit_notes"
    )
    credit_reason = models.CharField(_("reason"), max_length=12, choices=CreditReason.choices, blank=True)
    credit_comment = models.CharField(_("comment"), max_length=500, blank=True)
    return_request = models.OneToOneField(
        ReturnRequest, on_delete=models.PROTECT, null=True, blank=True, related_name="credit_note"
    )
    issued_on = models.DateField(_("issued"))
    due_on = models.DateField(_("due"), null=True, blank=True)
    currency = models.CharField(_("currency"), max_length=3, choices=CURRENCY_CHOICES)
    subtotal = models.DecimalField(_("net"), max_digits=14, decimal_places=2)
    tax_total = models.DecimalField(_("tax"), max_digits=14, decimal_places=2)
    total = models.DecimalField(_("total"), max_digits=14, decimal_places=2)
    # Kept by billing's ledger: what is still unpaid (an invoice) or not yet applied (a credit note).
    open_amount = models.DecimalField(_("open"), max_digits=14, decimal_places=2)
    # Both parties as they were on the day of issue: legal name, address, tax number, bank, phone.
    seller = models.JSONField(default=dict)
    buyer = models.JSONField(default=dict)
    language = models.CharField(max_length=10, default="en")
    pdf = models.FileField(_("PDF"), upload_to="invoices/%Y/%m/", blank=True)
    # The official tax invoice (发票), issued in the tax system and recorded here by finance.
    tax_invoice_number = models.CharField(_("tax invoice (发票) number"), max_length=40, blank=True)
    tax_invoice_date = models.DateField(_("tax invoice (发票) date"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    # The fields billing's services may change after issue (see the module's docstring).
    KEPT_FIELDS = frozenset({"open_amount", "pdf", "tax_invoice_number", "tax_invoice_date"})

    class Meta:
        verbose_name = _("invoice")
        verbose_name_plural = _("invoices")
        ordering = ["-issued_on", "-pk"]
        indexes = [
            models.Index(fields=["company", "-issued_on"], name="invoice_company_issued"),
            # The aging report's aggregate reads only this index on PostgreSQL (the columns it sums
            # are included).
            models.Index(
                fields=["company", "due_on"],
                name="invoice_open_due",
                condition=Q(open_amount__gt=0, kind="invoice"),
                include=["currency", "open_amount"],
            ),
            # The overdue list, worst first (billing.aging.overdue_invoices: by due date, then the
            # largest open amount): read in this index's order and stopped at the page's rows.
            models.Index(
                fields=["due_on", "-open_amount"],
                name="invoice_open_by_due",
                condition=Q(open_amount__gt=0, kind="invoice"),
            ),
            # Days sales outstanding sums the invoices issued in the last N days (billing.aging.dso),
            # from this index alone.
            models.Index(
                fields=["issued_on"], name="invoice_issued", condition=Q(kind="invoice"), include=["currency", "total"]
            ),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(total__gte=0), name="invoice_total_not_negative"),
            models.CheckConstraint(condition=Q(open_amount__gte=0), name="invoice_open_not_negative"),
            models.CheckConstraint(condition=Q(open_amount__lte=models.F("total")), name="invoice_open_within_total"),
            models.UniqueConstraint(fields=["shipment"], condition=Q(kind="invoice"), name="invoice_one_per_shipment"),
        ]

    def __str__(self):
        return self.number

    def save(self, *args, **kwargs):
        update_fields = kwargs.get("update_fields")
        if not self._state.adding and (update_fields is None or not set(update_fields) <= self.KEPT_FIELDS):
            raise ValidationError(_("An issued invoice is never edited; issue a credit note instead."))
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValidationError(_("An issued invoice is never deleted; issue a credit note instead."))

    @property
    def is_credit_note(self) -> bool:
        return self.kind == self.Kind.CREDIT_NOTE

    @property
    def paid(self) -> Decimal:
        return self.total - self.open_amount

    def is_overdue(self, today) -> bool:
        return (
            self.kind == self.Kind.INVOICE and self.open_amount > 0 and self.due_on is not None and self.due_on < today
        )

    def days_overdue(self, today) -> int:
        return (today - self.due_on).days if self.is_overdue(today) else 0


class InvoiceLine(models.Model):
    """A line as issued: what shipped (catch weight: at the weight shipped), at the order's price."""

    class PricePer(models.TextChoices):
        UNIT = "unit", _("per unit")
        KG = "kg", _("per kg")

    invoice = models.ForeignKey(Invoice, on_delete=models.PROTECT, related_name="lines")
    position = models.PositiveSmallIntegerField()
    order_line = models.ForeignKey(OrderLine, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    # An invoice line bills one shipment line, once; a credit note's line names what it credits.
    shipment_line = models.OneToOneField(
        ShipmentLine, on_delete=models.PROTECT, null=True, blank=True, related_name="invoice_line"
    )
    credited_line = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="credit_lines"
    )
    sku = models.CharField(_("SKU"), max_length=40, blank=True)
    name_en = models.CharField(max_length=200)
    name_zh = models.CharField(max_length=200, blank=True)
    lot = models.CharField(_("lot"), max_length=40, blank=True)
    quantity = models.PositiveIntegerField(_("quantity"))
    unit = models.CharField(_("unit"), max_length=10, blank=True)
    weight_kg = models.DecimalField(_("weight (kg)"), max_digits=10, decimal_places=3, null=True, blank=True)
    price_per = models.CharField(max_length=4, choices=PricePer.choices, default=PricePer.UNIT)
    unit_price = models.DecimalField(_("unit price"), max_digits=14, decimal_places=2)
    tax_rate = models.DecimalField(_("tax rate (%)"), max_digits=5, decimal_places=2)
    net = models.DecimalField(_("net"), max_digits=14, decimal_places=2)
    tax = models.DecimalField(_("tax"), max_digits=14, decimal_places=2)

    class Meta:
        ordering = ["invoice", "position"]

    def __str__(self):
        return f"{self.invoice} #{self.position}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise ValidationError(_("An issued invoice is never edited; issue a credit note instead."))
        super().save(*args, **kwargs)

    @property
    def name(self) -> str:
        return in_active_language(self.name_en, self.name_zh)

    @property
    def gross(self) -> Decimal:
        return self.net + self.tax


class Payment(models.Model):
    """Money received from a customer: by card (a Stripe PaymentIntent) or by bank transfer.

    A card payment is created pending with its idempotency key before Stripe is called, and
    becomes succeeded only when Stripe's PaymentIntent, read back, says so for this amount,
    currency and company. Only a succeeded payment is in the ledger."""

    class Method(models.TextChoices):
        CARD = "card", _("Card")
        TRANSFER = "transfer", _("Bank transfer")

    class State(models.TextChoices):
        PENDING = "pending", _("Pending")
        SUCCEEDED = "succeeded", _("Received")
        FAILED = "failed", _("Failed")
        CANCELLED = "cancelled", _("Cancelled")

    company = models.ForeignKey(Company, verbose_name=_("company"), on_delete=models.PROTECT, related_name="payments")
    method = models.CharField(_("method"), max_length=10, choices=Method.choices)
    state = models.CharField(_("status"), max_length=10, choices=State.choices, default=State.PENDING)
    currency = models.CharField(_("currency"), max_length=3, choices=CURRENCY_CHOICES)
    amount = models.DecimalField(_("amount"), max_digits=14, decimal_places=2)
    # Not yet allocated to an invoice (credit on the account); refunds reduce it too.
    unallocated = models.DecimalField(_("unallocated"), max_digits=14, decimal_places=2, default=ZERO)
    refunded = models.DecimalField(_("refunded"), max_digits=14, decimal_places=2, default=ZERO)
    received_on = models.DateField(_("received"), null=True, blank=True)
    reference = models.CharField(_("reference"), max_length=140, blank=True)
    payer_name = models.CharField(_("payer"), max_length=200, blank=True)
    # The invoices the payer named (allocated first, in this order), or the prepaid order.
    requested_invoices = models.ManyToManyField(Invoice, blank=True, related_name="+")
    order = models.ForeignKey(Order, on_delete=models.PROTECT, null=True, blank=True, related_name="payments")
    idempotency_key = models.UUIDField(default=uuid.uuid4, unique=True)
    stripe_payment_intent = models.CharField(max_length=100, blank=True)
    failure_code = models.CharField(max_length=100, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("payment")
        verbose_name_plural = _("payments")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="payment_amount_positive"),
            models.CheckConstraint(condition=Q(unallocated__gte=0), name="payment_unallocated_not_negative"),
            models.UniqueConstraint(
                fields=["stripe_payment_intent"],
                condition=~Q(stripe_payment_intent=""),
                name="payment_one_per_intent",
            ),
        ]

    def __str__(self):
        return f"{self.get_method_display()} {self.amount} {self.currency}"


class LedgerEntry(AppendOnly):
    """One money movement on a company's account. `amount` is signed from the distributor's side:
    positive raises what the customer owes (an invoice, a refund paid out), negative lowers it (a
    credit note, a payment, a write-off). The company's balance is the sum of its entries."""

    class Kind(models.TextChoices):
        INVOICE = "invoice", _("Invoice")
        CREDIT_NOTE = "credit", _("Credit note")
        PAYMENT = "payment", _("Payment")
        REFUND = "refund", _("Refund")
        WRITE_OFF = "write_off", _("Write-off")
        REVERSAL = "reversal", _("Reversal")

    company = models.ForeignKey(Company, on_delete=models.PROTECT, related_name="ledger_entries")
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    currency = models.CharField(max_length=3, choices=CURRENCY_CHOICES)
    amount = models.DecimalField(_("amount"), max_digits=14, decimal_places=2)
    booked_on = models.DateField(_("date"))
    invoice = models.ForeignKey(Invoice, on_delete=models.PROTECT, null=True, blank=True, related_name="entries")
    payment = models.ForeignKey(Payment, on_delete=models.PROTECT, null=True, blank=True, related_name="entries")
    reverses = models.OneToOneField("self", on_delete=models.PROTECT, null=True, blank=True, related_name="reversed_by")
    memo = models.CharField(_("memo"), max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("ledger entry")
        verbose_name_plural = _("ledger entries")
        ordering = ["booked_on", "pk"]
        indexes = [models.Index(fields=["company", "booked_on"], name="ledger_company_booked")]

    def __str__(self):
        return f"{self.company_id} {self.kind} {self.amount}"


class Allocation(AppendOnly):
    """Part of a payment, or of a credit note, set against an invoice. A negative row undoes an
    earlier one (a refund, a payment reversed); rows are never changed."""

    invoice = models.ForeignKey(Invoice, on_delete=models.PROTECT, related_name="allocations")
    payment = models.ForeignKey(Payment, on_delete=models.PROTECT, null=True, blank=True, related_name="allocations")
    credit_note = models.ForeignKey(
        Invoice, on_delete=models.PROTECT, null=True, blank=True, related_name="applications"
    )
    amount = models.DecimalField(_("amount"), max_digits=14, decimal_places=2)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    # The audit trail: who allocated what, when (rows are only added, so each has one record).
    history = HistoricalRecords(get_user=user_from("created_by"))

    class Meta:
        verbose_name = _("allocation")
        verbose_name_plural = _("allocations")
        ordering = ["pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(payment__isnull=False, credit_note__isnull=True)
                | Q(payment__isnull=True, credit_note__isnull=False),
                name="allocation_one_source",
            ),
        ]

    def __str__(self):
        return f"{self.amount} → {self.invoice}"


class ExposureRelease(AppendOnly):
    """How much of an order's approved credit exposure an invoice turned into an open invoice: the
    order's own estimate for what shipped, and with its last invoice the rest of its total."""

    invoice = models.ForeignKey(Invoice, on_delete=models.PROTECT, related_name="exposure_releases")
    order = models.ForeignKey(Order, on_delete=models.PROTECT, related_name="+")
    amount = models.DecimalField(max_digits=14, decimal_places=2)

    class Meta:
        indexes = [models.Index(fields=["order"], name="exposure_release_order")]

    def __str__(self):
        return f"{self.invoice} {self.order_id}: {self.amount}"
