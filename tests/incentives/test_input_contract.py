"""The input contract on the incentives side: every request the hardening probes sent, with its
answer now. A 400 (JSON for the API) names the field or the row and column, lists every problem,
and nothing is saved."""

import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from incentives.bonuses import services
from incentives.metrics.imports import csv_check
from incentives.models import Observation
from tests.conftest import login
from tests.incentives.bonus_factories import MONTH, bonus_world
from tests.incentives.metric_factories import make_metric

pytestmark = pytest.mark.django_db

COMMA = "use a dot for decimals and no thousands separators (1234.5)"
DEEP = "[" * 100_000 + "]" * 100_000


def _client(user) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=user).key}")
    return client


@pytest.fixture
def metric(personas):
    return make_metric(personas.unit_a, "pr-count", kind="process", aggregation="sum")


@pytest.fixture
def lead(personas):
    return _client(personas.pod_lead)


def _body(personas, **fields):
    return {
        "pod": personas.pod_a.pk,
        "metric": "pr-count",
        "date": "2026-11-02",
        "value": "5",
        **fields,
    }


def _post(client, url, payload):
    return client.post(url, json.dumps(payload), content_type="application/json")


# --------------------------------------------------------------------------- JSON bodies


def test_it_refuses_year_one_instead_of_a_500(personas, metric, lead):
    r = _post(lead, "/api/observations/", _body(personas, date="0001-01-01"))
    assert r.status_code == 400
    assert r.json()["errors"] == [
        "Row 1: date 0001-01-01 is out of range: the year must be 1900 to 2100"
    ]
    r = _post(
        lead, "/api/observations/bulk/", {"observations": [_body(personas, date="0001-03-01")]}
    )
    assert r.status_code == 400
    assert r.json()["errors"] == [
        "Row 1: date 0001-03-01 is out of range: the year must be 1900 to 2100"
    ]
    r = _post(lead, "/api/observations/", _body(personas, date="2101-01-01"))
    assert r.status_code == 400 and "the year must be 1900 to 2100" in r.json()["errors"][0]
    r = _post(lead, "/api/observations/", _body(personas, date="2026-02-29"))
    assert r.json()["errors"] == [
        "Row 1: date '2026-02-29' is not a date that exists (day is out of range for month)"
    ]
    assert not Observation.objects.exists()


@pytest.mark.parametrize("field", ["external_id", "metric"])
def test_it_refuses_a_nul_character_naming_the_field(personas, metric, lead, field):
    r = _post(lead, "/api/observations/", _body(personas, **{field: "crm\u00001"}))
    assert r.status_code == 400
    assert r.json()["errors"] == [
        f"{field} contains a NUL character (\\u0000), which text cannot hold"
    ]
    r = _post(
        lead, "/api/observations/bulk/", {"observations": [_body(personas, **{field: "a\u0000"})]}
    )
    assert r.status_code == 400
    assert r.json()["errors"] == [
        f"observations[0].{field} contains a NUL character (\\u0000), which text cannot hold"
    ]
    assert not Observation.objects.exists()


@pytest.mark.parametrize("url", ["/api/observations/", "/api/periods/compute/"])
def test_it_refuses_a_body_nested_100000_deep_without_recursing(personas, url):
    client = _client(personas.org_lead)
    r = client.post(url, DEEP, content_type="application/json")
    assert r.status_code == 400
    assert r.json()["errors"] == ["The JSON body nests deeper than 8 levels."]


@pytest.mark.parametrize(
    ("body", "kind"), [("[1]", "a list"), ('"x"', "a string"), ("7", "a number")]
)
@pytest.mark.parametrize(
    "url", ["/api/observations/", "/api/observations/bulk/", "/api/periods/compute/"]
)
def test_it_refuses_a_body_that_is_not_an_object(personas, url, body, kind):
    r = _client(personas.org_lead).post(url, body, content_type="application/json")
    assert r.status_code == 400
    assert r.json()["errors"] == [f"The request body must be a JSON object ({{…}}), not {kind}."]


