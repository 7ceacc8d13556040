"""The monthly incentive report and its payroll CSV."""

import csv
import io
from decimal import Decimal

import pytest

from incentives.metrics.services import add_months
from incentives.models import IncentivePeriod, Payout
from incentives.reports.views import report_url
from tests.conftest import count_queries, login
from tests.incentives.report_data import THIS_MONTH, grow, make_period, make_plan

pytestmark = pytest.mark.django_db

LAST = add_months(THIS_MONTH, -1)
BEFORE = add_months(THIS_MONTH, -2)


@pytest.fixture
def months(personas):
    """Unit A with a plan, a few pods and two approved months (the later one with an adjustment)."""
    make_plan(personas.unit_a)
    pods = grow(personas.unit_a, pods=3)
    before = make_period(personas.unit_a, BEFORE)
    person = pods[0].memberships.first().person
    last = make_period(personas.unit_a, LAST, adjustment_for=(person, pods[0], "12.50", before))
    return before, last


def _url(unit, month, suffix=""):
    return f"/reports/{unit.pk}/{month:%Y-%m}/{suffix}"


def _csv(response) -> list[list[str]]:
    text = b"".join(response.streaming_content).decode()
    return list(csv.reader(io.StringIO(text)))


def test_it_puts_the_report_url_in_a_function(months):
    _, last = months
    assert report_url(last) == f"/reports/{last.org_unit_id}/{LAST:%Y-%m}/"


def test_it_shows_totals_charts_comparison_and_tables(client, personas, months):
    before, last = months
    login(client, personas.org_lead)
    html = client.get(_url(personas.unit_a, LAST)).content.decode()
    payouts = sum(p.amount for p in Payout.objects.filter(period=last))
    assert f'data-total="payouts">{payouts:,.2f}<' in html
    assert 'data-total="people">14<' in html
    assert 'data-total="pods">4<' in html
    assert 'id="chart-distribution"' in html and 'id="chart-pods"' in html
    assert f"{BEFORE:%B %Y}" in html  # compared with the previous month
    assert "g pod 000" in html and "adjustment of" in html
    assert "Payroll CSV" in html


def test_it_exports_the_payroll_csv(client, personas, months):
    _, last = months
    login(client, personas.org_lead)
    r = client.get(_url(personas.unit_a, LAST, "payroll.csv"))
    assert r.status_code == 200
    assert r["Content-Type"].startswith("text/csv")
    assert f"payroll-growth-{LAST:%Y-%m}.csv" in r["Content-Disposition"]
    rows = _csv(r)
    assert rows[0] == ["person", "email", "amount", "currency", "period", "adjustment"]
    body = rows[1:]
    assert len(body) == Payout.objects.filter(period=last).count() == 15
    assert {row[3] for row in body} == {"EUR"} and {row[4] for row in body} == {f"{LAST:%Y-%m}"}
    assert sum(Decimal(row[2]) for row in body) == sum(
        p.amount for p in Payout.objects.filter(period=last)
    )
    adjustments = [row for row in body if row[5] == "yes"]
    assert len(adjustments) == 1 and adjustments[0][2] == "12.50"
    one = Payout.objects.filter(period=last, is_adjustment=False).select_related("person").first()
    assert [
        one.person.name,
        one.person.email,
        f"{one.amount:.2f}",
        "EUR",
        f"{LAST:%Y-%m}",
        "no",
    ] in body


def test_it_refuses_the_csv_of_a_period_not_yet_approved(client, personas):
    make_plan(personas.unit_a)
    grow(personas.unit_a, pods=1)
    make_period(personas.unit_a, LAST, status=IncentivePeriod.Status.COMPUTED)
    login(client, personas.org_lead)
    r = client.get(_url(personas.unit_a, LAST, "payroll.csv"))
    assert r.status_code == 409
    assert "not approved" in r.content.decode()
    assert "Payroll CSV</a>" not in client.get(_url(personas.unit_a, LAST)).content.decode()


@pytest.mark.parametrize(
    "who,status", [("member", 403), ("pod_lead", 403), ("outsider", 403), ("other_lead", 404)]
)
@pytest.mark.parametrize("suffix", ["", "payroll.csv"])
def test_it_is_only_for_org_leads_of_the_unit(client, personas, months, who, status, suffix):
    login(client, getattr(personas, who))
    assert client.get(_url(personas.unit_a, LAST, suffix)).status_code == status


