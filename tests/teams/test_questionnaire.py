import pytest
from hypothesis import given
from hypothesis import strategies as st

from teams.models import Assessment, QuestionnaireAnswer, TraitProfile
from teams.profiles.questionnaire import ITEMS, IncompleteAnswers, keyed, next_unanswered, score
from teams.traits import TRAITS
from tests.conftest import login

answers_st = st.fixed_dictionaries({it.number: st.integers(1, 5) for it in ITEMS})


def test_it_has_four_statements_per_trait_one_of_them_reverse_keyed():
    assert len(ITEMS) == 20
    assert sorted(it.number for it in ITEMS) == list(range(1, 21))
    for trait in TRAITS:
        mine = [it for it in ITEMS if it.trait == trait]
        assert len(mine) == 4
        assert sum(it.reverse for it in mine) == 1
    assert len({it.text for it in ITEMS}) == 20


def test_it_scores_reverse_keyed_statements_the_other_way_round():
    # "Strongly agree" to everything: three statements count 5, the reverse one counts 1.
    assert score({it.number: 5 for it in ITEMS}) == {t: 75 for t in TRAITS}
    assert score({it.number: 1 for it in ITEMS}) == {t: 25 for t in TRAITS}
    consistent = {it.number: (1 if it.reverse else 5) for it in ITEMS}
    assert score(consistent) == {t: 100 for t in TRAITS}
    assert score({it.number: 3 for it in ITEMS}) == {t: 50 for t in TRAITS}


def test_it_refuses_to_score_an_incomplete_questionnaire():
    with pytest.raises(IncompleteAnswers, match="still need an answer: 20"):
        score({it.number: 3 for it in ITEMS if it.number != 20})


def test_it_refuses_an_answer_outside_1_to_5():
    with pytest.raises(ValueError, match="1–5"):
        keyed(ITEMS[0], 6)


@given(answers_st)
def test_it_matches_the_formula_mean_minus_one_over_four(answers):
    result = score(answers)
    for trait in TRAITS:
        values = [keyed(it, answers[it.number]) for it in ITEMS if it.trait == trait]
        assert result[trait] == round((sum(values) / 4 - 1) / 4 * 100)
        assert 0 <= result[trait] <= 100


@given(answers_st, st.sampled_from(ITEMS))
def test_it_moves_a_trait_up_when_agreeing_more_with_a_forward_statement(answers, item):
    if answers[item.number] == 5:
        return
    more = {**answers, item.number: answers[item.number] + 1}
    before, after = score(answers)[item.trait], score(more)[item.trait]
    assert (after < before) if item.reverse else (after > before)
    assert {t: v for t, v in score(more).items() if t != item.trait} == {
        t: v for t, v in score(answers).items() if t != item.trait
    }


def test_it_resumes_at_the_first_unanswered_statement():
    assert next_unanswered(set()) == 1
    assert next_unanswered({1, 2, 4}) == 3
    assert next_unanswered(set(range(1, 21))) is None


# --- the pages ----------------------------------------------------------------------------------

pytestmark = pytest.mark.django_db


def test_it_shows_one_statement_at_a_time_and_saves_each_answer(client, personas):
    login(client, personas.member)
    page = client.get("/questionnaire/").content.decode()
    assert "Statement 1 of 20" in page and ITEMS[0].text in page
    r = client.post("/questionnaire/", {"item": 1, "answer_1": 4}, headers={"HX-Request": "true"})
    assert r.status_code == 200
    assert "<html" not in r.content.decode()
    assert ITEMS[1].text in r.content.decode() and "1 of 20 answered" in r.content.decode()
    assert QuestionnaireAnswer.objects.get(person=personas.member.person, item=1).answer == 4


def test_it_resumes_where_the_member_left_off(client, personas):
    me = personas.member.person
    for n in (1, 2, 3):
        QuestionnaireAnswer.objects.create(person=me, item=n, answer=2)
    login(client, personas.member)
    page = client.get("/questionnaire/").content.decode()
    assert "Statement 4 of 20" in page and "3 of 20 answered" in page


def test_it_refuses_a_missing_or_bad_answer_and_saves_nothing(client, personas):
    login(client, personas.member)
    for bad in ("", "0", "6", "x"):
        r = client.post(
            "/questionnaire/", {"item": 2, "answer_2": bad}, headers={"HX-Request": "true"}
        )
        assert r.status_code == 400
        assert "Statement 2: choose one of the five answers." in r.content.decode()
    assert not QuestionnaireAnswer.objects.exists()
    assert client.post("/questionnaire/", {"item": 21, "answer_21": 3}).status_code == 404


def test_it_takes_all_answers_at_once_and_shows_the_result_immediately(client, personas):
    login(client, personas.member)
    page = client.get("/questionnaire/?mode=all").content.decode()
    assert page.count('type="radio"') == 100
    data = {
        "mode": "all",
        "finish": "1",
        **{f"answer_{it.number}": (1 if it.reverse else 5) for it in ITEMS},
    }
    r = client.post("/questionnaire/", data)
    assert r.status_code == 302 and r["Location"] == "/questionnaire/result/"
    a = Assessment.objects.get(person=personas.member.person)
    assert a.source == "self" and a.scores == (100,) * 5
    assert TraitProfile.objects.get(person=personas.member.person).builder == 100
    result = client.get("/questionnaire/result/").content.decode()
    assert "Turns ideas into reality, fast" in result  # plain-language trait description
    assert 'id="profile-radar"' in result and "plotly/plotly.min.js" in result


def test_it_names_the_statements_still_open_when_finishing_early(client, personas):
    login(client, personas.member)
    data = {"mode": "all", "finish": "1", **{f"answer_{n}": 3 for n in range(1, 19)}}
    r = client.post("/questionnaire/", data)
    assert r.status_code == 400
    assert "still open: 19, 20" in r.content.decode()
    assert QuestionnaireAnswer.objects.count() == 18  # kept, so the member can resume
    assert not Assessment.objects.exists()


def test_it_saves_part_of_the_answers_to_finish_later(client, personas):
    login(client, personas.member)
    r = client.post("/questionnaire/", {"mode": "all", "save": "1", "answer_5": 2, "answer_7": 4})
    assert r.status_code == 302
    assert dict(QuestionnaireAnswer.objects.values_list("item", "answer")) == {5: 2, 7: 4}


def test_it_offers_the_result_once_every_statement_is_answered(client, personas):
    me = personas.member.person
    QuestionnaireAnswer.objects.bulk_create(
        [QuestionnaireAnswer(person=me, item=it.number, answer=3) for it in ITEMS]
    )
    login(client, personas.member)
    assert "See my result" in client.get("/questionnaire/").content.decode()
    r = client.post("/questionnaire/submit/")
    assert r.status_code == 302
    assert Assessment.objects.get(person=me).scores == (50,) * 5


def test_it_sends_back_to_the_questionnaire_before_any_result(client, personas):
    login(client, personas.member)
    assert client.get("/questionnaire/result/")["Location"] == "/questionnaire/"
    r = client.post("/questionnaire/submit/", follow=True)
    assert "20 statement(s) still need an answer" in r.content.decode()


def test_it_is_for_people_only(client, personas):
    login(client, personas.admin)  # a superuser without a person record
    assert client.get("/questionnaire/").status_code == 403
    client.logout()
    assert client.get("/questionnaire/").status_code == 302
