"""Ordering's codes for kit.phrases: why an order waits, and what its notifications say.

Registered when the app is ready (ordering.apps); stored on orders (`hold_reasons`), approval
steps and order events (`phrase`) and notifications (`params`), and put into words when read, in
the reader's language and, where it differs, in staff wording.
"""

from django.utils.translation import gettext_lazy as _

from accounts.models import notification_code
from kit import phrases

HOLD_PREPAID = "hold.prepaid"
HOLD_OVER_CREDIT = "hold.over_credit"
HOLD_OVERDUE = "hold.overdue"
SPENDING_LIMIT = "approval.spending_limit"
RULE_TOTAL_AT_LEAST = "approval.total_at_least"
RULE_BELOW_FLOOR = "approval.below_floor"
PLACED_FOR_CUSTOMER = "placed_for_customer"
# A prepaid order was paid (by card: billing calls decisions.release_paid_prepayment).
RELEASED_PAID = "hold.released_paid"


def rule_code(condition: str) -> str:
    return f"approval.{condition}"


def register() -> None:
    from .models import ApprovalRule

    phrases.register(
        HOLD_PREPAID,
        _("Your account is prepaid: finance confirms the order once it is paid."),
        _("The customer prepays: confirm the order once it is paid."),
    )
    phrases.register(
        HOLD_OVER_CREDIT,
        _("This order (%(total)s) is more than your available credit (%(available)s)."),
        _("This order (%(total)s) is more than the customer's available credit (%(available)s)."),
    )
    phrases.register(
        HOLD_OVERDUE,
        _("An invoice is overdue beyond your grace days."),
        _("The customer has an invoice overdue beyond their grace days."),
    )
    phrases.register(SPENDING_LIMIT, _("Above %(user)s's spending limit of %(limit)s"))
    phrases.register(RULE_TOTAL_AT_LEAST, _("Order total is at least %(amount)s"))
    phrases.register(RULE_BELOW_FLOOR, _("A line is priced below %(percent)s%% of the list price"))
    for condition, label in ApprovalRule.Condition.choices:
        if not phrases.is_registered(rule_code(condition)):
            phrases.register(rule_code(condition), label)
    phrases.register(PLACED_FOR_CUSTOMER, _("Placed by %(rep)s for the customer."))
    phrases.register(
        RELEASED_PAID,
        _("Paid (%(amount)s, %(reference)s): the order goes ahead."),
        _("The customer paid (%(amount)s, %(reference)s): released from credit hold."),
    )
    _register_notifications()


def _notification(kind: str, title, body, staff_title=None) -> None:
    phrases.register(notification_code(kind, "title"), title, staff_title)
    phrases.register(notification_code(kind, "body"), body)


def _register_notifications() -> None:
    _notification("order_placed", _("Order %(number)s placed"), _("%(company)s: %(total)s."))
    _notification("approval_needed", _("Order %(number)s needs your approval"), _("%(company)s, %(total)s: %(reason)s"))
    _notification("order_approved", _("Order %(number)s confirmed"), "")
    _notification("order_rejected", _("Order %(number)s was rejected"), "%(comment)s")
    _notification(
        "credit_hold",
        _("Order %(number)s is on credit hold"),
        "%(reasons)s",
        staff_title=_("Order %(number)s from %(company)s is on credit hold"),
    )
    _notification(
        "approval_reminder",
        _("Reminder: order %(number)s is waiting for your approval"),
        _("%(company)s, %(total)s: %(reason)s. The decision was due %(due)s."),
    )
    _notification(
        "order_shipped",
        _("Order %(number)s has shipped"),
        _("Shipment %(shipment)s is on its way with %(carrier)s."),
    )
