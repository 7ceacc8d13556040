"""CSV import of waits: preview with every problem by row and column, then all rows or none."""

import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from teams.models import Wait
from tests.conftest import login

pytestmark = pytest.mark.django_db

HEADER = "pod,node,kind,requested_at,resolved_at,url,external_id\n"


def upload(client, text: str, **headers):
    return client.post(
        "/friction/import/",
        {"file": SimpleUploadedFile("waits.csv", text.encode(), content_type="text/csv")},
        headers=headers,
    )


def good(pod) -> str:
    return (
        HEADER
        + f"{pod.pk},Security review,review,2026-10-01T09:30:00Z,2026-10-03T16:00:00Z,https://git.example.com/pr/81,pr-81\n"
        + f"{pod.pk},Legal,approval,2026-10-02 10:00,,,\n"
    )


def test_it_previews_then_imports_all_rows(client, personas):
    login(client, personas.member)
    r = upload(client, good(personas.pod_a))
    assert r.status_code == 200
    html = r.content.decode()
    assert "Preview: 2 rows" in html and "Import 2 waits" in html
    assert not Wait.objects.exists()  # nothing until confirmed
    token = re.search(r'name="upload" value="([^"]+)"', html).group(1)
    done = client.post("/friction/import/", {"confirm": "1", "upload": token}, follow=True)
    assert "Imported 2 waits (2 new, 0 updated)" in done.content.decode()
    legal = Wait.objects.get(node="Legal")
    assert legal.is_open and legal.source == "csv"
    assert legal.external_id.startswith("csv:Legal:2026-10-02T10:00")
    # The same file again updates instead of duplicating, with or without keys.
    token = re.search(
        r'name="upload" value="([^"]+)"', upload(client, good(personas.pod_a)).content.decode()
    ).group(1)
    again = client.post("/friction/import/", {"confirm": "1", "upload": token}, follow=True)
    assert "(0 new, 2 updated)" in again.content.decode()
    assert Wait.objects.count() == 2
    # The token works once.
    gone = client.post("/friction/import/", {"confirm": "1", "upload": token})
    assert gone.status_code == 422 and "Nothing to import" in gone.content.decode()


def test_it_lists_every_problem_of_every_row_and_saves_nothing(client, personas):
    login(client, personas.pod_lead)
    text = (
        HEADER
        + f"{personas.pod_a.pk},Security review,review,2026-10-01T09:30:00Z,,,ok-1\n"
        + f"{personas.pod_a.pk},,nap,someday,2026-10-01,ftp://x,\n"
        + f"{personas.pod_b.pk},Legal,review,2026-10-01T09:00,2026-09-01T09:00,,k\n"
        + "abc,Legal,review,2026-10-01,,,k2,stray\n"
    )
    r = upload(client, text)
    assert r.status_code == 422
    html = r.content.decode().replace("&#x27;", "'")
    for problem in (
        "Row 3, column “node”: is missing",
        "Row 3, column “kind”: 'nap' is not a kind",
        "Row 3, column “requested_at”: 'someday' is not a date-time",
        "Row 3, column “url”: 'ftp://x' is not an http(s) link",
        f"Row 4, column “pod”: {personas.pod_b.pk} is not a pod you may record waits for",
        "Row 4, column “resolved_at”: 2026-09-01 09:00 is before requested_at 2026-10-01 09:00",
        "Row 5: 1 cell(s) beyond the header's columns ('stray')",
        "Row 5, column “pod”: abc is not a pod you may record waits for",
    ):
        assert problem in html, problem
    assert "nothing was saved" in html and "Import 1 wait" not in html
    assert not Wait.objects.exists()


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("", "The submitted file is empty"),
        ("\n\n", "The file is empty: the first line must name the columns."),
        (
            "pod,node\n1,x\n",
            "Row 1: the header must name the columns pod, node, kind, requested_at (missing: kind, requested_at).",
        ),
        (HEADER.replace("url", "colour"), "Row 1, column 6: unknown column &#x27;colour&#x27;"),
        (HEADER, "The file has a header but no rows."),
    ],
)
def test_it_refuses_a_bad_header(client, personas, text, problem):
    login(client, personas.member)
    r = upload(client, text)
    assert r.status_code == 422
    assert problem in r.content.decode()


def test_it_refuses_a_file_that_is_not_utf8(client, personas):
    login(client, personas.member)
    r = client.post(
        "/friction/import/",
        {"file": SimpleUploadedFile("waits.csv", "pod,nöde\n".encode("latin-1"))},
    )
    assert r.status_code == 422 and "not UTF-8" in r.content.decode()


def test_it_answers_htmx_with_the_result_fragment(client, personas):
    login(client, personas.member)
    r = upload(client, HEADER + "1,x,nap,2026-10-01,,,\n", **{"HX-Request": "true"})
    assert r.status_code == 200
    assert r.content.decode().strip().startswith('<div id="import-result">')


def test_it_is_for_people_who_record_waits(client, personas):
    from teams.models import Person, PodMembership

    lonely = Person.objects.get(user=personas.member)
    PodMembership.objects.filter(person=lonely).delete()
    login(client, personas.member)
    assert client.get("/friction/import/").status_code == 403
    login(client, personas.outsider)
    html = client.get("/friction/import/").content.decode()
    assert f"<code>{personas.pod_b.pk}</code>" in html
    assert f"<code>{personas.pod_a.pk}</code>" not in html
