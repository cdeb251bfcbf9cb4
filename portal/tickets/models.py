"""Service tickets (工单): a customer's problem about something of theirs, the conversation about
it, its photos, and the clock against the targets per kind.

A ticket is about one thing the company owns: an order, one of its lines, a shipment, a lot it
received, an invoice, or (a statement dispute, opened by billing's signal) a statement. The
subject's foreign keys are all nullable; the services fill the ones that apply (a line also
names its order, a shipment its order) so lists filter by order whatever the subject.

The clock: `respond_by` and `resolve_by` are fixed when the ticket opens, from the targets of its
kind then (`ServiceTarget`), so a target changed later never rewrites a ticket's history. Hours
are wall-clock hours (the distributor's service runs every day). A reopened ticket keeps its
clock from when it was opened: its resolution time counts to the last resolution.
"""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from accounts.models import Company
from billing.models import Invoice, Statement
from catalog.models import Lot
from ordering.fulfilment.models import Shipment
from ordering.models import Order, OrderLine


class TicketKind(models.TextChoices):
    QUALITY = "quality", _("Quality problem")
    MISSING_ITEM = "missing_item", _("Missing item")
    LATE_DELIVERY = "late_delivery", _("Late delivery")
    TEMPERATURE = "temperature", _("Temperature complaint")
    TECHNICAL_QUESTION = "technical_question", _("Technical question")
    STATEMENT_DISPUTE = "statement_dispute", _("Statement dispute")


class ServiceTarget(models.Model):
    """How fast a kind of ticket is answered and resolved (Settings → "Service targets", kept by
    the manager). One row per kind, seeded by migration 0002."""

    kind = models.CharField(_("kind"), max_length=20, choices=TicketKind.choices, unique=True)
    first_response_hours = models.PositiveIntegerField(
        _("first response within (hours)"), help_text=_("From opening to the first answer of our staff.")
    )
    resolution_hours = models.PositiveIntegerField(
        _("resolved within (hours)"), help_text=_("From opening to the resolution.")
    )

    class Meta:
        verbose_name = _("service target")
        verbose_name_plural = _("service targets")
        ordering = ["kind"]
        constraints = [
            models.CheckConstraint(condition=Q(first_response_hours__gte=1), name="target_response_positive"),
            models.CheckConstraint(
                condition=Q(resolution_hours__gte=models.F("first_response_hours")), name="target_resolution_after"
            ),
        ]

    def __str__(self):
        return str(TicketKind(self.kind).label)


class Ticket(models.Model):
    class State(models.TextChoices):
        OPEN = "open", _("Open")
        RESOLVED = "resolved", _("Resolved")

    number = models.CharField(_("ticket"), max_length=20, unique=True)
    company = models.ForeignKey(Company, verbose_name=_("company"), on_delete=models.PROTECT, related_name="tickets")
    kind = models.CharField(_("kind"), max_length=20, choices=TicketKind.choices)
    subject = models.CharField(_("subject"), max_length=200)
    state = models.CharField(_("status"), max_length=10, choices=State.choices, default=State.OPEN)
    # What it is about (see the module's docstring).
    order = models.ForeignKey(
        Order, verbose_name=_("order"), on_delete=models.PROTECT, null=True, blank=True, related_name="tickets"
    )
    order_line = models.ForeignKey(
        OrderLine, verbose_name=_("order line"), on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    shipment = models.ForeignKey(
        Shipment, verbose_name=_("shipment"), on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    lot = models.ForeignKey(
        Lot, verbose_name=_("lot"), on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    invoice = models.ForeignKey(
        Invoice, verbose_name=_("invoice"), on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    statement = models.ForeignKey(
        Statement, verbose_name=_("statement"), on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("opened by"), on_delete=models.PROTECT, related_name="+"
    )
    opened_at = models.DateTimeField(_("opened"))
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("assigned to"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="assigned_tickets",
    )
    # The clock (see the module's docstring).
    respond_by = models.DateTimeField(_("answer due"))
    resolve_by = models.DateTimeField(_("resolution due"))
    first_response_at = models.DateTimeField(_("first answered"), null=True, blank=True)
    resolved_at = models.DateTimeField(_("resolved"), null=True, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    resolution = models.TextField(_("resolution"), max_length=2000, blank=True)
    # The customer's rating of the resolution, once resolved.
    rating = models.PositiveSmallIntegerField(_("rating"), null=True, blank=True)
    rating_comment = models.CharField(_("rating comment"), max_length=1000, blank=True)
    rated_at = models.DateTimeField(_("rated"), null=True, blank=True)
    # A breach is told once (portal.tickets.services.send_breach_notices).
    response_breach_notified_at = models.DateTimeField(null=True, blank=True)
    resolution_breach_notified_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("service ticket")
        verbose_name_plural = _("service tickets")
        ordering = ["-opened_at", "-pk"]
        # Which kinds a role sees (portal.tickets.selectors): every kind, or only some.
        permissions = [
            ("view_every_kind", "Can see service tickets of every kind"),
            ("handle_goods_tickets", "Handles quality, missing-item and temperature tickets"),
            ("handle_billing_tickets", "Handles statement-dispute tickets"),
        ]
        indexes = [
            models.Index(fields=["company", "-opened_at"], name="ticket_company_opened"),
            models.Index(fields=["state", "resolve_by"], name="ticket_state_due"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(rating__isnull=True) | Q(rating__gte=1, rating__lte=5), name="ticket_rating_1_to_5"
            ),
            models.CheckConstraint(
                condition=Q(state="open", resolved_at__isnull=True) | Q(state="resolved", resolved_at__isnull=False),
                name="ticket_resolved_has_time",
            ),
        ]

    def __str__(self):
        return self.number


class TicketMessage(models.Model):
    """One turn of the conversation. Staff's internal notes (`internal`) never reach the customer."""

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="messages")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    by_staff = models.BooleanField(default=False)
    internal = models.BooleanField(_("internal note"), default=False)
    text = models.TextField(_("message"), max_length=4000)
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["created_at", "pk"]
        constraints = [
            models.CheckConstraint(condition=Q(internal=False) | Q(by_staff=True), name="ticket_note_is_staffs"),
        ]

    def __str__(self):
        return f"{self.ticket_id}: {self.text[:40]}"


def ticket_photo_path(instance, filename: str) -> str:
    """A random name with the extension of the type found by reading the file (kit.uploads)."""
    extension = filename.rsplit(".", 1)[-1].lower() if "." in filename else "bin"
    return f"ticket-photos/{uuid.uuid4().hex}.{extension}"


class TicketPhoto(models.Model):
    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="photos")
    message = models.ForeignKey(TicketMessage, on_delete=models.CASCADE, null=True, related_name="photos")
    file = models.FileField(upload_to=ticket_photo_path)
    # The name the person gave (checked to be a plain image name), shown beside the photo.
    name = models.CharField(max_length=100)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField()

    class Meta:
        ordering = ["pk"]

    def __str__(self):
        return self.name