@pytest.mark.parametrize(
    ("value", "problem"),
    [
        ("1,5", f"value '1,5' is not a number: {COMMA}"),
        ("1,2,3", f"value '1,2,3' is not a number: {COMMA}"),
        ("1 000", f"value '1 000' is not a number: {COMMA}"),
        ("NaN", "value 'NaN' is not a finite number"),
        (1.5, 'value 1.5 is a float; send numbers as decimal strings such as "1.5"'),
    ],
)
def test_it_refuses_decimal_commas_in_the_api_instead_of_reading_15(
    personas, metric, lead, value, problem
):
    r = _post(lead, "/api/observations/", _body(personas, value=value))
    assert r.status_code == 400 and r.json()["errors"] == [f"Row 1: {problem}"]
    assert not Observation.objects.exists()


def test_it_refuses_numbers_too_large_for_a_float_and_json_constants(personas, metric, lead):
    raw = json.dumps(_body(personas)).replace('"5"', "1e999")
    r = lead.post("/api/observations/", raw, content_type="application/json")
    assert r.status_code == 400
    assert r.json()["errors"] == ["value: not a finite number (too large for a float)"]
    raw = json.dumps(_body(personas)).replace('"5"', "NaN")
    r = lead.post("/api/observations/", raw, content_type="application/json")
    assert r.status_code == 400 and "NaN is not a finite number" in r.json()["detail"]


def test_it_names_unknown_fields_in_a_row_and_in_the_bulk_body(personas, metric, lead):
    expected = "pod, metric, date, value, external_id, evidence_url"
    r = _post(lead, "/api/observations/", _body(personas, valeu="5", source="api"))
    assert r.status_code == 400
    assert r.json()["errors"] == [
        f"Row 1: unknown field 'valeu'; expected {expected}",
        f"Row 1: unknown field 'source'; expected {expected}",
    ]
    r = _post(lead, "/api/observations/bulk/", {"observations": [_body(personas)], "dry_run": True})
    assert r.status_code == 400
    assert r.json()["errors"] == ["unknown field 'dry_run'; expected observations"]
    assert not Observation.objects.exists()


def test_it_lists_every_problem_of_a_row(personas, metric, lead):
    r = _post(
        lead,
        "/api/observations/bulk/",
        {
            "observations": [
                _body(personas),
                _body(personas, pod=99999, date="1899-12-31", value="1,5", extra=1),
            ]
        },
    )
    assert r.status_code == 400
    assert r.json()["errors"] == [
        "Row 2: pod 99999 does not exist or you may not record observations for it",
        "Row 2: date 1899-12-31 is out of range: the year must be 1900 to 2100",
        f"Row 2: value '1,5' is not a number: {COMMA}",
        "Row 2: unknown field 'extra'; expected pod, metric, date, value, external_id, "
        "evidence_url",
    ]
    assert not Observation.objects.exists()


def test_it_takes_ten_thousand_rows_with_long_keys_and_links(personas, metric, lead):
    rows = [
        _body(
            personas,
            date=f"2026-{1 + i % 10:02d}-{1 + i % 28:02d}",
            external_id=f"{i:06d}-" + "k" * 113,
            evidence_url=f"https://crm.example.com/{i:06d}/" + "e" * 160,
        )
        for i in range(10_000)
    ]
    body = json.dumps({"observations": rows})
    assert len(body) > 4_000_000
    r = lead.post("/api/observations/bulk/", body, content_type="application/json")
    assert r.status_code == 200, r.content[:300]
    assert r.json()["count"] == 10_000
    assert Observation.objects.count() == 10_000


