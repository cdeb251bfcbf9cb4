"""Decisions on placed orders: the company's approver, the staff approvers, finance's credit
hold release, and cancelling. Each locks like placement (credit account, then the order), moves
the order with ordering.states and routes it on with ordering.services.routing."""

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts import credit
from accounts.models import CreditAccount, Membership
from catalog import allocation
from kit import phrases

from .. import approval, states
from .. import phrases as ordering_phrases
from ..models import ApprovalStep, Order, OrderState
from . import routing
from .common import OrderingError, notify_after_commit


def _lock(order: Order) -> tuple[Order, CreditAccount]:
    """Lock in the placement order: credit account first, then the order."""
    account = credit.locked_account(order.company_id)
    return Order.objects.select_for_update().select_related("company").get(pk=order.pk), account


def _pending_step(order: Order) -> ApprovalStep:
    step = ApprovalStep.objects.select_for_update().filter(order=order, status="pending").first()
    if step is None:
        raise OrderingError(_("This order is not waiting for an approval any more."))
    return step


def _decide(step, *, user, approve: bool, comment: str) -> None:
    step.status = ApprovalStep.Status.APPROVED if approve else ApprovalStep.Status.REJECTED
    step.decided_by = user
    step.decided_at = timezone.now()
    step.comment = comment
    step.save(update_fields=["status", "decided_by", "decided_at", "comment"])


def _confirm(*, order: Order, account: CreditAccount, actor, reason: str = "") -> None:
    credit.order_approved(account, order.total)
    states.transition(order=order, to_state=OrderState.APPROVED, actor=actor, reason=reason)


def _move_past_customer(
    *,
    order: Order,
    account: CreditAccount,
    actor,
    skip_credit: bool = False,
    comment: str = "",
    phrase: dict | None = None,
) -> str:
    """A decision let an order past the company's approver or finance: on to the next stop, with
    the decider's `comment` kept on the event beside the system's reason. Returns the event to
    notify."""
    stop = routing.route_past_customer(
        company=order.company,
        total=order.total,
        account=account,
        today=timezone.localdate(),
        facts=lambda: routing.facts_for_order(order),
        first_sequence=lambda: 1 + ApprovalStep.objects.filter(order=order).count(),
        skip_credit=skip_credit,
    )
    if stop.hold_reasons:
        order.hold_reasons = stop.hold_reasons
        order.save(update_fields=["hold_reasons"])
    routing.save_steps(order, stop.steps)
    if stop.state == OrderState.APPROVED:
        credit.order_approved(account, order.total)
    states.transition(order=order, to_state=stop.state, actor=actor, reason=comment, phrase=stop.phrase or phrase)
    return stop.event


def decide_customer_approval(*, order: Order, membership: Membership, approve: bool, comment: str = "") -> Order:
    """The company's approver approves or rejects an order above a buyer's spending limit."""
    if (
        membership.role not in (Membership.Role.APPROVER, Membership.Role.ADMIN)
        or membership.company_id != order.company_id
    ):
        raise OrderingError(_("Only your company's approver can decide this."))
    if not approve and not comment.strip():
        raise OrderingError(_("Give a reason for the rejection."))
    with transaction.atomic():
        order, account = _lock(order)
        if order.placed_by_id == membership.user_id:
            raise OrderingError(_("You cannot approve your own order."))
        if order.state != OrderState.AWAITING_CUSTOMER_APPROVAL:
            raise OrderingError(_("This order is %(state)s.") % {"state": OrderState(order.state).label})
        step = _pending_step(order)
        _decide(step, user=membership.user, approve=approve, comment=comment)
        if approve:
            notify_after_commit(
                order, _move_past_customer(order=order, account=account, actor=membership.user, comment=comment)
            )
        else:
            _reject(order=order, actor=membership.user, reason=comment)
    return order


