"""Billing's codes for kit.phrases: its notifications and the words its rows store as codes.

Registered when the app is ready (BillingConfig.ready). Each part of billing keeps its codes in
its own marked block and adds one call to `register`.
"""

from django.utils.translation import gettext_lazy as _

from accounts.models import NotificationKind, notification_code
from kit import phrases

# --- Statements ------------------------------------------------------------------------------------


def _register_statements() -> None:
    # params: start, end (kit.phrases.day), closing (kit.phrases.money)
    phrases.register(
        notification_code(NotificationKind.STATEMENT_ISSUED.value, "title"),
        _("Your statement for %(start)s – %(end)s"),
    )
    phrases.register(
        notification_code(NotificationKind.STATEMENT_ISSUED.value, "body"),
        _("Closing balance %(closing)s. Please confirm it, or dispute the lines you disagree with."),
    )
    # params: line (an invoice number or a payment's reference), resolution (a code below), answer
    phrases.register(
        notification_code(NotificationKind.STATEMENT_DISPUTE_RESOLVED.value, "title"),
        _("Your dispute of %(line)s was answered"),
    )
    phrases.register(
        notification_code(NotificationKind.STATEMENT_DISPUTE_RESOLVED.value, "body"),
        _("%(resolution)s: %(answer)s"),
    )
    # params: company, start, end (kit.phrases.day), lines (how many were disputed)
    phrases.register(
        notification_code(NotificationKind.STATEMENT_DISPUTED.value, "title"),
        _("%(company)s disputes its statement for %(start)s – %(end)s"),
    )
    phrases.register(
        notification_code(NotificationKind.STATEMENT_DISPUTED.value, "body"),
        _("%(lines)s line(s) disputed: answer each with a credit note, a correction or an explanation."),
    )
    phrases.register("billing.resolution.credit_note", _("Credit note"))
    phrases.register("billing.resolution.correction", _("Correction"))
    phrases.register("billing.resolution.explanation", _("Explanation"))


# --- End of statements -----------------------------------------------------------------------------


# --- Card payments (billing.services.card) ------------------------------------------------------


def _register_card() -> None:
    # params: company (its name), amount (kit.phrases.money: the payment's), intent (Stripe's id)
    phrases.register(
        notification_code(NotificationKind.PAYMENT_MISMATCH.value, "title"),
        _("A card payment of %(company)s needs checking"),
    )
    phrases.register(
        notification_code(NotificationKind.PAYMENT_MISMATCH.value, "body"),
        _(
            "Stripe's PaymentIntent %(intent)s does not match the card payment of %(amount)s (its amount, "
            "currency or customer differ): nothing was booked. Check it at Stripe before the customer pays again."
        ),
    )


# --- End of card payments -------------------------------------------------------------------------


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
    _register_statements()
    _register_card()
    _register_reminders()
