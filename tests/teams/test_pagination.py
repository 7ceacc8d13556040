"""Pagination links keep the page's other parameters ({% querystring %}): filters, sort, the
other table's page."""

import pytest

from incentives.metrics.services import add_months
from teams.models import Pod
from tests.conftest import login, make_person
from tests.incentives.report_data import THIS_MONTH, grow, make_period, make_plan

pytestmark = pytest.mark.django_db


def test_it_keeps_the_pod_status_filter_across_pages(client, personas):
    for i in range(31):
        Pod.objects.create(name=f"Idea {i:02}", org_unit=personas.unit_a, status="proposed")
    login(client, personas.org_lead)
    page = client.get("/pods/?status=proposed").content.decode()
    assert "Page 1 of 2" in page and 'href="?status=proposed&amp;page=2"' in page
    page2 = client.get("/pods/?status=proposed&page=2").content.decode()
    assert "Page 2 of 2" in page2 and 'href="?status=proposed&amp;page=1"' in page2


def test_it_keeps_the_directory_filters_and_sort_in_page_sort_and_export_links(client, personas):
    for i in range(55):
        make_person(personas.unit_a, f"Zed {i:02}")
    login(client, personas.org_lead)
    page = client.get("/people/?q=zed&sort=-name&unit=&trait=").content.decode()
    assert 'href="?q=zed&amp;sort=-name&amp;page=2"' in page  # empty filters dropped
    assert 'href="/people/export.csv?q=zed&amp;sort=-name"' in page
    assert 'href="?q=zed&amp;sort=org_unit"' in page  # a new sort starts at page 1
    page2 = client.get("/people/?q=zed&sort=-name&page=2").content.decode()
    assert 'href="?q=zed&amp;sort=-name&amp;page=1"' in page2
    assert 'href="/people/export.csv"' in client.get("/people/").content.decode()


def test_it_keeps_the_other_tables_page_in_the_report(client, personas):
    last = add_months(THIS_MONTH, -1)
    make_plan(personas.unit_a)
    grow(personas.unit_a, pods=30, size=4)
    make_period(personas.unit_a, last)
    login(client, personas.org_lead)
    url = f"/reports/{personas.unit_a.pk}/{last:%Y-%m}/"
    page = client.get(url + "?pods_page=1").content.decode()
    assert 'href="?pods_page=1&amp;people_page=2#people"' in page
    page2 = client.get(url + "?pods_page=1&people_page=2").content.decode()
    assert 'href="?pods_page=1&amp;people_page=1#people"' in page2
