from hypothesis import given
from hypothesis import strategies as st

from teams.traits import DEFAULT_WEIGHTS, TRAITS, combine_profile, primary_trait

scores = st.tuples(*[st.integers(0, 100)] * 5)


def test_it_renormalises_over_the_sources_present():
    assert combine_profile({"self": (100, 0, 0, 0, 0)}) == (100, 0, 0, 0, 0)
    combined = combine_profile({"self": (100,) * 5, "lead": (0,) * 5})
    assert all(abs(v - 50) < 1e-9 for v in combined)  # 0.3 / (0.3 + 0.3)


def test_it_has_no_profile_without_assessments():
    assert combine_profile({}) is None


@given(st.dictionaries(st.sampled_from(["self", "peer", "lead"]), scores, min_size=1))
def test_it_stays_between_the_lowest_and_highest_source(latest):
    combined = combine_profile(latest, DEFAULT_WEIGHTS)
    for i in range(len(TRAITS)):
        values = [s[i] for s in latest.values()]
        assert min(values) - 1e-9 <= combined[i] <= max(values) + 1e-9


def test_it_breaks_primary_trait_ties_by_preference_then_order():
    assert primary_trait((80, 80, 10, 10, 10)) == "builder"
    assert primary_trait((80, 80, 10, 10, 10), "architect") == "architect"
    assert primary_trait((80, 80, 10, 10, 10), "taste_maker") == "builder"
