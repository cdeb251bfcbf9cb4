"""What the approval rules decide: which rules an order's facts match, the steps they make, who
may decide a step. The rules and steps themselves are models in ordering/models.py.

A rule has a condition (order total at least X; over credit; the company's first order; contains
a restricted product; a line priced below the floor) and the staff role that decides. Rules with
the same condition can chain by their step number: finance first, then the sales director.
"""

from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal

from django.utils import timezone

from kit import phrases

from . import phrases as ordering_phrases
from .models import ApprovalRule, ApprovalStep, Order


@dataclass(frozen=True)
class Facts:
    """What the rules look at, computed once by placement."""

    total: Decimal
    over_credit: bool
    first_order: bool
    has_restricted_product: bool
    lowest_price_vs_list_percent: Decimal | None  # min over lines of unit price / list price × 100


def rule_applies(rule: ApprovalRule, facts: Facts) -> bool:
    C = ApprovalRule.Condition
    if rule.condition == C.TOTAL_AT_LEAST:
        return rule.amount is not None and facts.total >= rule.amount
    if rule.condition == C.OVER_CREDIT:
        return facts.over_credit
    if rule.condition == C.FIRST_ORDER:
        return facts.first_order
    if rule.condition == C.RESTRICTED_PRODUCT:
        return facts.has_restricted_product
    if rule.condition == C.BELOW_FLOOR:
        return (
            rule.amount is not None
            and facts.lowest_price_vs_list_percent is not None
            and facts.lowest_price_vs_list_percent < rule.amount
        )
    return False


def reason_for(rule: ApprovalRule, *, currency: str) -> dict:
    """Why the rule stops an order in `currency`, as a phrase (ordering.phrases)."""
    C = ApprovalRule.Condition
    if rule.condition == C.TOTAL_AT_LEAST and rule.amount is not None:
        return phrases.phrase(ordering_phrases.RULE_TOTAL_AT_LEAST, amount=phrases.money(rule.amount, currency))
    if rule.condition == C.BELOW_FLOOR and rule.amount is not None:
        return phrases.phrase(ordering_phrases.RULE_BELOW_FLOOR, percent=f"{rule.amount.normalize():f}")
    return phrases.phrase(ordering_phrases.rule_code(rule.condition))


def active_rules() -> list[ApprovalRule]:
    """The rules in force, lowest step first: one query, usually for none or a few rows."""
    return list(ApprovalRule.objects.filter(active=True).order_by("step", "pk"))


def staff_steps(*, rules: list[ApprovalRule], facts: Facts, first_sequence: int, currency: str) -> list[ApprovalStep]:
    """One waiting step per matching rule (of `active_rules()`), in step order, not yet saved:
    the caller gives them their order, activates the first and saves them together."""
    matching = [rule for rule in rules if rule_applies(rule, facts)]
    return [
        ApprovalStep(
            rule=rule,
            approver_group_id=rule.approver_group_id,
            sequence=first_sequence + index,
            phrase=reason_for(rule, currency=currency),
        )
        for index, rule in enumerate(matching)
    ]


def activate(step: ApprovalStep, *, hours: int | None = None, save: bool = True) -> None:
    """The step is now the one to decide, within `hours` (the rule's, else 24)."""
    hours = hours if hours is not None else (step.rule.decide_within_hours if step.rule else 24)
    step.status = ApprovalStep.Status.PENDING
    step.due_at = timezone.now() + timedelta(hours=hours)
    if save:
        step.save(update_fields=["status", "due_at"])


def staff_of_group_who_see(*, group_id: int, order: Order) -> list:
    """Active staff of a role who may see the order's customer (a sales rep only their own) and
    did not place it themselves."""
    from django.contrib.auth import get_user_model

    from accounts.selectors import companies_for_staff

    users = (
        get_user_model()
        .objects.filter(groups=group_id, is_active=True)
        .exclude(pk__in=[pk for pk in (order.placed_by_id, order.placed_for_customer_by_id) if pk])
    )
    return [user for user in users if companies_for_staff(user).filter(pk=order.company_id).exists()]


def deciders(step: ApprovalStep) -> list:
    """Who may decide a step: the company's approvers and admins for a customer-side step (never
    the buyer who placed it), else the staff of the step's role who see the customer."""
    from accounts.models import Membership

    order = step.order
    if not step.customer_side:
        return staff_of_group_who_see(group_id=step.approver_group_id, order=order)
    memberships = Membership.objects.filter(
        company_id=order.company_id, role__in=[Membership.Role.APPROVER, Membership.Role.ADMIN], user__is_active=True
    ).select_related("user")
    return [m.user for m in memberships if m.user_id != order.placed_by_id]
