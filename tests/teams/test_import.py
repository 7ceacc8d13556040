import re
import time

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from teams.models import Assessment, Person, TraitProfile
from teams.people.imports import RowError, parse_people_csv
from teams.people.services import people_import
from tests.conftest import login

HEADER = (
    "name,email,org_unit,role,base_pay,fte,"
    "builder,architect,taste_maker,signal_reader,decision_maker\n"
)
GOOD = "Ada,ada@x.test,growth,builder,6000,1,90,20,30,40,50\n"


def parse(text, existing=()):
    return parse_people_csv(text, unit_slugs={"growth", "platform"}, existing_emails=existing)


@pytest.mark.parametrize(
    ("line", "error"),
    [
        (
            "Bob,bob@x.test,marketing,builder,6000,1,1,2,3,4,5",
            RowError(3, "org_unit", "unknown org unit “marketing”."),
        ),
        (
            "Bob,bob@x.test,growth,builder,6000,1,101,2,3,4,5",
            RowError(3, "builder", "score 101 is out of range 0..100."),
        ),
        (
            "Bob,bob@x.test,growth,builder,6000,1,1,-2,3,4,5",
            RowError(3, "architect", "score -2 is out of range 0..100."),
        ),
        (
            "Bob,ada@x.test,growth,builder,6000,1,1,2,3,4,5",
            RowError(3, "email", "duplicate email: ada@x.test is also on row 2."),
        ),
        (
            "Bob,bob@x.test,growth,builder,lots,1,1,2,3,4,5",
            RowError(3, "base_pay", "'lots' is not a number."),
        ),
        (
            "Bob,bob@x.test,growth,builder,6000,1,1,2.5,3,4,5",
            RowError(3, "architect", "“2.5” is not a whole number."),
        ),
        (
            "Bob,bob@x.test,growth,builder,6000,1.5,1,2,3,4,5",
            RowError(3, "fte", "1.5 is out of range: it must be between 0 and 1."),
        ),
        (
            ",bob@x.test,growth,builder,6000,1,1,2,3,4,5",
            RowError(3, "name", "required, but empty."),
        ),
        (
            "Bob,not-an-email,growth,builder,6000,1,1,2,3,4,5",
            RowError(3, "email", "“not-an-email” is not an email address."),
        ),
        (
            "Bob,bob@x.test,growth,wizard,6000,1,1,2,3,4,5",
            RowError(3, "role", "“wizard” is not one of builder, pod_lead, org_lead."),
        ),
        (
            "Bob,bob@x.test,growth,builder,6000,1,1,,3,4,5",
            RowError(3, "architect", "empty: give all five trait scores or none."),
        ),
    ],
)
def test_it_reports_each_kind_of_bad_row_with_row_column_and_reason(line, error):
    result = parse(HEADER + GOOD + line + "\n")
    assert result.errors == [error]
    assert not result.ok


def test_it_reports_a_duplicate_of_an_existing_person():
    result = parse(HEADER + GOOD, existing=["ADA@x.test".lower()])
    assert result.errors == [RowError(2, "email", "duplicate email: ada@x.test already exists.")]


def test_it_reports_missing_and_unknown_columns_on_the_header_row():
    result = parse("name,org_unit,builder,colour\nAda,growth,1,red\n")
    assert RowError(1, "email", "missing column.") in result.errors
    assert (
        RowError(1, "architect", "missing column (trait scores need all five traits).")
        in result.errors
    )
    assert any(e.column == "colour" and "unknown column" in e.reason for e in result.errors)
    assert parse("").errors == [
        RowError(1, "(header)", "the file is empty: expected a header row.")
    ]
    assert parse(HEADER).errors[0].reason == "the file has a header but no people."


def test_it_reports_every_bad_row_not_just_the_first():
    text = HEADER + GOOD + "B,b@x.test,nowhere,,,,,,,,\nC,c@x.test,growth,,,,1,2,3,4,500\n"
    assert [(e.row, e.column) for e in parse(text).errors] == [
        (3, "org_unit"),
        (4, "decision_maker"),
    ]


def test_it_accepts_people_without_scores_and_optional_columns():
    result = parse("email,name,org_unit\nada@x.test,Ada,growth\n\n")
    assert result.ok and result.rows[0].scores is None and str(result.rows[0].fte) == "1"


pytestmark = pytest.mark.django_db


def _upload(client, text, name="people.csv"):
    return client.post(
        "/people/import/", {"file": SimpleUploadedFile(name, text.encode(), "text/csv")}
    )


def _token(response) -> str:
    """The previewed file's token, which the commit button posts instead of the file."""
    return re.search(r'name="upload" value="([^"]+)"', response.content.decode()).group(1)