def test_it_lets_admins_and_leads_of_a_parent_unit_in(client, personas, months):
    from teams.models import OrgUnit

    login(client, personas.admin)
    assert client.get(_url(personas.unit_a, LAST, "payroll.csv")).status_code == 200
    top = OrgUnit.objects.create(name="Company", slug="company")
    OrgUnit.objects.filter(pk=personas.unit_a.pk).update(parent=top)
    top.leads.add(personas.other_lead.person)
    login(client, personas.other_lead)
    assert client.get(_url(personas.unit_a, LAST)).status_code == 200


def test_it_asks_anonymous_visitors_to_log_in(client, personas, months):
    r = client.get(_url(personas.unit_a, LAST, "payroll.csv"))
    assert r.status_code == 302 and "/accounts/login/" in r["Location"]


def test_it_answers_404_for_a_bad_month_or_unit(client, personas, months):
    login(client, personas.org_lead)
    assert client.get(f"/reports/{personas.unit_a.pk}/2026-13/").status_code == 404
    assert client.get(f"/reports/{personas.unit_a.pk}/soon/").status_code == 404
    assert client.get("/reports/99999/2026-01/").status_code == 404
    assert (
        client.get(_url(personas.unit_a, add_months(THIS_MONTH, -30), "payroll.csv")).status_code
        == 404
    )


def test_it_says_so_when_a_month_has_no_period(client, personas, months):
    login(client, personas.org_lead)
    html = client.get(_url(personas.unit_a, add_months(THIS_MONTH, -30))).content.decode()
    assert "No incentive period for Growth" in html


def test_it_lists_the_reports_of_the_units_a_lead_leads(client, personas, months):
    login(client, personas.org_lead)
    html = client.get("/reports/").content.decode()
    assert _url(personas.unit_a, LAST) in html and _url(personas.unit_a, BEFORE) in html
    login(client, personas.other_lead)
    assert "No incentive period has been computed yet" in client.get("/reports/").content.decode()
    login(client, personas.member)
    assert client.get("/reports/").status_code == 403


def test_it_paginates_the_per_person_table(client, personas):
    make_plan(personas.unit_a)
    grow(personas.unit_a, pods=30, size=4)
    make_period(personas.unit_a, LAST)
    login(client, personas.org_lead)
    html = client.get(_url(personas.unit_a, LAST)).content.decode()
    assert "People page 1 of 2 · 122 rows" in html
    assert "Pods page 1 of 1" not in html
    page2 = client.get(_url(personas.unit_a, LAST) + "?people_page=2").content.decode()
    assert "People page 2 of 2" in page2


def test_it_renders_the_report_and_csv_with_constant_queries(
    client, personas, django_assert_num_queries
):
    make_plan(personas.unit_a)
    grow(personas.unit_a, pods=2)
    make_period(personas.unit_a, BEFORE)
    make_period(personas.unit_a, LAST)
    login(client, personas.org_lead)
    url = _url(personas.unit_a, LAST)
    n_page = count_queries(lambda: client.get(url))
    n_list = count_queries(lambda: client.get("/reports/"))
    n_csv = count_queries(lambda: _csv(client.get(url + "payroll.csv")))
    # Approved months never change (a trigger); the bigger org gets two earlier months of its own.
    grow(personas.unit_a, pods=40, size=4, prefix="big")
    make_period(personas.unit_a, add_months(THIS_MONTH, -4))
    make_period(personas.unit_a, add_months(THIS_MONTH, -3))
    url = _url(personas.unit_a, add_months(THIS_MONTH, -3))
    assert Payout.objects.filter(period__month=add_months(THIS_MONTH, -3)).count() > 160
    with django_assert_num_queries(n_page):
        client.get(url)
    with django_assert_num_queries(n_list):
        client.get("/reports/")
    with django_assert_num_queries(n_csv):
        _csv(client.get(url + "payroll.csv"))


def test_it_is_linked_from_the_month_close_email(personas, settings):
    from django.core import mail

    from incentives.bonuses.emails import month_close_send
    from incentives.models import CloseAttempt, MonthClose

    settings.SITE_URL = "https://podwright.example"
    make_plan(personas.unit_a)
    period = make_period(personas.unit_a, LAST, status=IncentivePeriod.Status.COMPUTED)
    close = MonthClose.objects.create(month=LAST, key="report-link")
    CloseAttempt.objects.create(
        close=close, org_unit=personas.unit_a, period=period, outcome="computed"
    )
    month_close_send(close=close)
    assert (
        f"https://podwright.example/reports/{personas.unit_a.pk}/{LAST:%Y-%m}/"
        in mail.outbox[0].body
    )
