"""The rhythm rules against small hand-computed cases (portal.rhythm.metrics: no database)."""

from datetime import date, timedelta
from decimal import Decimal

from portal.rhythm import metrics
from portal.rhythm.metrics import Segment

D = date(2026, 12, 7)


def test_interval_is_the_median_gap_over_the_last_orders():
    # Gaps 7, 7, 14, 7 → median 7; an older gap of 60 falls outside the last five days.
    days = [D - timedelta(days=n) for n in (0, 7, 14, 28, 35, 95)]
    assert metrics.usual_interval(days, last=5) == Decimal("7.0")
    # Gaps 7, 14, 7, 60 → the median of four is (7 + 14) ÷ 2 = 10.5.
    assert metrics.usual_interval([D - timedelta(days=n) for n in (0, 7, 21, 28, 88)]) == Decimal("10.5")


def test_orders_on_one_day_are_one_purchase():
    days = [D, D, D - timedelta(days=10), D - timedelta(days=10)]
    assert metrics.usual_interval(days) == Decimal("10.0")


def test_no_interval_from_one_purchase_day():
    assert metrics.usual_interval([D, D]) is None
    assert metrics.predicted_next(D, None) is None


def test_prediction_adds_the_rounded_interval():
    assert metrics.predicted_next(date(2026, 12, 1), Decimal("10.5")) == date(2026, 12, 12)
    assert metrics.predicted_next(date(2026, 12, 1), Decimal("7.0")) == date(2026, 12, 8)


def test_late_after_one_and_a_half_intervals_and_a_week_past_the_prediction():
    last = date(2026, 11, 1)
    interval = Decimal("14.0")  # expected 15 Nov; 1.5× = 21 days → late from 23 Nov (> 21, ≥ 7 past)
    assert metrics.lateness(today=date(2026, 11, 22), last_day=last, interval=interval).late is False
    late = metrics.lateness(today=date(2026, 11, 23), last_day=last, interval=interval)
    assert late == metrics.Lateness(True, 8)


def test_a_short_interval_needs_a_week_past_the_prediction():
    last = date(2026, 11, 1)
    interval = Decimal("4.0")  # expected 5 Nov; 1.5× = 6 days is passed on 8 Nov, a week past on 12 Nov
    assert metrics.lateness(today=date(2026, 11, 11), last_day=last, interval=interval).late is False
    assert metrics.lateness(today=date(2026, 11, 12), last_day=last, interval=interval) == metrics.Lateness(True, 7)


def test_ninety_days_is_late_whatever_the_interval():
    last = date(2026, 1, 1)
    assert metrics.lateness(today=last + timedelta(days=90), last_day=last, interval=None).late is False
    assert metrics.lateness(today=last + timedelta(days=91), last_day=last, interval=None) == metrics.Lateness(True, 1)
    # A quarterly customer (interval 80: 1.5× is 120) is late after 90 days all the same.
    assert metrics.lateness(
        today=last + timedelta(days=91), last_day=last, interval=Decimal("80.0")
    ) == metrics.Lateness(True, 11)


def test_repurchase_rate_is_the_share_of_products_bought_again():
    assert metrics.repurchase_rate(products=3, repurchased=2) == Decimal("0.67")
    assert metrics.repurchase_rate(products=0, repurchased=0) is None


def test_quintile_scores_of_ten_customers():
    scores = metrics.quintile_scores({name: value for name, value in zip("abcdefghij", range(1, 11), strict=True)})
    assert [scores[name] for name in "abcdefghij"] == [1, 1, 2, 2, 3, 3, 4, 4, 5, 5]


def test_quintile_scores_of_recency_reward_the_fewest_days():
    scores = metrics.quintile_scores({"recent": 3, "middle": 40, "old": 200}, higher_is_better=False)
    # n = 3: not better than each: 1, 2, 3 → ⌈5/3⌉, ⌈10/3⌉, ⌈15/3⌉
    assert scores == {"old": 2, "middle": 4, "recent": 5}


def test_equal_values_score_alike():
    assert metrics.quintile_scores({"a": 5, "b": 5, "c": 9, "d": 1}) == {"a": 4, "b": 4, "c": 5, "d": 2}


def test_segments_at_their_boundaries():
    assert metrics.segment(recency=5, frequency=1, monetary=1, orders=1) == Segment.NEW
    assert metrics.segment(recency=3, frequency=1, monetary=1, orders=1) == Segment.PROMISING
    assert metrics.segment(recency=4, frequency=4, monetary=4, orders=20) == Segment.CHAMPIONS
    assert metrics.segment(recency=4, frequency=4, monetary=3, orders=20) == Segment.LOYAL
    assert metrics.segment(recency=3, frequency=3, monetary=1, orders=8) == Segment.LOYAL
    assert metrics.segment(recency=2, frequency=3, monetary=5, orders=8) == Segment.AT_RISK
    assert metrics.segment(recency=2, frequency=2, monetary=5, orders=2) == Segment.HIBERNATING


def test_days_text():
    assert metrics.days_text(Decimal("7.0")) == "7"
    assert metrics.days_text(Decimal("10.0")) == "10"
    assert metrics.days_text(Decimal("10.5")) == "10.5"
    assert metrics.days_text(None) == ""
