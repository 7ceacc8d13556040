"""CSV import: a preview first, every bad row reported by line, then all rows or none."""

import re
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db.models import F

from incentives.metrics.imports import csv_check, csv_import
from incentives.models import Observation
from teams.models import PendingUpload
from tests.conftest import login
from tests.incentives.metric_factories import make_metric

pytestmark = pytest.mark.django_db

HEADER = "pod,metric,date,value,external_id,evidence_url\n"


@pytest.fixture
def metric(personas):
    make_metric(personas.unit_b, "activation")
    return make_metric(personas.unit_a, "activation")


def _good(personas) -> str:
    pod = personas.pod_a.pk
    return (
        HEADER
        + f"{pod},activation,2026-03-31,41.5,crm-1,https://crm.example.com/1\n{pod},activation,2026-04-30,43,,\n"
    )


def test_it_imports_good_rows(personas, metric):
    check, result = csv_import(user=personas.pod_lead, text=_good(personas))
    assert check.ok and (result.created, result.updated) == (2, 0)
    assert sorted(Observation.objects.values_list("value", "source")) == [
        (Decimal("41.5"), "csv"),
        (Decimal("43"), "csv"),
    ]
    # Re-importing the same file updates: a row without a key gets one from metric and date.
    check, result = csv_import(user=personas.pod_lead, text=_good(personas).replace(",43,", ",44,"))
    assert check.ok, check.problems
    assert (result.created, result.updated) == (0, 2)
    assert Observation.objects.get(external_id="csv:activation:2026-04-30").value == Decimal("44")


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("{pod},nps,2026-04-01,10,,", "Row 3: unknown metric 'nps' for pod Onboarding"),
        (
            "999999,activation,2026-04-01,10,,",
            "Row 3: pod 999999 does not exist or you may not record observations for it",
        ),
        (
            "{other},activation,2026-04-01,10,,",
            "Row 3: pod {other} does not exist or you may not record observations for it",
        ),
        (
            "{pod},activation,2026-02-30,10,,",
            "Row 3: date '2026-02-30' is not a date that exists (day is out of range for month)",
        ),
        (
            "{pod},activation,31/03/2026,10,,",
            "Row 3: date '31/03/2026' is not a date in the form YYYY-MM-DD",
        ),
        ("{pod},activation,2026-04-01,ten,,", "Row 3: value 'ten' is not a number"),
        (
            "{pod},activation,2026-04-01,1.1234567,,",
            "Row 3: value 1.1234567 has more than 6 decimal places",
        ),
        ("{pod},activation,2026-04-01,NaN,,", "Row 3: value 'NaN' is not a finite number"),
        (
            "{pod},activation,2026-04-01,10,crm-1,",
            "Row 3: duplicate key 'crm-1' for pod {pod} (already on row 2)",
        ),
        (
            "{pod},activation,2026-04-01,10,,ftp:/x",
            "Row 3: evidence_url 'ftp:/x' is not a valid http(s) link",
        ),
    ],
)
def test_it_reports_each_kind_of_bad_row_and_saves_nothing(personas, metric, line, message):
    pod, other = personas.pod_a.pk, personas.pod_b.pk
    text = (
        HEADER
        + f"{pod},activation,2026-03-31,41.5,crm-1,\n"
        + line.format(pod=pod, other=other)
        + "\n"
    )
    check, result = csv_import(user=personas.pod_lead, text=text)
    assert result is None
    assert check.problems == [message.format(pod=pod, other=other)]
    assert not Observation.objects.exists()


def test_it_reports_every_bad_row_at_once(personas, metric):
    pod = personas.pod_a.pk
    text = (
        HEADER
        + f"{pod},nps,2026-04-01,1,,\n{pod},activation,yesterday,x,,\n"
        + f"{pod},activation,2026-04-02,3,,\n"
    )
    check = csv_check(user=personas.pod_lead, text=text)
    assert [str(p)[:6] for p in check.resolution.problems] == ["Row 2:", "Row 3:", "Row 3:"]
    assert not check.ok


def test_it_names_missing_columns(personas, metric):
    check = csv_check(
        user=personas.pod_lead, text="pod,metric,when,amount\n1,activation,2026-04-01,3\n"
    )
    columns = "pod, metric, date, value, external_id, evidence_url"
    assert check.problems == [
        "The header must name the columns pod, metric, date, value (missing: date, value).",
        f"Line 1: unknown column 'when'; the columns are {columns}.",
        f"Line 1: unknown column 'amount'; the columns are {columns}.",
    ]


def _token(response) -> str:
    """The previewed file's token: the Import button posts it instead of the file's text."""
    return re.search(r'name="upload" value="([^"]+)"', response.content.decode()).group(1)


