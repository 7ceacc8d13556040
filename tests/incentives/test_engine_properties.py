"""Properties of the §3 maths that must hold for any input (hypothesis). No Django."""

from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction as F

from hypothesis import given, settings
from hypothesis import strategies as st

from incentives.bonuses.engine import (
    Component,
    MemberInput,
    ObservationInput,
    Plan,
    PodInput,
    attainment,
    compute_month,
    format_number,
    round_half_up,
    split_cents,
)

cents = st.integers(min_value=0, max_value=10**12)
fractions = st.fractions(min_value=0, max_value=10, max_denominator=10**6)
person_ids = st.text(alphabet="abc0123456789", min_size=1, max_size=4)
weight_lists = st.lists(
    st.tuples(person_ids, fractions), min_size=1, max_size=12, unique_by=lambda t: t[0]
)


@given(pool=cents, weights=weight_lists)
def test_it_always_splits_the_pool_exactly(pool, weights):
    total = sum(w for _, w in weights)
    if total == 0:
        pool = 0
    shares = split_cents(pool, weights)
    assert sum(shares) == pool
    for share, (_, weight) in zip(shares, weights, strict=True):
        exact = pool * weight / total if total else F(0)
        # floored to the cent, plus at most the one leftover cent
        assert exact - 1 < share <= exact + 1
        assert share >= int(exact)
        assert share >= 0


@given(pool=cents, weights=weight_lists)
def test_it_gives_leftover_cents_to_larger_remainders_first(pool, weights):
    total = sum(w for _, w in weights)
    if total == 0:
        return
    shares = split_cents(pool, weights)
    exact = [pool * w / total for _, w in weights]
    remainders = [(x - int(x), pid) for x, (pid, _) in zip(exact, weights, strict=True)]
    got = [share > int(x) for share, x in zip(shares, exact, strict=True)]
    for i, got_i in enumerate(got):
        for j, got_j in enumerate(got):
            if got_i and not got_j:
                # i was preferred: larger remainder, or the same and a smaller id
                assert (-remainders[i][0], remainders[i][1]) < (-remainders[j][0], remainders[j][1])


@given(pool=cents, n=st.integers(min_value=1, max_value=10))
def test_it_splits_equal_weights_within_one_cent(pool, n):
    shares = split_cents(pool, [(str(i), F(1)) for i in range(n)])
    assert max(shares) - min(shares) <= 1
    assert sum(shares) == pool


days = st.integers(min_value=-40, max_value=40)


@st.composite
def members(draw):
    count = draw(st.integers(min_value=0, max_value=8))
    result = []
    for i in range(count):
        start_offset = draw(st.one_of(st.none(), days))
        length = draw(st.one_of(st.none(), st.integers(min_value=0, max_value=60)))
        start = (
            date(2026, 10, 1) + timedelta(days=start_offset) if start_offset is not None else None
        )
        end = (start or date(2026, 9, 15)) + timedelta(days=length) if length is not None else None
        result.append(
            MemberInput(
                id=f"m{i}",
                base_pay=draw(st.decimals(min_value=0, max_value=30000, places=2)),
                allocation=draw(st.fractions(min_value=0, max_value=1, max_denominator=100)),
                start=start,
                end=end,
            )
        )
    return result


@settings(max_examples=200, deadline=None)
@given(
    members=members(),
    value=st.decimals(min_value=0, max_value=300, places=3),
    baseline=st.integers(min_value=0, max_value=40),
    standard_cost=st.decimals(min_value=0, max_value=20000, places=2),
    share=st.fractions(min_value=0, max_value=1, max_denominator=1000),
    pool_cap=st.fractions(min_value=0, max_value=1, max_denominator=1000),
    split=st.sampled_from(["allocation", "equal"]),
)
def test_it_pays_out_exactly_the_pool_for_any_pod(
    members, value, baseline, standard_cost, share, pool_cap, split
):
    plan = Plan(
        standard_cost_per_fte=standard_cost,
        share=share,
        pool_cap=pool_cap,
        split=split,
        components=[
            Component(
                metric="activation",
                kind="outcome",
                weight=1,
                direction="higher",
                threshold=100,
                target=150,
                stretch=200,
                aggregate="last",
            )
        ],
    )
    pods = [
        PodInput(
            id="p1",
            baseline_headcount=baseline,
            members=members,
            observations=[
                ObservationInput(metric="activation", date=date(2026, 10, 9), value=value)
            ],
        )
    ]
    result = compute_month((2026, 10), plan, pods).pods[0]
    assert sum(line.amount for line in result.payouts) == result.pool
    assert all(line.amount >= 0 for line in result.payouts)
    assert all(line.amount.as_tuple().exponent == -2 for line in result.payouts)
    assert result.pool.as_tuple().exponent == -2
    assert result.pool <= Decimal(
        result.pool_limit.numerator
    ) / result.pool_limit.denominator + Decimal("0.005")
    assert result.fte <= len(members)
    assert [line.person for line in result.payouts] == [m.id for m in members if line_is_active(m)]
    if result.fte == 0:
        assert result.efficiency_ratio is None
        assert result.pool == 0


def line_is_active(member) -> bool:
    first, last = date(2026, 10, 1), date(2026, 10, 31)
    return max(first, member.start or first) <= min(last, member.end or last)


values = st.fractions(min_value=-500, max_value=500, max_denominator=1000)


@given(a=values, b=values)
def test_it_never_pays_less_attainment_for_a_better_value(a, b):
    low, high = sorted([a, b])
    up = {"direction": "higher", "threshold": F(0), "target": F(100), "stretch": F(200)}
    down = {"direction": "lower", "threshold": F(200), "target": F(100), "stretch": F(0)}
    assert attainment(low, **up) <= attainment(high, **up)
    assert attainment(low, **down) >= attainment(high, **down)
    for kwargs in (up, down):
        assert 0 <= attainment(a, **kwargs) <= F(3, 2)


@given(
    floor=st.fractions(min_value=0, max_value=1, max_denominator=100),
    cap=st.fractions(min_value=1, max_value=3, max_denominator=100),
)
def test_it_reaches_floor_one_and_cap_exactly_at_the_targets(floor, cap):
    for kwargs in (
        {"direction": "higher", "threshold": F(10), "target": F(20), "stretch": F(30)},
        {"direction": "lower", "threshold": F(30), "target": F(20), "stretch": F(10)},
    ):
        assert attainment(kwargs["threshold"], floor=floor, cap=cap, **kwargs) == floor
        assert attainment(kwargs["target"], floor=floor, cap=cap, **kwargs) == 1
        assert attainment(kwargs["stretch"], floor=floor, cap=cap, **kwargs) == cap


@given(st.integers(min_value=-(10**12), max_value=10**12))
def test_it_rounds_like_decimal_half_up(thousandths):
    expected = Decimal(thousandths).scaleb(-3).quantize(Decimal(1), rounding=ROUND_HALF_UP)
    assert round_half_up(F(thousandths, 1000)) == int(expected)


@given(st.fractions(min_value=-(10**9), max_value=10**9, max_denominator=10**6))
def test_it_rounds_to_the_nearest_integer(value):
    assert abs(round_half_up(value) - value) <= F(1, 2)


@given(st.fractions(min_value=-(10**12), max_value=10**12, max_denominator=10**8))
def test_it_formats_numbers_to_at_least_20_significant_digits(value):
    text = format_number(value)
    back = F(Decimal(text))
    if back != value:
        assert value != 0
        assert abs((back - value) / value) < F(1, 10**20)
    assert "e" not in text.lower()
