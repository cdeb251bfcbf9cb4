"""Billing's codes for kit.phrases: its notifications, put into words when read (the reader's
language; e-mails in the recipient's).

Registered when the app is ready (BillingConfig.ready). Each part of billing keeps its codes in
its own marked block.
"""

from django.utils.translation import gettext_lazy as _

from accounts.models import NotificationKind, notification_code
from kit import phrases

# --- Overdue reminders (billing.reminders) ------------------------------------------------------


def _register_reminders() -> None:
    # params: company (its name), invoices (their numbers), amount (kit.phrases.money: what is
    # still open on them), days (how many days the oldest is past due).
    phrases.register(
        notification_code(NotificationKind.INVOICE_OVERDUE.value, "title"),
        _("Payment overdue: %(invoices)s"),
    )
    phrases.register(
        notification_code(NotificationKind.INVOICE_OVERDUE.value, "body"),
        _(
            "%(company)s: %(amount)s is past due on %(invoices)s (the oldest by %(days)s days). "
            "Please pay it, or tell us if something is wrong."
        ),
    )


# --- End of overdue reminders -------------------------------------------------------------------


def register() -> None:
    _register_reminders()
