"""Where an order goes, decided once: the company's approver (above a buyer's spending limit),
then finance (credit hold: prepaid, over credit, an invoice overdue), then the distributor's
approval rules, else confirmed.

Placement routes a new order with `route_new_order()`; a decision that lets an order past the
customer or finance routes it on with `route_past_customer()`; checkout's "what happens next"
asks `preview()`, which walks the same rules without stopping at the first.
"""

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from enum import StrEnum

from accounts.models import Company, CreditAccount, Membership
from catalog.models import PriceList
from catalog.pricing import PriceBook, price_book
from kit import phrases

from .. import approval
from .. import phrases as ordering_phrases
from ..models import ApprovalRule, ApprovalStep, Order, OrderState


class Hold(StrEnum):
    """Why finance looks at an order first."""

    PREPAID = "prepaid"
    OVER_CREDIT = "over_credit"
    OVERDUE = "overdue"


@dataclass
class Route:
    """Where an order goes next, decided before anything is written: placement inserts the order
    straight into it; a decision moves the order there."""

    state: str
    event: str  # the notification it sets off
    phrase: dict = field(default_factory=dict)  # why, as a kit.phrases phrase, for the event
    hold_reasons: list[dict] = field(default_factory=list)  # the holds as phrases, kept on the order
    steps: list[ApprovalStep] = field(default_factory=list)  # unsaved, the first one pending


def needs_customer_approval(membership: Membership, total: Decimal) -> bool:
    """Above the buyer's spending limit, the company's approver decides first."""
    limit = membership.spending_limit
    return membership.role != Membership.Role.APPROVER and limit is not None and total > limit


def credit_holds(*, prepaid: bool, available: Decimal, total: Decimal, overdue: bool) -> list[Hold]:
    """Why finance sees an order of `total` first: a prepaid company, more than the available
    credit, an invoice overdue beyond the grace days."""
    holds = []
    if prepaid:
        holds.append(Hold.PREPAID)
    elif available < total:
        holds.append(Hold.OVER_CREDIT)
    if overdue:
        holds.append(Hold.OVERDUE)
    return holds


def hold_phrase(hold: Hold, *, company: Company, total: Decimal, account: CreditAccount) -> dict:
    """Why finance holds the order, as a phrase put into words when read (ordering.phrases)."""
    if hold is Hold.PREPAID:
        return phrases.phrase(ordering_phrases.HOLD_PREPAID)
    if hold is Hold.OVER_CREDIT:
        return phrases.phrase(
            ordering_phrases.HOLD_OVER_CREDIT,
            total=phrases.money(total, company.currency),
            available=phrases.money(account.available(company.credit_limit), company.currency),
        )
    return phrases.phrase(ordering_phrases.HOLD_OVERDUE)


def route_new_order(*, membership: Membership, company: Company, quote, account: CreditAccount, today: date) -> Route:
    """The first stop of an order about to be placed from `quote`."""
    if needs_customer_approval(membership, quote.total):
        reason = phrases.phrase(
            ordering_phrases.SPENDING_LIMIT,
            user=str(membership.user),
            limit=phrases.money(membership.spending_limit, quote.currency),
        )
        step = ApprovalStep(customer_side=True, sequence=0, phrase=reason)
        approval.activate(step, hours=24, save=False)
        return Route(OrderState.AWAITING_CUSTOMER_APPROVAL, "approval_needed", reason, steps=[step])
    return route_past_customer(
        company=company,
        total=quote.total,
        account=account,
        today=today,
        facts=lambda: placement_facts(company=company, quote=quote),
        first_sequence=lambda: 1,
    )


