"""Overdue reminders: the schedule finance sets, and which reminders went out.

`ReminderPolicy` is one row (the back office's Settings → "Overdue reminders", kept by finance):
the days after an invoice's due date on which its company is reminded. `ReminderSent` notes each
invoice and step reminded, so a reminder is never sent twice (the unique constraint holds even when
two runs overlap).
"""

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _
from wagtail.contrib.settings.models import BaseGenericSetting

from .core import Invoice

__all__ = ["ReminderPolicy", "ReminderSent", "parse_reminder_days"]

DEFAULT_DAYS = "1,7,14,30"
MAX_DAY = 365


def parse_reminder_days(value: str) -> list[int]:
    """ "1, 7,14,30" → [1, 7, 14, 30]; a clear error naming the bad part otherwise."""
    days = set()
    for part in (value or "").replace("，", ",").split(","):
        part = part.strip()
        if not part:
            continue
        if not part.isdigit() or not 1 <= int(part) <= MAX_DAY:
            raise ValidationError(
                _("“%(part)s” is not a number of days between 1 and %(max)s."), params={"part": part, "max": MAX_DAY}
            )
        days.add(int(part))
    return sorted(days)


def _validate_days(value: str) -> None:
    parse_reminder_days(value)


class ReminderPolicy(BaseGenericSetting):
    """When overdue invoices are reminded: the days after the due date, and whether at all."""

    days_after_due = models.CharField(
        _("days after the due date"),
        max_length=100,
        default=DEFAULT_DAYS,
        validators=[_validate_days],
        help_text=_("Comma-separated, e.g. 1,7,14,30: the customer is reminded on each of these days."),
    )
    enabled = models.BooleanField(_("send overdue reminders"), default=True)

    class Meta:
        verbose_name = _("overdue reminders")
        verbose_name_plural = _("overdue reminders")

    def __str__(self):
        return str(self._meta.verbose_name)

    @property
    def steps(self) -> list[int]:
        return parse_reminder_days(self.days_after_due)


class ReminderSent(models.Model):
    """An invoice reminded at one step (days after due): written once, in the reminding transaction."""

    invoice = models.ForeignKey(Invoice, on_delete=models.CASCADE, related_name="reminders_sent")
    step = models.PositiveSmallIntegerField(_("days after due"))
    sent_at = models.DateTimeField(_("sent"), auto_now_add=True)

    class Meta:
        verbose_name = _("overdue reminder sent")
        verbose_name_plural = _("overdue reminders sent")
        constraints = [models.UniqueConstraint(fields=["invoice", "step"], name="reminder_once_per_invoice_step")]

    def __str__(self):
        return f"{self.invoice} +{self.step}"
