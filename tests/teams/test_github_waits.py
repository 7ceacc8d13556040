"""GitHub review requests to waits: a team's request opens one, the first review by one of its
members after it resolves it (tools/github_waits.py on a saved payload file)."""

import json
import subprocess
import sys
from pathlib import Path

import pytest
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from teams.friction.github import PayloadError, read_deliveries, waits_from_deliveries

DATA = Path(__file__).parent / "data"
ROOT = Path(__file__).resolve().parents[2]
DELIVERIES = DATA / "github_deliveries.json"
MEMBERS = json.loads((DATA / "github_team_members.json").read_text())

EXPECTED = [
    ("Security", "2026-10-01T09:00:00+00:00", "2026-10-03T16:00:00+00:00", 81),
    ("Platform", "2026-10-01T09:05:00+00:00", "2026-10-01T15:05:00+00:00", 81),
    ("Security", "2026-10-05T08:00:00+00:00", None, 82),
]


def _summary(waits):
    return [
        (w["node"], w["requested_at"], w["resolved_at"], int(w["url"].rsplit("/", 1)[1]))
        for w in waits
    ]


@pytest.mark.parametrize("members", [MEMBERS, None], ids=["member map", "requested_teams"])
def test_it_turns_team_review_requests_into_waits(members):
    waits = waits_from_deliveries(read_deliveries(DELIVERIES.read_text()), pod=12, members=members)
    # dave's comment is not Security's review; the request to mo (a person) is not a node.
    assert _summary(waits) == EXPECTED
    assert {w["pod"] for w in waits} == {12} and {w["kind"] for w in waits} == {"review"}
    assert waits[0]["external_id"] == "github:acme/onboarding#81:security:20261001T090000"


def test_it_reads_json_lines_and_names_a_bad_line():
    lines = "\n".join(json.dumps(d) for d in json.loads(DELIVERIES.read_text()))
    assert len(read_deliveries(lines)) == 7
    with pytest.raises(PayloadError, match="line 2 is not JSON"):
        read_deliveries('{"action": "x"}\n{oops')
    with pytest.raises(PayloadError, match="is not an ISO 8601 time"):
        waits_from_deliveries(
            [
                {
                    "action": "review_requested",
                    "requested_team": {"slug": "s"},
                    "pull_request": {"number": 1, "updated_at": "soon"},
                }
            ],
            pod=1,
        )


@pytest.mark.django_db
def test_the_script_output_posts_to_the_bulk_api_idempotently(personas):
    out = subprocess.run(
        [
            sys.executable,
            "tools/github_waits.py",
            str(DELIVERIES),
            "--pod",
            str(personas.pod_a.pk),
            "--members",
            str(DATA / "github_team_members.json"),
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    body = json.loads(out)
    client = APIClient()
    client.credentials(
        HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=personas.pod_lead).key}"
    )
    first = client.post("/api/waits/bulk/", body, format="json")
    assert first.json() == {"count": 3, "created": 3, "updated": 0}
    again = client.post("/api/waits/bulk/", body, format="json")
    assert again.json() == {"count": 3, "created": 0, "updated": 3}
    csv_out = subprocess.run(
        [sys.executable, "tools/github_waits.py", str(DELIVERIES), "--pod", "7", "--csv"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert csv_out.splitlines()[0] == "pod,node,kind,requested_at,resolved_at,url,external_id"
    assert len(csv_out.splitlines()) == 4
