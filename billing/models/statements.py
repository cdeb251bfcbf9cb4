"""Statements (对账) and their disputes.

A statement is a company's account for one period in one currency: the balance it opened with,
the ledger entries of the period (read from the ledger, never copied) and the balance it closed
with. Its lines are the entries that existed when it was generated (`LedgerEntry.created_at` up
to `generated_at`), so what the customer confirmed stays what they read even when a payment is
later recorded with an earlier date: that entry shows on the next statement's opening balance.

The customer's finance confirms it, or disputes single lines with a comment; each dispute is
resolved by the distributor's finance with a credit note, a correction or an explanation, which
the customer reads on the statement.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from accounts.models import CURRENCY_CHOICES, Company

from .core import Invoice, LedgerEntry

__all__ = ["Statement", "StatementDispute"]


class Statement(models.Model):
    class State(models.TextChoices):
        ISSUED = "issued", _("Issued")
        CONFIRMED = "confirmed", _("Confirmed")
        DISPUTED = "disputed", _("Disputed")
        RESOLVED = "resolved", _("Disputes resolved")

    company = models.ForeignKey(Company, verbose_name=_("company"), on_delete=models.PROTECT, related_name="statements")
    period_start = models.DateField(_("period from"))
    period_end = models.DateField(_("period to"))
    currency = models.CharField(_("currency"), max_length=3, choices=CURRENCY_CHOICES)
    opening_balance = models.DecimalField(_("opening balance"), max_digits=14, decimal_places=2)
    closing_balance = models.DecimalField(_("closing balance"), max_digits=14, decimal_places=2)
    generated_at = models.DateTimeField(_("generated"))
    state = models.CharField(_("status"), max_length=10, choices=State.choices, default=State.ISSUED)
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    confirmed_at = models.DateTimeField(_("confirmed"), null=True, blank=True)
    language = models.CharField(max_length=10, default="en")
    pdf = models.FileField(_("PDF"), upload_to="statements/%Y/%m/", blank=True)

    class Meta:
        verbose_name = _("statement")
        verbose_name_plural = _("statements")
        ordering = ["-period_end", "company_id", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["company", "period_start", "period_end", "currency"], name="statement_one_per_period"
            ),
            models.CheckConstraint(condition=Q(period_end__gte=models.F("period_start")), name="statement_period"),
        ]

    def __str__(self):
        return f"{self.company} {self.period_start:%Y-%m-%d}–{self.period_end:%Y-%m-%d}"

    @property
    def number(self) -> str:
        """How people name it: ST-2026-11-000042 (the period's month and the row)."""
        return f"ST-{self.period_end:%Y-%m}-{self.pk:06d}"


class StatementDispute(models.Model):
    class Resolution(models.TextChoices):
        CREDIT_NOTE = "credit_note", _("Credit note")
        CORRECTION = "correction", _("Correction")
        EXPLANATION = "explanation", _("Explanation")

    statement = models.ForeignKey(Statement, on_delete=models.PROTECT, related_name="disputes")
    entry = models.ForeignKey(LedgerEntry, verbose_name=_("line"), on_delete=models.PROTECT, related_name="+")
    comment = models.CharField(_("comment"), max_length=1000)
    raised_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    raised_at = models.DateTimeField(_("raised"))
    resolution = models.CharField(_("resolution"), max_length=12, choices=Resolution.choices, blank=True)
    resolution_text = models.CharField(_("answer"), max_length=1000, blank=True)
    credit_note = models.ForeignKey(
        Invoice, verbose_name=_("credit note"), on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    resolved_at = models.DateTimeField(_("resolved"), null=True, blank=True)

    class Meta:
        verbose_name = _("statement dispute")
        verbose_name_plural = _("statement disputes")
        ordering = ["raised_at", "pk"]
        indexes = [
            models.Index(fields=["raised_at"], name="dispute_open", condition=Q(resolved_at__isnull=True)),
        ]
        constraints = [
            # A line is disputed once at a time: a second dispute waits for the first's answer.
            models.UniqueConstraint(
                fields=["statement", "entry"], condition=Q(resolved_at__isnull=True), name="dispute_one_open_per_line"
            ),
            models.CheckConstraint(
                condition=Q(resolved_at__isnull=True) | ~Q(resolution=""), name="dispute_resolved_with_a_kind"
            ),
        ]

    def __str__(self):
        return f"{self.statement} · {self.entry_id}"

    @property
    def is_open(self) -> bool:
        return self.resolved_at is None