def test_it_previews_then_commits_the_whole_file(client, personas):
    login(client, personas.org_lead)
    text = HEADER + GOOD + "Bo,bo@x.test,growth,pod_lead,7000.50,0.8,,,,,\n"
    r = _upload(client, text)
    assert r.status_code == 200
    page = r.content.decode()
    assert "2 people ready" in page and "Import all 2" in page
    assert not Person.objects.filter(email__endswith="@x.test").exists()  # a preview saves nothing
    r = client.post("/people/import/", {"commit": "1", "upload": _token(r)})
    assert r.status_code == 302 and r["Location"] == "/people/"
    ada = Person.objects.get(email="ada@x.test")
    assert ada.org_unit == personas.unit_a
    lead = Assessment.objects.get(person=ada)
    assert (lead.source, lead.assessor, lead.builder) == ("lead", personas.org_lead.person, 90)
    assert TraitProfile.objects.get(person=ada).primary_trait == "builder"
    bo = Person.objects.get(email="bo@x.test")
    assert (bo.role, str(bo.base_pay), str(bo.fte)) == ("pod_lead", "7000.50", "0.80")
    assert not Assessment.objects.filter(person=bo).exists()


def test_it_saves_nothing_when_any_row_is_bad(client, personas):
    login(client, personas.org_lead)
    text = (
        HEADER
        + GOOD
        + "Bob,bob@x.test,growth,builder,6000,1,1,2,3,4,999\n"
        + "Cy,cy@x.test,platform,,,,,,,,\n"
    )
    r = _upload(client, text)
    assert r.status_code == 400
    page = r.content.decode()
    assert "2 problems found: nothing was saved" in page
    assert "score 999 is out of range 0..100." in page
    assert "unknown org unit “platform”." in page  # Olga does not lead Platform
    r = client.post("/people/import/", {"commit": "1"})
    assert r.status_code == 302 and r["Location"] == "/people/import/"  # nothing waiting to commit
    assert not Person.objects.filter(email__endswith="@x.test").exists()
    assert not Assessment.objects.exists()


def test_it_rechecks_at_commit_time_and_saves_nothing_if_the_file_went_stale(client, personas):
    login(client, personas.org_lead)
    token = _token(_upload(client, HEADER + GOOD + "Bo,bo@x.test,growth,,,,,,,,\n"))
    Person.objects.create(name="Bo elsewhere", email="bo@x.test", org_unit=personas.unit_b)
    r = client.post("/people/import/", {"commit": "1", "upload": token})
    assert r.status_code == 400 and "bo@x.test already exists" in r.content.decode()
    assert not Person.objects.filter(email="ada@x.test").exists()


def test_it_refuses_a_file_that_is_not_utf8(client, personas):
    login(client, personas.org_lead)
    r = client.post(
        "/people/import/",
        {"file": SimpleUploadedFile("p.csv", "name,email\nJosé".encode("latin-1"))},
    )
    assert r.status_code == 400 and "not UTF-8" in r.content.decode()


def test_it_imports_ten_thousand_rows_in_seconds(personas, django_assert_max_num_queries):
    lines = [HEADER]
    for i in range(10_000):
        lines.append(
            f"Person {i},p{i}@bulk.test,growth,builder,{5000 + i},1,"
            f"{i % 101},{(i * 7) % 101},50,60,70\n"
        )
    text = "".join(lines)
    started = time.perf_counter()
    # Bulk writes in batches (SQLite caps the parameters per statement): far fewer than one per row.
    with django_assert_max_num_queries(500):
        result = people_import(
            text=text, unit_ids=[personas.unit_a.pk], importer=personas.org_lead.person, commit=True
        )
    elapsed = time.perf_counter() - started
    assert result.ok and len(result.rows) == 10_000
    assert Person.objects.filter(email__endswith="@bulk.test").count() == 10_000
    assert Assessment.objects.filter(source="lead").count() == 10_000
    assert TraitProfile.objects.filter(person__email__endswith="@bulk.test").count() == 10_000
    assert elapsed < 20, f"10,000 rows took {elapsed:.1f}s"
    print(f"\n10,000-row import: {elapsed:.2f}s")


def test_it_saves_nothing_of_ten_thousand_rows_when_the_last_is_bad(personas):
    lines = [HEADER] + [f"P {i},q{i}@bulk.test,growth,,,,,,,,\n" for i in range(9_999)]
    lines.append("Last,last@bulk.test,growth,,,2,,,,,\n")
    result = people_import(
        text="".join(lines), unit_ids=[personas.unit_a.pk], importer=None, commit=True
    )
    assert result.errors == [
        RowError(10_001, "fte", "2 is out of range: it must be between 0 and 1.")
    ]
    assert not Person.objects.filter(email__endswith="@bulk.test").exists()
