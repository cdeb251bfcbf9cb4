"""Reads of orders that several screens need: which orders a staff user sees and which wait for
their decision (the back office's list, queue and 360° page), and which wait for a customer's
approver (the portal's orders and approvals)."""

from django.db.models import Q, QuerySet

from accounts.models import Membership
from accounts.selectors import companies_for_staff, sees_all_companies

from .models import ApprovalStep, Order, OrderState

S = OrderState


def orders_for_staff(user) -> QuerySet[Order]:
    """The orders of the customers this staff user may see (a sales rep: their own)."""
    if sees_all_companies(user):
        # Every order: no join with every company for each page and each count.
        return Order.objects.all()
    return Order.objects.filter(company__in=companies_for_staff(user).values("pk"))


def awaiting_decision_by(user) -> QuerySet[Order]:
    """Orders waiting for this user's decision: a pending staff step of one of their groups
    (never an order they placed: the service refuses that), and, for finance, credit holds."""
    steps = ApprovalStep.objects.filter(status=ApprovalStep.Status.PENDING, customer_side=False)
    if not user.is_superuser:
        steps = steps.filter(approver_group__user=user)
    waiting = (
        Q(state=S.AWAITING_APPROVAL, pk__in=steps.values("order_id"))
        & ~Q(placed_by=user)
        & ~Q(placed_for_customer_by=user)
    )
    # The permission ordering.services.release_credit_hold checks.
    if user.has_perm("accounts.change_credit_terms"):
        waiting |= Q(state=S.CREDIT_HOLD)
    return orders_for_staff(user).filter(waiting)


def awaiting_customer_approval_by(membership: Membership) -> Q:
    """Orders waiting for the company's approver that this person may decide (not their own)."""
    return Q(state=S.AWAITING_CUSTOMER_APPROVAL) & ~Q(placed_by_id=membership.user_id)
