"""The input contract on the teams side: formation runs, assessments and the people CSV, each
request the hardening probes sent with its answer now (400 naming the field or row and column,
every problem listed, nothing saved)."""

import json
import re
import time

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from teams import inputs
from teams.models import Assessment, FormationRun, PendingUpload, Person, Pod
from teams.people.imports import RowError, parse_people_csv
from tests.conftest import login

pytestmark = pytest.mark.django_db

DEEP = "[" * 100_000 + "]" * 100_000


def _post(client, url, body):
    text = body if isinstance(body, str) else json.dumps(body)
    return client.post(url, text, content_type="application/json")


@pytest.fixture
def lead(client, personas):
    login(client, personas.org_lead)
    return personas


@pytest.fixture
def run(personas):
    return FormationRun.objects.create(
        org_unit=personas.unit_a, status=FormationRun.Status.DONE, arrangement=[], result={}
    )


# --------------------------------------------------------------------------- formation API


@pytest.mark.parametrize(("body", "kind"), [("[1]", "a list"), ('"x"', "a string")])
def test_it_refuses_a_run_body_that_is_not_an_object(client, lead, run, body, kind):
    for url in ("/api/formation-runs/", f"/api/formation-runs/{run.pk}/accept/"):
        r = _post(client, url, body)
        assert r.status_code == 400, url
        assert r.json()["errors"] == [
            f"The request body must be a JSON object ({{…}}), not {kind}."
        ]
    assert (
        FormationRun.objects.count() == 1
        and not Pod.objects.exclude(pk__in=[lead.pod_a.pk, lead.pod_b.pk]).exists()
    )


def test_it_refuses_a_run_body_nested_100000_deep(client, lead):
    r = _post(client, "/api/formation-runs/", DEEP)
    assert r.status_code == 400
    assert r.json()["errors"] == ["The JSON body nests deeper than 8 levels."]


def test_it_refuses_a_boolean_that_is_not_true_or_false(client, lead):
    body = {"org_unit": lead.unit_a.pk, "pool": "unpodded", "one_lead_per_pod": "maybe"}
    r = _post(client, "/api/formation-runs/", body)
    assert r.status_code == 400
    assert r.json()["errors"] == {
        "one_lead_per_pod": [
            {"message": 'Must be true or false (a JSON boolean), not "maybe".', "code": "invalid"}
        ]
    }
    assert not FormationRun.objects.exists()


def test_it_names_unknown_run_fields_with_the_other_problems(client, lead):
    body = {"org_unit": lead.unit_a.pk, "pool": "unpodded", "min_sise": 3, "stability": "NaN"}
    r = _post(client, "/api/formation-runs/", body)
    assert r.status_code == 400
    errors = r.json()["errors"]
    assert set(errors) == {"min_sise", "stability"}
    assert errors["min_sise"][0]["message"].startswith("unknown field; expected org_unit, pool")
    assert errors["stability"][0]["message"] == "'NaN' is not a finite number."
    assert not FormationRun.objects.exists()


def test_it_refuses_a_decimal_comma_and_unknown_fields_on_accept(client, lead, run):
    r = _post(client, f"/api/formation-runs/{run.pk}/accept/", {"baseline_headcount": "9,5"})
    assert r.status_code == 400
    assert r.json()["errors"]["baseline_headcount"][0]["message"] == (
        "'9,5' is not a number: use a dot for decimals and no thousands separators (1234.5)."
    )
    r = _post(client, f"/api/formation-runs/{run.pk}/accept/", {"prefix": "Q1"})
    assert r.status_code == 400 and set(r.json()["errors"]) == {"prefix"}
    run.refresh_from_db()
    assert run.status == FormationRun.Status.DONE


def test_it_refuses_a_nul_in_a_run_text_field(client, lead):
    body = {"org_unit": lead.unit_a.pk, "pool": "unpodded", "together": "a@x.test,\u0000"}
    r = _post(client, "/api/formation-runs/", body)
    assert r.status_code == 400
    assert r.json()["errors"] == [
        "together contains a NUL character (\\u0000), which text cannot hold"
    ]


# --------------------------------------------------------------------------- assessments API


def test_it_refuses_unknown_assessment_fields(client, personas):
    login(client, personas.member)
    scores = dict(builder=80, architect=20, taste_maker=30, signal_reader=40, decision_maker=50)
    body = {"person": personas.pod_lead.person.pk, "source": "peer", **scores, "bilder": 90}
    r = _post(client, "/api/assessments/", body)
    assert r.status_code == 400
    assert r.json()["bilder"][0].startswith("unknown field; expected person, source, builder")
    r = _post(client, "/api/assessments/", {**body, "bilder": None, "source": "pe\u0000er"})
    assert r.status_code == 400 and "source contains a NUL character" in r.json()["errors"][0]
    assert not Assessment.objects.exists()


# --------------------------------------------------------------------------- people CSV

HEADER = "name,email,org_unit,role,base_pay,fte,time_zone\n"


def parse(text):
    return parse_people_csv(text, unit_slugs={"growth"}, existing_emails=())


def test_it_refuses_a_nul_in_a_name_at_the_preview_already(client, lead):
    text = HEADER + "A\u0000da,ada@x.test,growth,builder,6000,1,UTC\n"
    assert parse(text).errors == [
        RowError(2, "name", "contains a NUL character, which text cannot hold.")
    ]
    r = client.post(
        "/people/import/", {"file": SimpleUploadedFile("p.csv", text.encode(), "text/csv")}
    )
    assert r.status_code == 400 and "contains a NUL character" in r.content.decode()
    r = client.post("/people/import/", {"commit": "1"})  # nothing was kept to commit
    assert r.status_code == 302
    assert not Person.objects.filter(email="ada@x.test").exists()


