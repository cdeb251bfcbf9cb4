"""What the customer's home shows, gathered for the active company in a fixed number of queries
whatever the number of orders and lists: the credit picture (accounts.credit, in checkout's
CreditPicture), the last orders, what waits for this person, saved lists, "your usual order"
(portal.rhythm.usual) for who may order and, for the company's finance, the open orders and
the credit holds.

Every read is narrowed to `membership.company`: a person in two companies sees only the one
they are working for.
"""

from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Count, Sum
from django.utils import timezone

from accounts.credit import account_for_reading
from accounts.models import Membership
from billing.selectors import AccountFigures, account_figures
from ordering.models import Order, OrderState, SavedList
from ordering.selectors import awaiting_customer_approval_by
from ordering.services.quote import CreditPicture
from ordering.states import COUNTS_AS_APPROVED
from ordering.tracking_views import APPROVER_ROLES
from portal.rhythm.usual import UsualOrder, may_see_usual_order, usual_order

RECENT_ORDERS = 5
FIRST_FEW = 5
SAVED_LISTS_SHOWN = 5
# The credit bar turns amber from this share of the limit used, red when over the limit.
CREDIT_WARNING_PERCENT = 80
# An order of this person that waits for someone else: their approver, our team or finance.
WAITING_STATES = (OrderState.AWAITING_CUSTOMER_APPROVAL, OrderState.AWAITING_APPROVAL, OrderState.CREDIT_HOLD)


@dataclass(frozen=True)
class CreditBar:
    """How much of the limit is used, for a progress bar: its width and colour."""

    percent: int  # 0–100, the bar's width
    tone: str  # success / warning / danger

    @classmethod
    def for_picture(cls, credit: CreditPicture) -> "CreditBar | None":
        if credit.prepay or credit.limit <= 0:
            return None
        used = max(credit.used, Decimal("0"))
        percent = int(min(used * 100 / credit.limit, Decimal("100")))
        if credit.used > credit.limit:
            tone = "danger"
        elif percent >= CREDIT_WARNING_PERCENT:
            tone = "warning"
        else:
            tone = "success"
        return cls(percent=percent, tone=tone)


@dataclass(frozen=True)
class OrderGroup:
    """Some orders: how many there are, the first few, and their total per currency."""

    count: int = 0
    first: list[Order] = field(default_factory=list)
    totals: list[tuple[str, Decimal]] = field(default_factory=list)


@dataclass(frozen=True)
class HomeSummary:
    credit: CreditPicture
    credit_bar: CreditBar | None
    credit_as_of: object  # when the exposure last changed
    recent_orders: list[Order]
    reorder: Order | None
    my_waiting: OrderGroup
    awaiting_my_approval: OrderGroup | None  # None: this person does not approve
    saved_lists: list[SavedList]
    more_saved_lists: bool
    open_orders: OrderGroup | None  # finance only
    credit_holds: OrderGroup | None  # finance only
    # Where the account stands (open, overdue, credit, balance per currency): finance and admins.
    account: list[AccountFigures] | None = None
    # What the company orders regularly, within its credit (portal.rhythm.usual): who may order.
    usual_order: UsualOrder | None = None


def credit_picture(company) -> tuple[CreditPicture, object]:
    """The company's credit as checkout shows it, without an order: limit, used, available."""
    account = account_for_reading(company)
    picture = CreditPicture.of(company, account, today=timezone.localdate())
    return picture, account.updated_at


def _orders(company):
    return Order.objects.filter(company=company).select_related("placed_by")


def _group(orders, *, oldest_first: bool = False) -> OrderGroup:
    """Two queries: the count and totals per currency, then the first few."""
    totals = list(orders.order_by().values("currency").annotate(n=Count("pk"), total=Sum("total")).order_by("currency"))
    ordering = ("placed_at", "pk") if oldest_first else ("-placed_at", "-pk")
    return OrderGroup(
        count=sum(row["n"] for row in totals),
        first=list(orders.order_by(*ordering)[:FIRST_FEW]),
        totals=[(row["currency"], row["total"]) for row in totals],
    )


def home_summary(membership: Membership) -> HomeSummary:
    company = membership.company
    credit, as_of = credit_picture(company)
    recent = list(_orders(company).order_by("-placed_at", "-pk")[:RECENT_ORDERS])
    mine = [order for order in recent if order.placed_by_id == membership.user_id]
    my_waiting = _group(
        _orders(company).filter(placed_by_id=membership.user_id, state__in=WAITING_STATES), oldest_first=True
    )
    is_finance = membership.role == Membership.Role.FINANCE
    saved = list(
        SavedList.objects.filter(company=company)
        .annotate(line_count=Count("lines"))
        .order_by("-updated_at", "name")[: SAVED_LISTS_SHOWN + 1]
    )
    return HomeSummary(
        credit=credit,
        credit_bar=CreditBar.for_picture(credit),
        credit_as_of=as_of,
        recent_orders=recent,
        reorder=(mine or recent or [None])[0],
        my_waiting=my_waiting,
        awaiting_my_approval=(
            _group(_orders(company).filter(awaiting_customer_approval_by(membership)), oldest_first=True)
            if membership.role in APPROVER_ROLES
            else None
        ),
        saved_lists=saved[:SAVED_LISTS_SHOWN],
        more_saved_lists=len(saved) > SAVED_LISTS_SHOWN,
        open_orders=_group(_orders(company).filter(state__in=COUNTS_AS_APPROVED)) if is_finance else None,
        credit_holds=(
            _group(_orders(company).filter(state=OrderState.CREDIT_HOLD), oldest_first=True) if is_finance else None
        ),
        account=(
            account_figures(company.pk, timezone.localdate())
            if membership.role in (Membership.Role.FINANCE, Membership.Role.ADMIN)
            else None
        ),
        usual_order=usual_order(company, credit=credit) if may_see_usual_order(membership) else None,
    )
