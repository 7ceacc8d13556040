"""The demo org waits on at least four nodes for months, one clearly the bottleneck, some
waits still open; every pod has a context map with stale and missing items."""

import pytest

from incentives.demo import demo_seed
from teams import clock
from teams.context.services import org_context, pod_context
from teams.friction import services
from teams.models import OrgUnit, Pod, Wait, units_below

pytestmark = pytest.mark.django_db


def test_it_seeds_months_of_waits_with_a_clear_bottleneck():
    demo_seed(people=60)
    unit_ids = units_below([OrgUnit.objects.get(slug="demo").pk])
    since, until = services.default_window(clock.today())
    report = services.friction_report(unit_ids=unit_ids, since=since, until=until)
    assert len(report.nodes) >= 4
    first, second = report.nodes[:2]
    assert first.node == "Security review"
    assert first.pod_days_lost > 2 * second.pod_days_lost
    assert report.open > 0
    busy = [m for m in report.trend if m.waits]
    assert len(busy) >= 5  # months of history, not a week
    assert all(p.waiting_share > 0 for p in report.pods)


def test_it_gives_every_pod_a_context_map_with_stale_and_missing_items():
    demo_seed(people=60)
    pods = list(Pod.objects.filter(org_unit__parent__slug="demo"))
    org = org_context([p.org_unit_id for p in pods])
    assert all(row.items for row in org.pods)
    assert org.stale > 0 and org.missing > 0
    home = pod_context(
        Pod.objects.filter(memberships__person__user__username="member").distinct().get()
    )
    assert home.stale and home.missing
    assert any(i.keeper.user and i.keeper.user.username == "member" for i in home.stale)


def test_it_replaces_the_waits_on_a_reset_instead_of_adding_to_them():
    demo_seed(people=30)
    first = Wait.objects.count()
    demo_seed(people=30)
    assert Wait.objects.count() == first > 0
