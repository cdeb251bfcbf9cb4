"""The monthly rollup of the ledger: one row per company, currency and month, kept by
`billing.services.ledger` in the transaction of each entry (`billing.rollup.record`), so the
finance dashboard reads a few hundred rows instead of every entry. `manage.py rebuild_billing_rollup`
writes it again from the entries (`billing.rollup.rebuild`).

Amounts are positive in the direction their name says; `closing_balance` is what the company owed
at the end of the month (Σ every entry booked up to then, negative: credit in its favour).
"""

from django.db import models
from django.utils.translation import gettext_lazy as _

from accounts.models import CURRENCY_CHOICES, Company

from .core import ZERO

__all__ = ["MonthlyRollup"]


class MonthlyRollup(models.Model):
    company = models.ForeignKey(Company, on_delete=models.CASCADE, related_name="+")
    currency = models.CharField(max_length=3, choices=CURRENCY_CHOICES)
    # The month's first day.
    month = models.DateField(_("month"))
    invoiced = models.DecimalField(_("invoiced"), max_digits=16, decimal_places=2, default=ZERO)
    credited = models.DecimalField(_("credited"), max_digits=16, decimal_places=2, default=ZERO)
    # Payments booked, less refunds and reversals.
    collected = models.DecimalField(_("collected"), max_digits=16, decimal_places=2, default=ZERO)
    written_off = models.DecimalField(_("written off"), max_digits=16, decimal_places=2, default=ZERO)
    closing_balance = models.DecimalField(_("closing balance"), max_digits=16, decimal_places=2, default=ZERO)

    class Meta:
        verbose_name = _("monthly rollup")
        verbose_name_plural = _("monthly rollups")
        ordering = ["month", "company", "currency"]
        constraints = [
            models.UniqueConstraint(fields=["company", "currency", "month"], name="monthly_rollup_company_month"),
        ]
        indexes = [models.Index(fields=["month"], name="monthly_rollup_month")]

    def __str__(self):
        return f"{self.company_id} {self.currency} {self.month:%Y-%m}"
