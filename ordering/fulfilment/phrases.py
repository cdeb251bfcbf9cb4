"""Fulfilment's codes for kit.phrases (notifications it sends, reasons it stores).

Registered when the app is ready (`FulfilmentConfig.ready`). Each helper's codes sit in their own
block below, called from `register()`.
"""

from django.utils.translation import gettext_lazy as _

from accounts.models import NotificationKind, notification_code
from kit import phrases


def register() -> None:
    _register_recall()


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