def _preview(client, text, **kwargs):
    upload = SimpleUploadedFile("obs.csv", text.encode(), content_type="text/csv")
    return client.post("/metrics/import/", {"file": upload}, **kwargs)


def test_it_previews_then_imports_through_the_page(client, personas, metric):
    login(client, personas.pod_lead)
    r = _preview(client, _good(personas))
    html = r.content.decode()
    assert r.status_code == 200 and "Preview: 2 rows" in html and "Import 2 observations" in html
    assert "csv_text" not in html  # the file is not sent back to the browser
    assert not Observation.objects.exists()  # a preview saves nothing
    kept = PendingUpload.objects.get()
    assert (kept.owner, kept.kind, kept.name) == (personas.pod_lead, "observations", "obs.csv")
    r = client.post("/metrics/import/", {"upload": _token(r), "confirm": "1"})
    assert r.status_code == 302
    assert Observation.objects.count() == 2
    assert (
        "Imported 2 observations (2 new, 0 updated,"
        in client.get("/metrics/import/").content.decode()
    )
    assert not PendingUpload.objects.exists()  # imported once, then gone
    r = client.post("/metrics/import/", {"upload": kept.token, "confirm": "1"})
    assert r.status_code == 422 and "Nothing to import" in r.content.decode()


def test_it_states_the_limits_on_the_page(client, personas, metric):
    login(client, personas.pod_lead)
    html = client.get("/metrics/import/").content.decode()
    assert "Up to <strong>5 MB</strong> and <strong>50,000 rows</strong> per file" in html


def test_it_keeps_a_large_file_on_the_server_between_preview_and_import(client, personas, metric):
    pod = personas.pod_a.pk
    link = "https://crm.example.com/evidence/" + "e" * 150
    rows = [
        f"{pod},activation,2025-{1 + i % 12:02d}-{1 + i % 28:02d},{i % 90}.5,"
        f"key-{i:06d}-{'k' * 60},{link}/{i:06d}\n"
        for i in range(10_000)
    ]
    text = HEADER + "".join(rows)
    assert 2_800_000 < len(text.encode()) < 5 * 1024 * 1024  # above Django's 2.5 MB form limit
    login(client, personas.pod_lead)
    r = _preview(client, text)
    assert r.status_code == 200 and "Import 10000 observations" in r.content.decode()
    r = client.post("/metrics/import/", {"upload": _token(r), "confirm": "1"})
    assert r.status_code == 302
    assert Observation.objects.count() == 10_000


def test_it_imports_only_the_owners_unexpired_upload(client, personas, metric):
    login(client, personas.pod_lead)
    token = _token(_preview(client, _good(personas)))
    login(client, personas.org_lead)  # another lead of the same pod cannot use Paula's file
    r = client.post("/metrics/import/", {"upload": token, "confirm": "1"})
    assert r.status_code == 422 and "Nothing to import" in r.content.decode()
    login(client, personas.pod_lead)
    PendingUpload.objects.update(created_at=F("created_at") - timedelta(hours=1, minutes=1))
    r = client.post("/metrics/import/", {"upload": token, "confirm": "1"})
    assert r.status_code == 422 and "the preview has expired" in r.content.decode()
    assert not Observation.objects.exists()


def test_it_shows_the_problems_on_the_page(client, personas, metric):
    login(client, personas.pod_lead)
    text = HEADER + f"{personas.pod_b.pk},activation,2026-04-01,1,,\n"
    r = _preview(client, text, headers={"HX-Request": "true"})
    html = r.content.decode()
    assert (
        "1 problem — nothing was saved" in html
        and f"Row 2: pod {personas.pod_b.pk} does not exist" in html
    )
    assert "Import 1 observation" not in html and 'name="upload"' not in html
    assert not PendingUpload.objects.exists()  # a refused file is not kept
    r = client.post("/metrics/import/", {"upload": "forged", "confirm": "1"})
    assert r.status_code == 422 and not Observation.objects.exists()


def test_it_refuses_a_file_that_is_not_utf8(client, personas, metric):
    login(client, personas.pod_lead)
    upload = SimpleUploadedFile(
        "obs.csv",
        "pod,metric,date,value\n1,é,2026-04-01,1\n".encode("utf-16"),
        content_type="text/csv",
    )
    r = client.post("/metrics/import/", {"file": upload})
    assert r.status_code == 422 and "is not UTF-8 text" in r.content.decode()


def test_it_lets_an_org_lead_import_for_their_units_pods(personas, metric):
    check, result = csv_import(user=personas.org_lead, text=_good(personas))
    assert result.created == 2
    check, result = csv_import(user=personas.other_lead, text=_good(personas).replace("41.5", "1"))
    assert result is None and len(check.problems) == 2
    assert Observation.objects.get(external_id="crm-1").value == Decimal("41.5")
    assert date(2026, 3, 31) == Observation.objects.get(external_id="crm-1").date
