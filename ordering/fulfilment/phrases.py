"""Fulfilment's codes for kit.phrases: why fulfilment moved an order (stored on OrderEvent.phrase
and put into words when read, in the reader's language) and its notifications.

Registered when the app is ready (FulfilmentConfig.ready). Each part of fulfilment keeps its
codes in its own marked block.
"""

from django.utils.translation import gettext_lazy as _

from accounts.models import NotificationKind, notification_code
from kit import phrases

# --- Shipping (ordering.fulfilment.shipping) -----------------------------------------------------
SHIPPED = "fulfilment.shipped"
DELIVERED = "fulfilment.delivered"


def _register_shipping() -> None:
    phrases.register(SHIPPED, _("Shipment %(shipment)s left the warehouse with %(carrier)s."))
    phrases.register(DELIVERED, _("Delivered: received by %(received_by)s."))


# --- End of shipping ----------------------------------------------------------------------------


# --- Picking (ordering.fulfilment.picking) ---------------------------------------------------
PICKING_STARTED = "fulfilment.picking_started"


def _register_picking() -> None:
    phrases.register(
        PICKING_STARTED,
        _("The warehouse started picking your order."),
        _("Picking started (pick list %(number)s)."),
    )


# --- end of picking ---------------------------------------------------------------------------


def register() -> None:
    _register_picking()
    _register_shipping()
    _register_recall()
    _register_returns()


# --- Recall (trace) -----------------------------------------------------------------------------


def _register_recall() -> None:
    # params: product (kit.phrases.bilingual), lot (its number), reason (a person's words)
    phrases.register(
        notification_code(NotificationKind.LOT_RECALL.value, "title"),
        _("Recall: %(product)s, lot %(lot)s"),
        _("Recall sent: %(product)s, lot %(lot)s"),
    )
    phrases.register(
        notification_code(NotificationKind.LOT_RECALL.value, "body"),
        _("Please stop using and selling %(product)s from lot %(lot)s. Reason: %(reason)s"),
    )


# --- Returns (ordering.fulfilment.returns) ------------------------------------------------------


def _register_returns() -> None:
    # params: number (RMA-…), order (its number), reason (staff's words, may be empty)
    phrases.register(
        notification_code(NotificationKind.RETURN_APPROVED.value, "title"),
        _("Return %(number)s approved"),
    )
    phrases.register(
        notification_code(NotificationKind.RETURN_APPROVED.value, "body"),
        _("Your return for order %(order)s is approved: please send the goods back. %(reason)s"),
    )
    phrases.register(
        notification_code(NotificationKind.RETURN_REFUSED.value, "title"),
        _("Return %(number)s refused"),
    )
    phrases.register(
        notification_code(NotificationKind.RETURN_REFUSED.value, "body"),
        _("Your return for order %(order)s was refused. Reason: %(reason)s"),
    )

    # Staff hear of a new request (returns.send_return_requested): its own codes, stored as
    # phrases in the notification's parameters. params: number, order, company, reason (a phrase
    # of return_reason_code, so the reason reads in the reader's language).
    from .models import ReturnReason

    for value, label in ReturnReason.choices:
        phrases.register(return_reason_code(value), label)
    requested_title = _("Return %(number)s requested")
    requested_body = _(
        "%(company)s asks to return goods of order %(order)s (%(reason)s): approve or refuse the return."
    )
    phrases.register(notification_code(NotificationKind.RETURN_REQUESTED.value, "title"), requested_title)
    phrases.register(notification_code(NotificationKind.RETURN_REQUESTED.value, "body"), requested_body)
    # Notifications sent before the kind existed stored these codes in their parameters.
    phrases.register(RETURN_REQUESTED_TITLE, requested_title)
    phrases.register(RETURN_REQUESTED_BODY, requested_body)


RETURN_REQUESTED_TITLE = "fulfilment.return_requested.title"
RETURN_REQUESTED_BODY = "fulfilment.return_requested.body"


def return_reason_code(reason: str) -> str:
    return f"fulfilment.return_reason.{reason}"


# --- End of returns -----------------------------------------------------------------------------
