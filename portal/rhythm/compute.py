"""Every customer's rhythm and RFM segment computed and stored (`CustomerRhythm`), and the reps of
customers newly late told once.

Three SQL reads take the orders of every company at once (their last purchase days, their
orders and totals over the window, their products bought once or again), whatever the number
of companies; the rules are `portal.rhythm.metrics`' pure functions; the rows are written in
one upsert. Runs from the task `portal.rhythm.tasks.compute_rhythm_task` (daily, from
`portal/schedule.py`) and `manage.py compute_rhythm`.
"""

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal

from django.db import transaction
from django.db.models import Count, F, Q, Sum
from django.db.models.functions import Coalesce, TruncDate
from django.urls import reverse
from django.utils import timezone

from accounts.models import Company, NotificationKind
from accounts.services import notify
from kit import phrases
from ordering.models import Order, OrderLine
from ordering.states import COUNTS_AS_PURCHASE

from . import metrics
from .models import CustomerRhythm

COUNTED = sorted(str(state) for state in COUNTS_AS_PURCHASE)


@dataclass
class ComputeReport:
    companies: int = 0
    late: int = 0
    newly_late: list[int] = field(default_factory=list)  # company ids whose rep was told


def purchase_days_by_company() -> dict[int, tuple[str, list[date]]]:
    """Each company's currency and its purchase days (local dates), oldest first: one query."""
    rows = (
        Order.objects.filter(state__in=COUNTED)
        .annotate(day=TruncDate("placed_at"))
        .values_list("company_id", "company__currency", "day")
        .distinct()
        .order_by("company_id", "day")
    )
    days: dict[int, tuple[str, list[date]]] = {}
    for company_id, currency, day in rows:
        days.setdefault(company_id, (currency, []))[1].append(day)
    return days


def window_figures(since: datetime) -> dict[int, tuple[int, Decimal]]:
    """Each company's orders since `since` and their total in the company's currency: one query."""
    rows = (
        Order.objects.filter(state__in=COUNTED, placed_at__gte=since)
        .values("company_id")
        .annotate(
            orders=Count("pk"),
            total=Coalesce(Sum("total", filter=Q(currency=F("company__currency"))), Decimal("0.00")),
        )
        .order_by()
    )
    return {row["company_id"]: (row["orders"], row["total"]) for row in rows}


def repurchases(since: datetime) -> dict[int, tuple[int, int]]:
    """Each company's distinct products bought since `since`, and how many of them in two orders
    or more: one query over (company, product) pairs."""
    rows = (
        OrderLine.objects.filter(order__state__in=COUNTED, order__placed_at__gte=since)
        .values_list("order__company_id", "product_id")
        .annotate(orders=Count("order_id", distinct=True))
        .order_by()
    )
    counts: dict[int, tuple[int, int]] = {}
    for company_id, _product_id, orders in rows:
        bought, again = counts.get(company_id, (0, 0))
        counts[company_id] = (bought + 1, again + (orders > 1))
    return counts


def window_start(today: date) -> datetime:
    start = today - timedelta(days=metrics.WINDOW_DAYS)
    return timezone.make_aware(datetime.combine(start, datetime.min.time()))


def build_rows(*, today: date, days, figures, products, late_since: dict[int, date | None]) -> list[CustomerRhythm]:
    """The rows from what the aggregates read: the rules only, no query."""
    in_window = {company_id: figures[company_id] for company_id in days if company_id in figures}
    recency = {company_id: (today - days[company_id][1][-1]).days for company_id in in_window}
    r_scores = metrics.quintile_scores(recency, higher_is_better=False)
    f_scores = metrics.quintile_scores({key: value[0] for key, value in in_window.items()})
    m_scores = metrics.quintile_scores({key: value[1] for key, value in in_window.items()})
    rows = []
    for company_id, (currency, purchase_days) in days.items():
        last_day = purchase_days[-1]
        interval = metrics.usual_interval(purchase_days)
        late = metrics.lateness(today=today, last_day=last_day, interval=interval)
        orders, total = in_window.get(company_id, (0, Decimal("0.00")))
        bought, again = products.get(company_id, (0, 0))
        if company_id in in_window:
            scores = (r_scores[company_id], f_scores[company_id], m_scores[company_id])
            segment = metrics.segment(recency=scores[0], frequency=scores[1], monetary=scores[2], orders=orders)
        else:
            scores, segment = (None, None, None), metrics.Segment.LOST
        previously = late_since.get(company_id)
        rows.append(
            CustomerRhythm(
                company_id=company_id,
                computed_on=today,
                last_order_on=last_day,
                interval_days=interval,
                next_order_on=metrics.predicted_next(last_day, interval),
                late=late.late,
                days_late=late.days_late,
                late_since=(previously or today) if late.late else None,
                repurchase_rate=metrics.repurchase_rate(products=bought, repurchased=again),
                orders_in_window=orders,
                monetary=total,
                currency=currency,
                recency_score=scores[0],
                frequency_score=scores[1],
                monetary_score=scores[2],
                segment=segment,
            )
        )
    return rows


UPDATED_FIELDS = [f.name for f in CustomerRhythm._meta.concrete_fields if not f.primary_key and f.name != "company"]


def compute_rhythm(*, today: date | None = None) -> ComputeReport:
    """Compute and store every customer's rhythm; tell the reps of customers newly late."""
    today = today or timezone.localdate()
    since = window_start(today)
    days = {
        company_id: (currency, purchase_days[-metrics.LAST_ORDERS :])
        for company_id, (currency, purchase_days) in purchase_days_by_company().items()
    }
    figures = window_figures(since)
    products = repurchases(since)
    with transaction.atomic():
        late_since = dict(CustomerRhythm.objects.select_for_update().values_list("company_id", "late_since"))
        rows = build_rows(today=today, days=days, figures=figures, products=products, late_since=late_since)
        CustomerRhythm.objects.bulk_create(
            rows, update_conflicts=True, unique_fields=["company"], update_fields=UPDATED_FIELDS
        )
        CustomerRhythm.objects.exclude(company_id__in=list(days)).delete()
        newly_late = [row for row in rows if row.late and late_since.get(row.company_id) is None]
        _tell_reps(newly_late)
    return ComputeReport(
        companies=len(rows), late=sum(row.late for row in rows), newly_late=[row.company_id for row in newly_late]
    )


def _tell_reps(rows: list[CustomerRhythm]) -> None:
    """One notice to each newly late customer's rep (none for a customer without a rep)."""
    if not rows:
        return
    companies = Company.objects.select_related("sales_rep").in_bulk([row.company_id for row in rows])
    for row in rows:
        company = companies[row.company_id]
        if company.sales_rep is None or not company.sales_rep.is_active:
            continue
        rhythm = (
            phrases.phrase("rhythm.usual_interval", interval=metrics.days_text(row.interval_days))
            if row.interval_days is not None
            else phrases.phrase("rhythm.no_interval")
        )
        notify(
            users=[company.sales_rep],
            kind=NotificationKind.CUSTOMER_LATE,
            params={
                "company": company.display_name,
                "last": phrases.day(row.last_order_on),
                "since": (row.computed_on - row.last_order_on).days,
                "rhythm": rhythm,
            },
            url=reverse("rhythm_admin:warnings"),
        )
