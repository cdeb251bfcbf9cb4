"""A customer's buying rhythm and RFM segment, stored per company by `portal.rhythm.compute` (on
a schedule and by `manage.py compute_rhythm`), and the sales rep's notes of calls, visits and
messages."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from accounts.models import Company

from .metrics import Segment

SEGMENT_LABELS = {
    Segment.CHAMPIONS: _("Champions"),
    Segment.LOYAL: _("Loyal"),
    Segment.NEW: _("New"),
    Segment.PROMISING: _("Promising"),
    Segment.AT_RISK: _("At risk"),
    Segment.HIBERNATING: _("Hibernating"),
    Segment.LOST: _("Lost"),
}
# The tag's colour on the back office's lists and the 360° page.
SEGMENT_TONES = {
    Segment.CHAMPIONS: "success",
    Segment.LOYAL: "success",
    Segment.NEW: "info",
    Segment.PROMISING: "info",
    Segment.AT_RISK: "warning",
    Segment.HIBERNATING: "critical",
    Segment.LOST: "critical",
}


class CustomerRhythm(models.Model):
    """One company's rhythm as last computed (see portal.rhythm.metrics for each rule)."""

    company = models.OneToOneField(Company, on_delete=models.CASCADE, primary_key=True, related_name="rhythm")
    computed_on = models.DateField(_("computed on"))
    last_order_on = models.DateField(_("last order"))
    interval_days = models.DecimalField(_("usual interval (days)"), max_digits=6, decimal_places=1, null=True)
    next_order_on = models.DateField(_("next order expected"), null=True)
    late = models.BooleanField(_("late"), default=False)
    days_late = models.PositiveIntegerField(_("days late"), default=0)
    # The day it was first found late in this spell: its rep is told once, when it is set.
    late_since = models.DateField(null=True)
    repurchase_rate = models.DecimalField(_("repurchase rate"), max_digits=3, decimal_places=2, null=True)
    orders_in_window = models.PositiveIntegerField(_("orders (12 months)"), default=0)
    monetary = models.DecimalField(_("ordered (12 months)"), max_digits=14, decimal_places=2, default=0)
    currency = models.CharField(max_length=3)
    recency_score = models.PositiveSmallIntegerField(null=True)
    frequency_score = models.PositiveSmallIntegerField(null=True)
    monetary_score = models.PositiveSmallIntegerField(null=True)
    segment = models.CharField(_("segment"), max_length=20, choices=list(SEGMENT_LABELS.items()))

    class Meta:
        verbose_name = _("customer rhythm")
        verbose_name_plural = _("customer rhythms")
        indexes = [models.Index(fields=["late", "segment"])]

    def __str__(self):
        return f"{self.company_id} {self.segment}"

    @property
    def segment_label(self) -> str:
        return str(SEGMENT_LABELS.get(self.segment, ""))

    @property
    def segment_tone(self) -> str:
        return SEGMENT_TONES.get(self.segment, "")

    @property
    def rfm(self) -> str:
        if self.recency_score is None:
            return ""
        return f"R{self.recency_score} F{self.frequency_score} M{self.monetary_score}"


class VisitNote(models.Model):
    """A call, visit or message of the company's sales rep (or any staff): who, when, what."""

    class Kind(models.TextChoices):
        CALL = "call", _("Call")
        VISIT = "visit", _("Visit")
        MESSAGE = "message", _("Message")

    company = models.ForeignKey(Company, on_delete=models.CASCADE, related_name="visit_notes")
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(_("when"), auto_now_add=True)
    text = models.TextField(_("note"), max_length=2000, blank=True)

    class Meta:
        verbose_name = _("visit note")
        verbose_name_plural = _("visit notes")
        indexes = [models.Index(fields=["company", "-at"])]

    def __str__(self):
        return f"{self.get_kind_display()} {self.company_id} {self.at:%Y-%m-%d}"