def test_it_refuses_time_zones_that_are_not_iana_names():
    result = parse(HEADER + "Ada,ada@x.test,growth,builder,6000,1,Mars/Olympus\n")
    assert result.errors == [
        RowError(
            2,
            "time_zone",
            "'Mars/Olympus' is not an IANA time zone name such as Europe/Berlin or UTC.",
        )
    ]
    assert parse(HEADER + "Ada,ada@x.test,growth,builder,6000,1,Europe/Berlin\n").ok


def test_it_lists_every_problem_of_a_people_row_with_extra_cells():
    result = parse(HEADER + 'Ada,not-an-email,nowhere,wizard,"7,000",1,Mars/Olympus,surplus\n')
    assert result.errors == [
        RowError(2, "(row)", "8 cells but 7 columns."),
        RowError(2, "email", "“not-an-email” is not an email address."),
        RowError(2, "org_unit", "unknown org unit “nowhere”."),
        RowError(2, "role", "“wizard” is not one of builder, pod_lead, org_lead."),
        RowError(
            2,
            "base_pay",
            "'7,000' is not a number: use a dot for decimals and no thousands separators (1234.5).",
        ),
        RowError(
            2,
            "time_zone",
            "'Mars/Olympus' is not an IANA time zone name such as Europe/Berlin or UTC.",
        ),
    ]


def test_it_refuses_unknown_and_repeated_columns():
    result = parse("name,email,org_unit,email,salary\nAda,a@x.test,growth,b@x.test,1\n")
    assert result.errors == [
        RowError(1, "email", "the column appears twice."),
        RowError(
            1,
            "salary",
            "unknown column; expected some of name, email, org_unit, role, base_pay, fte, "
            "time_zone, preferred_trait, builder, architect, taste_maker, signal_reader, "
            "decision_maker.",
        ),
    ]


def test_it_refuses_a_value_under_a_column_without_a_name():
    result = parse("name,email,,org_unit\nAda,a@x.test,oops,growth\n")
    assert result.errors == [RowError(2, "(column 3)", "a value under a column with no name.")]


# --------------------------------------------------------------------------- the checks


def test_it_measures_depth_without_recursing_and_ignores_brackets_in_strings():
    assert not inputs.too_deep(b'{"a": [[1, 2], {"b": "[[[[[[[[[[[["}]}')
    assert inputs.too_deep(b"[" * 9 + b"]" * 9)
    assert not inputs.too_deep(b"[" * 8 + b"]" * 8)
    assert inputs.too_deep(DEEP.encode())
    assert not inputs.too_deep(b'{"s": "\\"[[[[[[[[[[\\""}')
    assert inputs.too_deep(b'{"s": "\\\\"' + b"[" * 9 + b"]" * 9 + b"}")  # an escaped backslash


def test_it_scans_a_body_of_escaped_quotes_in_linear_time():
    started = time.perf_counter()
    assert not inputs.too_deep(b'"' + b'\\"' * 1_000_000)  # unterminated, 2 MB
    assert time.perf_counter() - started < 2


@pytest.mark.parametrize(
    ("raw", "problem"),
    [
        ("0001-01-01", "0001-01-01 is out of range: the year must be 1900 to 2100"),
        ("2101-01-01", "2101-01-01 is out of range: the year must be 1900 to 2100"),
        ("2026-02-30", "'2026-02-30' is not a date that exists (day is out of range for month)"),
        ("2026-1-5", "'2026-1-5' is not a date in the form YYYY-MM-DD"),
        (20260105, "20260105 is not a date in the form YYYY-MM-DD"),
    ],
)
def test_it_refuses_dates_out_of_range_or_impossible(raw, problem):
    with pytest.raises(ValueError) as refused:
        inputs.parse_day(raw)
    assert str(refused.value) == problem


# --------------------------------------------------------------------------- kept uploads


def test_it_keeps_the_checked_people_file_for_its_owner_only(client, personas):
    text = HEADER + "Ada,ada@x.test,growth,builder,6000,1,Europe/Berlin\n"
    login(client, personas.org_lead)
    page = client.get("/people/import/").content.decode()
    assert "Up to <strong>10 MB</strong> and <strong>20,000 rows</strong> per file" in page
    r = client.post(
        "/people/import/", {"file": SimpleUploadedFile("p.csv", text.encode(), "text/csv")}
    )
    token = re.search(r'name="upload" value="([^"]+)"', r.content.decode()).group(1)
    assert PendingUpload.objects.get().owner == personas.org_lead
    login(client, personas.admin)  # even an admin cannot commit someone else's file
    r = client.post("/people/import/", {"commit": "1", "upload": token})
    assert r.status_code == 302 and r["Location"] == "/people/import/"
    assert not Person.objects.filter(email="ada@x.test").exists()
    login(client, personas.org_lead)
    r = client.post("/people/import/", {"commit": "1", "upload": token})
    assert r.status_code == 302 and r["Location"] == "/people/"
    assert Person.objects.get(email="ada@x.test").time_zone == "Europe/Berlin"
    assert not PendingUpload.objects.exists()
