"""Stripe's webhook events as received: each event id is stored once, so an event Stripe sends
again (or twice at once) is handled once."""

from django.db import models
from django.utils.translation import gettext_lazy as _

__all__ = ["StripeEvent"]


class StripeEvent(models.Model):
    """One webhook event: its id is unique (the second delivery finds it and stops); what it
    says is never trusted: the object it names is read back from Stripe when it is handled."""

    event_id = models.CharField(max_length=100, unique=True)
    type = models.CharField(_("type"), max_length=100)
    object_id = models.CharField(max_length=100, blank=True)
    received_at = models.DateTimeField(auto_now_add=True)
    processed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("Stripe event")
        verbose_name_plural = _("Stripe events")
        ordering = ["-received_at", "-pk"]

    def __str__(self):
        return f"{self.type} {self.event_id}"