def decide_staff_approval(*, order: Order, user, approve: bool, comment: str = "", step_id: int | None = None) -> Order:
    """A staff approver decides the pending step of an order routed to their role.

    `step_id` is the step the approver was shown; if the order moved on meanwhile (a colleague
    decided it), the decision is refused instead of landing on the next step.
    """
    if not approve and not comment.strip():
        raise OrderingError(_("Give a reason for the rejection."))
    with transaction.atomic():
        order, account = _lock(order)
        if order.placed_by_id == user.pk or order.placed_for_customer_by_id == user.pk:
            raise OrderingError(_("You cannot approve an order you placed."))
        if order.state != OrderState.AWAITING_APPROVAL:
            raise OrderingError(_("This order is %(state)s.") % {"state": OrderState(order.state).label})
        step = _pending_step(order)
        if step_id is not None and step.pk != step_id:
            raise OrderingError(_("This order is not waiting for an approval any more."))
        if not (user.is_superuser or user.groups.filter(pk=step.approver_group_id).exists()):
            raise OrderingError(_("This step is for %(group)s.") % {"group": step.approver_group})
        _decide(step, user=user, approve=approve, comment=comment)
        if not approve:
            _reject(order=order, actor=user, reason=comment)
            return order
        following = ApprovalStep.objects.filter(order=order, status="waiting").order_by("sequence").first()
        if following is not None:
            approval.activate(following)
            states.transition(
                order=order,
                to_state=OrderState.AWAITING_APPROVAL,
                actor=user,
                reason=comment,
                phrase=following.phrase,
            )
            notify_after_commit(order, "approval_needed")
            return order
        _confirm(order=order, account=account, actor=user, reason=comment)
        notify_after_commit(order, "approved")
    return order


def release_credit_hold(*, order: Order, user, approve: bool, comment: str = "") -> Order:
    """Finance releases an order from credit hold (then the approval rules apply) or rejects it."""
    if not user.has_perm("accounts.change_credit_terms"):
        raise OrderingError(_("Only finance can release a credit hold."))
    if not approve and not comment.strip():
        raise OrderingError(_("Give a reason for the rejection."))
    with transaction.atomic():
        order, account = _lock(order)
        if order.state != OrderState.CREDIT_HOLD:
            raise OrderingError(_("This order is %(state)s.") % {"state": OrderState(order.state).label})
        if approve and user.pk in (order.placed_by_id, order.placed_for_customer_by_id):
            raise OrderingError(_("You cannot release an order you placed."))
        if not approve:
            _reject(order=order, actor=user, reason=comment)
            return order
        order.hold_reasons = []
        order.save(update_fields=["hold_reasons"])
        notify_after_commit(
            order,
            _move_past_customer(order=order, account=account, actor=user, skip_credit=True, comment=comment),
        )
    return order


def release_paid_prepayment(*, order: Order, amount: dict, reference: str) -> Order:
    """A prepaid order was paid (billing calls this once the payment is received, inside its
    transaction): the prepaid hold is lifted and, when no other hold remains (an invoice overdue
    still waits for finance), the order goes on like a finance release (the approval rules
    apply). `amount` is a kit.phrases money value. An order no longer on credit hold (finance
    released it already, it was cancelled) is left as it is."""
    with transaction.atomic():
        order, account = _lock(order)
        if order.state != OrderState.CREDIT_HOLD:
            return order
        paid = phrases.phrase(ordering_phrases.RELEASED_PAID, amount=amount, reference=reference)
        remaining = [hold for hold in order.hold_reasons if hold.get("code") != ordering_phrases.HOLD_PREPAID]
        order.hold_reasons = remaining
        order.save(update_fields=["hold_reasons"])
        if remaining:
            return order
        notify_after_commit(
            order, _move_past_customer(order=order, account=account, actor=None, skip_credit=True, phrase=paid)
        )
    return order


def _reject(*, order: Order, actor, reason: str) -> None:
    ApprovalStep.objects.filter(order=order, status__in=["pending", "waiting"]).update(status="void")
    allocation.release(order.lines.values("pk"))
    states.transition(order=order, to_state=OrderState.REJECTED, actor=actor, reason=reason)
    notify_after_commit(order, "rejected")


def cancel_order(*, order: Order, user, reason: str = "") -> Order:
    """Cancel before picking: stock goes back and the order leaves the credit exposure."""
    with transaction.atomic():
        order, account = _lock(order)
        if order.state not in states.CANCELLABLE:
            raise OrderingError(
                _("This order is %(state)s and can no longer be cancelled; contact your sales rep.")
                % {"state": OrderState(order.state).label}
            )
        if order.state in states.COUNTS_AS_APPROVED:
            credit.approved_order_released(account, order.total)
        ApprovalStep.objects.filter(order=order, status__in=["pending", "waiting"]).update(status="void")
        allocation.release(order.lines.values("pk"))
        states.transition(order=order, to_state=OrderState.CANCELLED, actor=user, reason=reason)
    return order
