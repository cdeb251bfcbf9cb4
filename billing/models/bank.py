"""Our bank accounts and the statements imported from them, line by line.

A statement file is kept as it came (its bytes and their hash): the same file uploaded again is
the same statement, so importing it twice adds nothing. Each line carries a hash of what the bank
said about it (the account, date, amount, payer, reference and the bank's own serial when the
file has one), unique, so a line repeated within a file or in an overlapping statement is kept
once. An incoming line becomes a transfer `Payment` when it is matched (by billing.services.bank);
outgoing lines are kept, ignored.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from accounts.models import CURRENCY_CHOICES

from .core import Payment

__all__ = ["BankAccount", "BankStatement", "BankStatementLine"]


class BankAccount(models.Model):
    """One of the distributor's own accounts, with how its bank's CSV/XLSX export is read.

    `mapping` names the file's columns by their headings (as the bank writes them):
    "date", "amount" (signed) or "credit" and "debit", "payer", "payer_account", "reference"
    (摘要/附言), "serial" (the bank's transaction number), plus "header_row" (the heading's row
    number in the file; 0 finds the row holding the date heading) and "encoding" ("" finds it)."""

    name = models.CharField(_("name"), max_length=100)
    bank = models.CharField(_("bank"), max_length=120)
    account_number = models.CharField(_("account number"), max_length=60, unique=True)
    currency = models.CharField(_("currency"), max_length=3, choices=CURRENCY_CHOICES, default="CNY")
    mapping = models.JSONField(_("column mapping"), default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("bank account")
        verbose_name_plural = _("bank accounts")
        ordering = ["name", "pk"]

    def __str__(self):
        return f"{self.name} ({self.account_number[-4:]})"


class BankStatement(models.Model):
    """One uploaded file: a draft while it is previewed, imported once its lines are saved."""

    class Format(models.TextChoices):
        CSV = "csv", "CSV"
        XLSX = "xlsx", "XLSX"
        MT940 = "mt940", "MT940"
        CAMT053 = "camt053", "CAMT.053"

    class State(models.TextChoices):
        DRAFT = "draft", _("Previewed")
        IMPORTED = "imported", _("Imported")

    account = models.ForeignKey(
        BankAccount, verbose_name=_("bank account"), on_delete=models.PROTECT, related_name="statements"
    )
    file_name = models.CharField(_("file"), max_length=255)
    file_hash = models.CharField(max_length=64)
    content = models.BinaryField()
    format = models.CharField(_("format"), max_length=10, choices=Format.choices)
    state = models.CharField(_("status"), max_length=10, choices=State.choices, default=State.DRAFT)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField(auto_now_add=True)
    imported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    imported_at = models.DateTimeField(_("imported"), null=True, blank=True)
    line_count = models.PositiveIntegerField(_("lines added"), default=0)
    duplicate_count = models.PositiveIntegerField(_("lines already there"), default=0)

    class Meta:
        verbose_name = _("bank statement")
        verbose_name_plural = _("bank statements")
        ordering = ["-uploaded_at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["account", "file_hash"], name="bank_statement_once_per_account"),
        ]

    def __str__(self):
        return self.file_name


class BankStatementLine(models.Model):
    class State(models.TextChoices):
        UNMATCHED = "unmatched", _("Unmatched")
        SUGGESTED = "suggested", _("Suggested")
        MATCHED = "matched", _("Matched")
        IGNORED = "ignored", _("Ignored")

    statement = models.ForeignKey(BankStatement, on_delete=models.PROTECT, related_name="lines")
    account = models.ForeignKey(BankAccount, on_delete=models.PROTECT, related_name="lines")
    row = models.PositiveIntegerField(_("row"))  # the line's row (or entry) number in its file
    booked_on = models.DateField(_("date"))
    # Positive: money in; negative: money out.
    amount = models.DecimalField(_("amount"), max_digits=14, decimal_places=2)
    currency = models.CharField(_("currency"), max_length=3, choices=CURRENCY_CHOICES)
    payer_name = models.CharField(_("payer"), max_length=200, blank=True)
    payer_account = models.CharField(_("payer account"), max_length=60, blank=True)
    reference = models.CharField(_("reference"), max_length=500, blank=True)
    serial = models.CharField(_("bank serial"), max_length=100, blank=True)
    line_hash = models.CharField(max_length=64, unique=True)
    state = models.CharField(_("status"), max_length=10, choices=State.choices, default=State.UNMATCHED)
    # [{"company": id, "invoices": [ids], "reason": code}], best first (billing.services.bank).
    suggestions = models.JSONField(default=list, blank=True)
    payment = models.OneToOneField(
        Payment, verbose_name=_("payment"), on_delete=models.PROTECT, null=True, blank=True, related_name="bank_line"
    )
    # The line was linked to a transfer recorded by hand (that payment is not the line's own):
    # undoing the match unlinks it; a payment booked from the line is reversed instead.
    linked = models.BooleanField(default=False)
    # Why it is ignored: a phrase (kit.phrases), e.g. {"code": "bank.outgoing"} or a person's words.
    ignored_reason = models.JSONField(default=dict, blank=True)
    # Decisions taken back, oldest first: [{"state", "payment", "by", "at", "reason"}]
    # (billing.services.bank.reopen_line); the line itself keeps only its current decision.
    undone = models.JSONField(default=list, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("bank statement line")
        verbose_name_plural = _("bank statement lines")
        ordering = ["booked_on", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(state="matched", payment__isnull=False) | (~Q(state="matched") & Q(payment__isnull=True)),
                name="bank_line_matched_has_payment",
            ),
            models.CheckConstraint(condition=~Q(amount=0), name="bank_line_amount_not_zero"),
        ]
        indexes = [models.Index(fields=["account", "state"])]

    def __str__(self):
        return f"{self.booked_on} {self.amount} {self.currency} {self.payer_name}"

    @property
    def is_incoming(self) -> bool:
        return self.amount > 0

    def suggested_companies(self) -> list[int]:
        return [suggestion["company"] for suggestion in self.suggestions]
