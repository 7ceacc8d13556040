"""The §5 friction figures on the pure module: plain data in, numbers out, no database."""

from datetime import UTC, datetime, timedelta

import pytest

from teams.friction import figures
from teams.friction.figures import WaitSpan

T0 = datetime(2026, 10, 1, tzinfo=UTC)
NOW = datetime(2026, 11, 1, tzinfo=UTC)


def at(hours: float) -> datetime:
    return T0 + timedelta(hours=hours)


def resolved(hours: float, *, node="Security", pod=1, start=0.0) -> WaitSpan:
    return WaitSpan(pod, node, at(start), at(start + hours))


def test_it_takes_the_middle_value_of_an_odd_count():
    assert figures.median([30, 10, 20]) == 20
    assert figures.median([7]) == 7


def test_it_takes_the_mean_of_the_two_middle_values_of_an_even_count():
    assert figures.median([40, 10, 30, 20]) == 25
    assert figures.median([1, 2]) == 1.5


def test_it_has_no_median_or_p90_without_values():
    assert figures.median([]) is None
    assert figures.p90([]) is None


@pytest.mark.parametrize(
    ("n", "rank"),
    [(1, 1), (2, 2), (9, 9), (10, 9), (11, 10), (19, 18), (20, 18), (21, 19), (70, 63), (100, 90)],
)
def test_it_takes_p90_by_nearest_rank(n, rank):
    # ⌈0.9·n⌉-th smallest: 10 values → the 9th, 11 → the 10th; 70 → the 63rd (0.9 * 70 is
    # 63.000…01 as a float, which would wrongly round up to 64).
    values = list(range(1, n + 1))
    assert figures.p90(reversed(values)) == rank


def test_it_excludes_open_waits_from_the_median_and_p90_but_counts_them_lost():
    waits = [
        resolved(10),
        resolved(20),
        resolved(30),
        WaitSpan(2, "Security", NOW - timedelta(hours=48)),  # open: 48 h so far
    ]
    [node] = figures.node_figures(waits, now=NOW)
    assert (node.waits, node.open, node.pods) == (4, 1, 2)
    assert node.median_hours == 20
    assert node.p90_hours == 30
    assert node.pod_days_lost == pytest.approx((10 + 20 + 30 + 48) / 24)


def test_it_has_no_median_for_a_node_whose_waits_are_all_open():
    [node] = figures.node_figures([WaitSpan(1, "Legal", NOW - timedelta(days=3))], now=NOW)
    assert (node.median_hours, node.p90_hours, node.open) == (None, None, 1)
    assert node.pod_days_lost == pytest.approx(3)


def test_it_ranks_nodes_by_pod_days_lost():
    waits = [
        resolved(5, node="Design"),
        resolved(100, node="Legal"),
        resolved(40, node="Security"),
        resolved(40, node="Security", pod=2),
    ]
    ranked = figures.node_figures(waits, now=NOW)
    assert [n.node for n in ranked] == ["Legal", "Security", "Design"]
    assert ranked[1].pods == 2


def test_it_counts_overlapping_waits_once_in_the_waiting_share():
    start, end = T0, T0 + timedelta(hours=100)
    intervals = [(at(10), at(30)), (at(20), at(40)), (at(35), at(50)), (at(70), at(80))]
    # Union: 10–50 and 70–80 = 50 hours of 100, not 20 + 20 + 15 + 10 = 65.
    assert figures.waiting_share(intervals, start=start, end=end, now=NOW) == pytest.approx(0.5)


def test_it_counts_a_wait_inside_another_once():
    intervals = [(at(0), at(50)), (at(10), at(20))]
    share = figures.waiting_share(intervals, start=T0, end=at(100), now=NOW)
    assert share == pytest.approx(0.5)


def test_it_clips_waits_to_the_window_and_runs_open_ones_to_now():
    now = at(90)
    intervals = [(at(-20), at(10)), (at(60), None)]  # 10 h inside, then open from 60 to now
    share = figures.waiting_share(intervals, start=T0, end=at(100), now=now)
    assert share == pytest.approx((10 + 30) / 100)


def test_it_gives_each_pod_its_share_and_zero_to_pods_without_waits():
    waits = [
        WaitSpan(1, "Security", at(0), at(25)),
        WaitSpan(1, "Legal", at(10), at(50)),
        WaitSpan(2, "Legal", at(0), at(10)),
    ]
    shares = figures.pod_shares(waits, start=T0, end=at(100), now=NOW, pods=[1, 2, 3])
    assert shares == {1: pytest.approx(0.5), 2: pytest.approx(0.1), 3: 0.0}


def test_it_has_no_share_in_an_empty_window():
    assert figures.waiting_share([(at(0), at(5))], start=T0, end=T0, now=NOW) == 0.0


def test_it_sums_a_trend_by_month_of_request():
    waits = [
        WaitSpan(1, "Security", datetime(2026, 9, 30, 12, tzinfo=UTC), at(12)),  # 24 h
        WaitSpan(1, "Legal", at(0), at(48)),
        WaitSpan(2, "Security", at(100), None),
    ]
    sep, octo = datetime(2026, 9, 1).date(), datetime(2026, 10, 1).date()
    trend = figures.month_trend(waits, months=[sep, octo], now=at(124))
    assert [(m.month, m.waits, m.open) for m in trend] == [(sep, 1, 0), (octo, 2, 1)]
    assert trend[0].pod_days_lost == pytest.approx(1)
    assert trend[1].by_node == {"Legal": pytest.approx(2), "Security": pytest.approx(1)}
    assert trend[1].median_hours == 48


@pytest.mark.parametrize(
    "key",
    [
        "wait",
        "waits",
        "wait-p90-hours",
        "Waiting_Share",
        "friction",
        "review-median-hours",
        "pod-days-lost",
        "security_waiting_share",
    ],
)
def test_it_recognises_metric_keys_built_on_wait_figures(key):
    assert figures.is_wait_figure(key)


@pytest.mark.parametrize(
    "key", ["activation", "waitlist-signups", "time-to-first-reply", "nps", "revenue"]
)
def test_it_leaves_other_metric_keys_alone(key):
    assert not figures.is_wait_figure(key)
