"""The catalog's codes for stored messages (kit.phrases), registered at ready()."""

from django.utils.translation import gettext_lazy as _

from accounts.models import NotificationKind, notification_code
from kit import phrases


def register() -> None:
    # params: product (kit.phrases.bilingual), lots (their numbers), price (kit.phrases.money),
    # until (kit.phrases.day)
    phrases.register(
        notification_code(NotificationKind.SHORT_DATED_OFFER.value, "title"),
        _("Offer for you: %(product)s at %(price)s"),
        _("Short-dated offer sent: %(product)s at %(price)s"),
    )
    phrases.register(
        notification_code(NotificationKind.SHORT_DATED_OFFER.value, "body"),
        _("%(product)s from lot %(lots)s at %(price)s until %(until)s, while the lot lasts."),
    )