def test_it_answers_an_oversize_body_with_json_naming_the_limit(personas, lead, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    body = json.dumps({"observations": [_body(personas, external_id="x" * 2000)]})
    r = lead.post("/api/observations/bulk/", body, content_type="application/json")
    assert r.status_code == 413
    assert r["Content-Type"] == "application/json"
    assert r.json()["limit_bytes"] == 1000
    assert "larger than the limit of 1,000 bytes" in r.json()["detail"]


def test_it_states_the_bulk_limits_in_the_schema(client, personas):
    login(client, personas.pod_lead)
    schema = client.get("/api/schema/?format=json").json()
    bulk = schema["paths"]["/api/observations/bulk/"]["post"]
    assert "at most 10,000 observations and 10,485,760 bytes (10 MB)" in bulk["description"]
    assert "413" in bulk["responses"]


def test_it_refuses_a_month_compute_of_year_one_and_unknown_fields(personas):
    client = _client(personas.org_lead)
    r = _post(client, "/api/periods/compute/", {"org_unit": personas.unit_a.pk, "month": "0001-01"})
    assert r.status_code == 400
    assert r.json() == {"month": ["0001-01 is out of range: the year must be 1900 to 2100."]}
    r = _post(
        client,
        "/api/periods/compute/",
        {"org_unit": personas.unit_a.pk, "month": "2026-10", "force": True},
    )
    assert r.status_code == 400
    assert r.json() == {"force": ["unknown field; expected org_unit, month"]}


# --------------------------------------------------------------------------- pages and CSV


def test_it_refuses_a_decimal_comma_in_the_page_form(client, personas, metric):
    login(client, personas.pod_lead)
    r = client.post(
        f"/pods/{personas.pod_a.pk}/metrics/observations/",
        {"metric": metric.pk, "date": "2026-11-02", "value": "1,5"},
        headers={"HX-Request": "true"},
    )
    assert "&#x27;1,5&#x27; is not a number: " + COMMA in r.content.decode()
    assert not Observation.objects.exists()


def test_it_refuses_a_quoted_decimal_comma_in_a_csv_cell(personas, metric):
    pod = personas.pod_a.pk
    text = f'pod,metric,date,value\n{pod},pr-count,2026-11-02,"1,5"\n{pod},pr-count,2026-11-03,"1,2,3"\n'
    check = csv_check(user=personas.pod_lead, text=text)
    assert check.problems == [
        f"Row 2: value '1,5' is not a number: {COMMA}",
        f"Row 3: value '1,2,3' is not a number: {COMMA}",
    ]


def test_it_lists_every_problem_of_a_csv_row(personas, metric):
    pod = personas.pod_a.pk
    text = (
        "pod,metric,date,value,external_id\n"
        f"{pod},pr-count,2026-11-02,5,ok-1\n"
        f'{pod},nope,0001-01-01,"1,5",k\u00001,surplus\n'
    )
    check = csv_check(user=personas.pod_lead, text=text)
    assert check.problems == [
        "Row 3: external_id contains a NUL character (\\u0000), which text cannot hold",
        "Row 3: unknown metric 'nope' for pod Onboarding",
        "Row 3: date 0001-01-01 is out of range: the year must be 1900 to 2100",
        f"Row 3: value '1,5' is not a number: {COMMA}",
        "Row 3: 1 cell(s) outside the header's named columns ('surplus'); fix the row or the "
        "header",
    ]
    assert not check.ok


def test_it_refuses_unknown_csv_columns(personas, metric):
    text = f"pod,metric,date,value,comment\n{personas.pod_a.pk},pr-count,2026-11-02,5,hi\n"
    check = csv_check(user=personas.pod_lead, text=text)
    assert check.problems == [
        "Line 1: unknown column 'comment'; the columns are pod, metric, date, value, "
        "external_id, evidence_url."
    ]


def test_it_refuses_a_nul_in_an_uploaded_csv_and_saves_nothing(client, personas, metric):
    login(client, personas.pod_lead)
    text = (
        f"pod,metric,date,value,external_id\n{personas.pod_a.pk},pr-count,2026-11-02,5,a\u0000b\n"
    )
    upload = SimpleUploadedFile("obs.csv", text.encode(), content_type="text/csv")
    r = client.post("/metrics/import/", {"file": upload})
    assert r.status_code == 422
    assert "Row 2: external_id contains a NUL character" in r.content.decode()
    assert not Observation.objects.exists()


def test_it_refuses_a_decimal_comma_in_the_what_if(client, personas):
    bonus_world(personas)
    period = services.period_compute(user=None, org_unit=personas.unit_a, month=MONTH)
    login(client, personas.org_lead)
    # Before, "1,5" was read as 1.5 here while the API stored it as 15.
    refused = client.post(
        f"/close/{period.pk}/what-if/",
        {f"v-{personas.pod_a.pk}-activation": "1,5"},
        headers={"HX-Request": "true"},
    ).content.decode()
    assert f"&#x27;1,5&#x27; is not a number: {COMMA}" in refused
    login(client, personas.member)
    refused = client.post(
        "/bonus/what-if/",
        {"pod": personas.pod_a.pk, "metric": "activation", "value": "1,5"},
        headers={"HX-Request": "true"},
    ).content.decode()
    assert f"&#x27;1,5&#x27; is not a number: {COMMA}" in refused
