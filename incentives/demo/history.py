"""A month of the demo org's real life, written through the services a lead uses, so a
newcomer sees stints, a raise and a changing baseline on an approved statement.

Two months back (approved in the demo), in the demo member's pod:
- a re-formation on the 15th that keeps everyone in their (pinned) pod: each stays one member
  with two stints;
- the demo member's raise from the 15th;
- the pod's baseline headcount raised from the 16th;
- a colleague's allocation cut to 0.5 from the 10th;
- someone from a sibling pod joining at 0.5 from the 1st, part-time in two pods.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from incentives.bonuses import changes
from incentives.metrics.services import add_months
from teams import clock
from teams.models import Person, Pod, PodMembership


def history_month(today: date | None = None) -> date:
    return add_months((today or clock.today()).replace(day=1), -2)


def demo_seed_history(*, pods: list[Pod], today: date | None = None) -> dict[str, int]:
    month = history_month(today)
    member = Person.objects.filter(user__username="member").first()
    if member is None or not pods:
        return {}
    home = PodMembership.objects.filter(person=member).select_related("pod").first().pod
    sibling = next((p for p in pods if p.org_unit_id == home.org_unit_id and p.pk != home.pk), None)

    # Part-time in two pods: a sibling pod's member gives half their time to the home pod.
    if sibling is not None:
        lent = (
            PodMembership.objects.filter(pod=sibling, is_pod_lead=False, end__isnull=True)
            .order_by("pk")
            .first()
        )
        if lent is not None:
            changes.membership_split(
                user=None, membership=lent, on=month, allocation=Decimal("0.5")
            )
            changes.membership_add(
                user=None,
                pod=home,
                person=lent.person,
                start=month,
                allocation=Decimal("0.5"),
            )

    # An allocation change from the 10th for a colleague of the member.
    colleague = (
        PodMembership.objects.filter(pod=home, is_pod_lead=False, end__isnull=True)
        .exclude(person=member)
        .exclude(start=month)
        .order_by("pk")
        .first()
    )
    if colleague is not None:
        changes.membership_split(
            user=None, membership=colleague, on=month.replace(day=10), allocation=Decimal("0.5")
        )

    # The re-formation on the 15th keeps everyone in the pinned pod: new stints, same pod.
    for stint in PodMembership.objects.filter(pod=home, end__isnull=True).order_by("pk"):
        changes.membership_split(user=None, membership=stint, on=month.replace(day=15))

    # The member's raise from the 15th, and the pod's new baseline from the 16th.
    changes.pay_rate_change(
        user=None,
        person=member,
        effective_from=month.replace(day=15),
        base_pay=(member.base_pay * Decimal("1.1")).quantize(Decimal("100")),
    )
    changes.baseline_change(
        user=None,
        pod=home,
        effective_from=month.replace(day=16),
        value=home.baseline_headcount + 2,
    )
    return {"history_month": month.month}