def route_past_customer(
    *, company: Company, total: Decimal, account: CreditAccount, today: date, facts, first_sequence, skip_credit=False
) -> Route:
    """Credit hold, the staff approval rules, or confirmed.

    `facts` and `first_sequence` are functions, called only when a rule is active (placement
    knows the facts already; a decision reads them back from the order)."""
    holds = []
    if not skip_credit:
        holds = credit_holds(
            prepaid=company.prepaid,
            available=account.available(company.credit_limit),
            total=total,
            overdue=account.overdue_beyond_grace(grace_days=company.grace_days, today=today),
        )
    if holds:
        reasons = [hold_phrase(hold, company=company, total=total, account=account) for hold in holds]
        return Route(OrderState.CREDIT_HOLD, "credit_hold", phrases.joined(reasons), hold_reasons=reasons)
    rules = approval.active_rules()
    steps = (
        approval.staff_steps(rules=rules, facts=facts(), first_sequence=first_sequence(), currency=company.currency)
        if rules
        else []
    )
    if steps:
        approval.activate(steps[0], save=False)
        return Route(OrderState.AWAITING_APPROVAL, "approval_needed", steps[0].phrase, steps=steps)
    return Route(OrderState.APPROVED, "approved")


@dataclass(frozen=True)
class Preview:
    """Every stop placing a quote would pass, in order: what checkout tells the buyer."""

    customer_approval: bool
    holds: list[Hold]
    rules: list[ApprovalRule]


def preview(*, membership: Membership, quote) -> Preview:
    """From the quote's credit picture (read with the quote), so the preview costs no more reads
    than the rules themselves."""
    company = membership.company
    picture = quote.credit
    holds = credit_holds(
        prepaid=picture.prepay, available=picture.available_before, total=quote.total, overdue=picture.overdue
    )
    facts = placement_facts(company=company, quote=quote, over_credit=Hold.OVER_CREDIT in holds)
    return Preview(
        customer_approval=needs_customer_approval(membership, quote.total),
        holds=holds,
        rules=[rule for rule in approval.active_rules() if approval.rule_applies(rule, facts)],
    )


def save_steps(order: Order, steps: list[ApprovalStep]) -> None:
    for step in steps:
        step.order = order
    ApprovalStep.objects.bulk_create(steps)


def lowest_price_vs_list_percent(book: PriceBook, lines) -> Decimal | None:
    """Lowest unit price ÷ default list price × 100 over (product_id, quantity, unit_price)."""
    list_prices = PriceBook(
        currency=book.currency,
        lists=[pl for pl in book.lists if pl.kind == PriceList.Kind.DEFAULT],
        entries=book.entries,
    )
    ratios = []
    for product_id, quantity, unit_price in lines:
        list_price = list_prices.price(product_id, quantity)
        if list_price and list_price.unit_price > 0:
            ratios.append(unit_price / list_price.unit_price * 100)
    return min(ratios) if ratios else None


def placement_facts(*, company: Company, quote, over_credit: bool = False) -> approval.Facts:
    """The rules' facts from what placement has in hand, before the order exists. An order being
    placed was not on credit hold (over-credit orders go there before the rules); checkout's
    preview says whether it will be."""
    return approval.Facts(
        total=quote.total,
        over_credit=over_credit,
        first_order=not Order.objects.filter(company=company).exists(),
        has_restricted_product=any(line.product.category.restricted for line in quote.lines),
        lowest_price_vs_list_percent=lowest_price_vs_list_percent(
            quote.price_book, [(line.product.pk, line.quantity, line.price.unit_price) for line in quote.lines]
        ),
    )


def facts_for_order(order: Order) -> approval.Facts:
    """What the approval rules look at, for an order placed earlier (a decision moves it on)."""
    lines = list(order.lines.select_related("product__category"))
    book = price_book(company=order.company, product_ids=[line.product_id for line in lines])
    return approval.Facts(
        total=order.total,
        # Over-credit orders wait for finance first; once released, an "over credit" rule can
        # still send them on to, say, the sales director.
        over_credit=order.events.filter(to_state=OrderState.CREDIT_HOLD).exists(),
        first_order=not Order.objects.filter(company=order.company).exclude(pk=order.pk).exists(),
        has_restricted_product=any(line.product.category.restricted for line in lines),
        lowest_price_vs_list_percent=lowest_price_vs_list_percent(
            book, [(line.product_id, line.quantity, line.unit_price) for line in lines]
        ),
    )
