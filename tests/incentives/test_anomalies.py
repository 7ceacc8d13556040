"""The anomaly rules on crafted series (pure: no database)."""

from datetime import date, timedelta
from decimal import Decimal

from incentives.metrics import anomalies

STEADY = [40, 41, 39, 42, 40, 41, 43, 40]


def _history(values, start=date(2026, 3, 2)):
    return [(start + timedelta(days=7 * i), Decimal(v)) for i, v in enumerate(values)]


def test_it_flags_a_value_far_above_the_history():
    reason = anomalies.outlier_reason(Decimal("70"), [Decimal(v) for v in STEADY])
    assert reason.startswith("far above this pod's history")
    assert "median of 40.5" in reason


def test_it_flags_a_value_far_below_the_history():
    assert "far below" in anomalies.outlier_reason(10, STEADY)


def test_it_accepts_a_value_inside_the_spread():
    assert anomalies.outlier_reason(42, STEADY) == ""


def test_it_needs_six_points_of_history():
    assert anomalies.outlier_reason(1000, STEADY[:5]) == ""
    assert anomalies.outlier_reason(1000, STEADY[:6]) != ""


def test_it_is_not_fooled_by_one_earlier_outlier():
    # A standard deviation would be inflated by the 400 and hide the 90; the MAD is not.
    assert anomalies.outlier_reason(90, [*STEADY, 400]) != ""


def test_it_falls_back_to_the_mean_deviation_when_most_points_are_equal():
    history = [0, 0, 0, 0, 0, 0, 0, 1]
    assert anomalies.outlier_reason(6, history) != ""
    assert anomalies.outlier_reason(0, history) == ""


def test_it_stays_silent_on_a_history_without_spread():
    assert anomalies.outlier_reason(5, [3] * 10) == ""


def test_it_scores_at_the_boundary_exactly():
    # median 10, MAD 1 → scale 1.4826; 3.5 × 1.4826 = 5.19: 15.1 is inside, 15.3 outside.
    history = [9, 11, 9, 11, 9, 11, 10]
    assert anomalies.outlier_reason(Decimal("15.1"), history) == ""
    assert anomalies.outlier_reason(Decimal("15.3"), history) != ""


def test_it_flags_a_jump_in_the_last_days_of_the_month():
    # A rising series (so not an outlier against the median rule alone would be debatable);
    # the step on 30 April is 12 against a typical step of 1.
    history = _history([30, 31, 32, 33, 34, 35, 36])
    reason = anomalies.month_end_jump_reason(date(2026, 4, 30), Decimal("48"), history)
    assert reason.startswith("jump of +12")
    assert "last 3 days of the month" in reason


def test_it_ignores_the_same_jump_mid_month():
    history = _history([30, 31, 32, 33, 34, 35, 36])
    assert anomalies.month_end_jump_reason(date(2026, 4, 15), Decimal("48"), history) == ""


def test_it_knows_the_last_days_of_february():
    assert anomalies.is_last_days_of_month(date(2026, 2, 26))
    assert not anomalies.is_last_days_of_month(date(2026, 2, 25))
    assert anomalies.is_last_days_of_month(date(2028, 2, 27))
    assert not anomalies.is_last_days_of_month(date(2028, 2, 26))


def test_it_ignores_an_ordinary_step_at_month_end():
    history = _history([30, 31, 32, 33, 34, 35, 36])
    assert anomalies.month_end_jump_reason(date(2026, 4, 30), Decimal("37"), history) == ""


def test_it_joins_every_reason():
    history = _history(STEADY)
    reason = anomalies.assess(date(2026, 4, 30), Decimal("90"), history)
    assert "far above" in reason and "jump of +" in reason
    assert anomalies.assess(date(2026, 4, 30), Decimal("41"), history) == ""
