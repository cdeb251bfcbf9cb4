"""A customer's buying rhythm and RFM segment, as pure functions of small inputs (no queries):
`portal.rhythm.compute` reads the orders in a few SQL aggregates and asks these.

The rules (also in docs/architecture.md's rules table):
- counted orders: placed and not rejected or cancelled (`ordering.states.COUNTS_AS_PURCHASE`),
  one per local calendar day (two orders on a day are one purchase);
- usual interval: the median of the days between consecutive purchase days among the last
  `LAST_ORDERS` of them; none with fewer than two;
- predicted next order: the last purchase day + the usual interval (rounded half up);
- late: more than `LATE_FACTOR` × the usual interval since the last purchase and at least
  `LATE_MIN_DAYS` past the predicted day; or, whatever the interval (or without one), more than
  `LATE_AFTER_DAYS` days since the last purchase. Days late count from the predicted day (from
  the last purchase + `LATE_AFTER_DAYS` without an interval);
- repurchase rate: of the distinct products the customer bought in the last `WINDOW_DAYS`, the
  share bought in two or more orders;
- RFM: recency (days since the last purchase), frequency (orders) and monetary (their totals)
  over the last `WINDOW_DAYS`, each scored 1–5 by quintile among the customers who ordered in
  that window (`quintile_scores`), then named by `segment`.
"""

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from statistics import median

LAST_ORDERS = 10
LATE_FACTOR = Decimal("1.5")
LATE_MIN_DAYS = 7
LATE_AFTER_DAYS = 90
WINDOW_DAYS = 365


def purchase_days(days) -> list[date]:
    """The distinct days, oldest first."""
    return sorted(set(days))


def usual_interval(days, *, last: int = LAST_ORDERS) -> Decimal | None:
    """The median of the days between consecutive purchase days among the last `last`."""
    recent = purchase_days(days)[-last:]
    if len(recent) < 2:
        return None
    gaps = [(later - earlier).days for earlier, later in zip(recent, recent[1:], strict=False)]
    return Decimal(str(median(gaps))).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def predicted_next(last_day: date, interval: Decimal | None) -> date | None:
    if interval is None:
        return None
    return last_day + timedelta(days=int(interval.quantize(Decimal("1"), rounding=ROUND_HALF_UP)))


@dataclass(frozen=True)
class Lateness:
    late: bool
    days_late: int  # past the predicted day (or past LATE_AFTER_DAYS without one); 0 when not late


def lateness(*, today: date, last_day: date, interval: Decimal | None) -> Lateness:
    since = (today - last_day).days
    expected = predicted_next(last_day, interval)
    past_expected = (today - expected).days if expected else None
    by_rhythm = interval is not None and Decimal(since) > LATE_FACTOR * interval and past_expected >= LATE_MIN_DAYS
    if by_rhythm:
        return Lateness(True, past_expected)
    if since > LATE_AFTER_DAYS:
        return Lateness(True, past_expected if past_expected is not None else since - LATE_AFTER_DAYS)
    return Lateness(False, 0)


def repurchase_rate(*, products: int, repurchased: int) -> Decimal | None:
    """The share (0–1, two decimals) of the products bought that were bought again."""
    if not products:
        return None
    return (Decimal(repurchased) / Decimal(products)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def quintile_scores(values: dict, *, higher_is_better: bool = True) -> dict:
    """Each key's score 1–5: ⌈5 × (how many values are not better than its own) ÷ n⌉. Equal
    values score alike and the best always scores 5; ten customers valued 1..10 score
    1,1,2,2,3,3,4,4,5,5."""
    n = len(values)
    if not n:
        return {}
    ordered = sorted(values.values(), reverse=not higher_is_better)
    not_better = {value: index + 1 for index, value in enumerate(ordered)}  # the last index of a tie wins
    return {key: -(-5 * not_better[value] // n) for key, value in values.items()}


class Segment:
    """The RFM segments' codes (stored); their names are in `portal.rhythm.models.SEGMENT_LABELS`."""

    CHAMPIONS = "champions"
    LOYAL = "loyal"
    NEW = "new"
    PROMISING = "promising"
    AT_RISK = "at_risk"
    HIBERNATING = "hibernating"
    LOST = "lost"  # ordered before, but not in the window


def segment(*, recency: int, frequency: int, monetary: int, orders: int) -> str:
    """The segment of R, F and M scores; `orders` in the window tells a first-time buyer."""
    if orders <= 1 and recency >= 4:
        return Segment.NEW
    if recency >= 4 and frequency >= 4 and monetary >= 4:
        return Segment.CHAMPIONS
    if recency >= 3 and frequency >= 3:
        return Segment.LOYAL
    if recency >= 3:
        return Segment.PROMISING
    if frequency >= 3:
        return Segment.AT_RISK
    return Segment.HIBERNATING


def days_text(value: Decimal | None) -> str:
    """An interval for reading: "7" rather than "7.0", "10.5" as it is; "" for none."""
    if value is None:
        return ""
    return str(int(value)) if value == value.to_integral_value() else str(value)
