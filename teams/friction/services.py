"""Waits: recording them (the pod page, CSV, the API), the idempotent bulk upsert, and the
radar's figures over a unit's pods (DESIGN §5).

Services are keyword-only ``<noun>_<verb>`` functions; pages, the CSV import, the API, the demo
and the GitHub converter's output all go through them. Every check is made once, here.
"""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any
from urllib.parse import urlsplit

from django.contrib.auth.models import AnonymousUser, User
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import Count, Q
from django.http import Http404
from django.utils import timezone

from teams import clock, inputs, permissions
from teams.friction import figures
from teams.models import OrgUnit, Pod, Wait, units_below

MAX_BULK = 10_000
# A clock a few minutes ahead of ours is not a wait in the future.
CLOCK_SLACK = timedelta(minutes=5)
WAIT_FIELDS = ("pod", "node", "kind", "requested_at", "resolved_at", "url", "external_id")
NODE_MAX = Wait._meta.get_field("node").max_length
URL_MAX = Wait._meta.get_field("url").max_length
KEY_MAX = Wait._meta.get_field("external_id").max_length
KINDS = tuple(Wait.Kind.values)

_LINK = re.compile(r"https?://[^\s/?#]+[^\s]*", re.IGNORECASE)
_SPACES = re.compile(r"\s+")


# --------------------------------------------------------------------------- one wait's rules


def node_clean(raw: Any) -> str:
    """A node's name as kept: trimmed, inner runs of spaces made one (so "Security  review"
    and "Security review" are one node). ``ValueError`` when empty or too long."""
    text = _SPACES.sub(" ", "" if raw is None else str(raw)).strip()
    if not text:
        raise ValueError("is missing: name who holds the work (a team, role or approval step)")
    if len(text) > NODE_MAX:
        raise ValueError(f"is longer than {NODE_MAX} characters")
    return text


def kind_clean(raw: Any) -> str:
    text = ("" if raw is None else str(raw)).strip().lower()
    if text not in KINDS:
        shown = repr(str(raw)[:30]) if raw not in (None, "") else "missing"
        raise ValueError(f"{shown} is not a kind; use one of {', '.join(KINDS)}")
    return text


def moment_parse(raw: Any) -> datetime:
    """An ISO 8601 date-time (``2026-10-01T09:30:00Z``, ``…+02:00``; without an offset it is
    the server's time zone; a bare date is its midnight), aware. ``ValueError`` otherwise."""
    if isinstance(raw, datetime):
        value = raw
    else:
        text = ("" if raw is None else str(raw)).strip()
        if not text:
            raise ValueError("is missing: a date-time such as 2026-10-01T09:30:00Z is needed")
        try:
            value = datetime.fromisoformat(text)
        except ValueError:
            raise ValueError(
                f"{text[:40]!r} is not a date-time such as 2026-10-01T09:30:00Z"
            ) from None
    inputs.check_day(value.date())
    if timezone.is_naive(value):
        value = timezone.make_aware(value)
    return value


def url_clean(raw: Any) -> str:
    text = ("" if raw is None else str(raw)).strip()
    if not text:
        return ""
    if len(text) > URL_MAX:
        raise ValueError(f"is longer than {URL_MAX} characters")
    # Django's URLValidator costs ~0.1 ms a link, a second on a full bulk request: the link is
    # only shown and followed, so a scheme, a host and no spaces are what it needs.
    try:
        parts = urlsplit(text) if _LINK.fullmatch(text) else None
    except ValueError:  # e.g. an unclosed IPv6 bracket
        parts = None
    if parts is None or parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        raise ValueError(f"{text[:60]!r} is not an http(s) link")
    return text


def span_problems(
    requested_at: datetime | None, resolved_at: datetime | None, *, now: datetime
) -> dict[str, str]:
    """What is wrong with a wait's two times, by field (empty when they are fine)."""
    out: dict[str, str] = {}
    if requested_at is not None and requested_at > now + CLOCK_SLACK:
        out["requested_at"] = f"{_show(requested_at)} is in the future"
    if resolved_at is not None:
        if resolved_at > now + CLOCK_SLACK:
            out["resolved_at"] = f"{_show(resolved_at)} is in the future"
        elif requested_at is not None and resolved_at < requested_at:
            out["resolved_at"] = (
                f"{_show(resolved_at)} is before requested_at {_show(requested_at)}"
            )
    return out


def _show(moment: datetime) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M")


# --------------------------------------------------------------------------- the form


@transaction.atomic
def wait_record(
    *,
    user: User,
    pod: Pod,
    node: str,
    kind: str,
    requested_at: datetime,
    resolved_at: datetime | None = None,
    url: str = "",
) -> Wait:
    """One wait typed on the pod page; ``ValidationError`` by field (each message reads
    after the field's label), nothing saved."""
    if not permissions.can_record_waits(user, pod):
        raise ValidationError("Only the pod's members and the Org Leads of its unit record waits.")
    problems: dict[str, str] = {}
    values: dict[str, Any] = {}
    for name, clean, raw in (
        ("node", node_clean, node),
        ("kind", kind_clean, kind),
        ("url", url_clean, url),
    ):
        try:
            values[name] = clean(raw)
        except ValueError as exc:
            problems[name] = str(exc)
    problems.update(span_problems(requested_at, resolved_at, now=timezone.now()))
    if problems:
        raise ValidationError(problems)
    return Wait.objects.create(
        pod=pod,
        requested_at=requested_at,
        resolved_at=resolved_at,
        external_id=f"form:{uuid.uuid4()}",
        source=Wait.Source.FORM,
        recorded_by=user,
        **values,
    )


@transaction.atomic
def wait_resolve(*, user: User, wait: Wait, resolved_at: datetime | None = None) -> Wait:
    """Mark an open wait resolved (now, unless told when)."""
    if not permissions.can_record_waits(user, wait.pod):
        raise ValidationError("Only the pod's members and the Org Leads of its unit record waits.")
    if wait.resolved_at is not None:
        raise ValidationError(f"This wait was resolved already, on {_show(wait.resolved_at)}.")
    resolved_at = resolved_at or timezone.now()
    problems = span_problems(wait.requested_at, resolved_at, now=timezone.now())
    if problems:
        raise ValidationError({k: f"{k.replace('_', ' ')}: {v}" for k, v in problems.items()})
    wait.resolved_at = resolved_at
    wait.save(update_fields=["resolved_at", "updated_at"])
    return wait


# --------------------------------------------------------------------------- rows (CSV, API)


@dataclass
class WaitRow:
    """One wait to write, resolved and checked."""

    pod_id: int
    node: str
    kind: str
    requested_at: datetime
    resolved_at: datetime | None
    url: str
    external_id: str
    row: int = 0


@dataclass(frozen=True)
class RowProblem:
    row: int
    column: str
    message: str
    what: str = "column"  # "column" in a CSV, "field" in the API

    def __str__(self) -> str:
        if not self.column:
            return f"Row {self.row}: {self.message}"
        return f"Row {self.row}, {self.what} “{self.column}”: {self.message}"


@dataclass
class Resolution:
    rows: list[WaitRow] = field(default_factory=list)
    problems: list[RowProblem] = field(default_factory=list)


def _text(raw: Mapping[str, Any], name: str) -> str:
    value = raw.get(name)
    return "" if value is None else str(value).strip()


def _pod_id(raw: Mapping[str, Any]) -> int | None:
    value = raw.get("pod")
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    text = _text(raw, "pod")
    return int(text) if text.isdigit() else None


class _RowCheck:
    """Every problem of one row, each naming its column."""

    def __init__(self, row: int, what: str) -> None:
        self.row, self.what = row, what
        self.problems: list[RowProblem] = []

    def add(self, column: str, message: str) -> None:
        self.problems.append(RowProblem(self.row, column, message, self.what))

    def read(self, raw: Mapping[str, Any], column: str, clean) -> Any:
        try:
            return clean(raw.get(column))
        except ValueError as exc:
            self.add(column, str(exc))
            return None


def wait_rows_resolve(
    *,
    user: User | AnonymousUser,
    raw_rows: Sequence[Mapping[str, Any]],
    source: str,
    first_row: int = 1,
    row_numbers: Sequence[int] | None = None,
    require_key: bool = False,
    now: datetime | None = None,
    only_pods: Collection[int] | None = None,
) -> Resolution:
    """Check raw rows (``pod`` id, ``node``, ``kind``, ``requested_at``, optional
    ``resolved_at``, ``url`` and ``external_id``) against the database and the user's rights,
    listing every problem of every row. A constant number of queries whatever the rows.
    Rows are numbered from ``first_row``, or by ``row_numbers`` (a CSV's lines).

    A pod the user may not record waits for reads like one that does not exist, so the
    answer does not tell which pods exist; ``only_pods`` (a service account's pods) narrows the
    user's rights further.
    """
    now = now or timezone.now()
    what = "column" if source == Wait.Source.CSV else "field"
    ids = {pid for raw in raw_rows if (pid := _pod_id(raw)) is not None}
    pods = {p.pk: p for p in Pod.objects.filter(pk__in=ids).only("id", "org_unit_id")}
    writable = permissions.wait_writable_pod_ids(user, pods.values())
    if only_pods is not None:
        writable &= set(only_pods)
    result = Resolution()
    seen: dict[tuple[int, str], int] = {}
    numbers = row_numbers or range(first_row, first_row + len(raw_rows))
    for index, raw in zip(numbers, raw_rows, strict=True):
        check = _RowCheck(index, what)
        with_nul = set()
        for name in WAIT_FIELDS:
            if inputs.nul_problem(raw.get(name), name):
                check.add(name, "contains a NUL character (\\u0000), which text cannot hold")
                with_nul.add(name)
        for key in raw:
            if key not in WAIT_FIELDS:
                check.add(
                    str(key)[:40], f"unknown {what}; the {what}s are {', '.join(WAIT_FIELDS)}"
                )
        pod_id = _pod_id(raw)
        if "pod" not in with_nul and (pod_id not in pods or pod_id not in writable):
            check.add(
                "pod",
                f"{_text(raw, 'pod')[:20] or '(empty)'} is not a pod you may record waits for",
            )
            pod_id = None
        values = {
            name: check.read(raw, name, clean)
            for name, clean in (
                ("node", node_clean),
                ("kind", kind_clean),
                ("requested_at", moment_parse),
                ("url", url_clean),
            )
            if name not in with_nul
        }
        resolved_at = None
        if "resolved_at" not in with_nul and _text(raw, "resolved_at"):
            resolved_at = check.read(raw, "resolved_at", moment_parse)
        for name, message in span_problems(
            values.get("requested_at"), resolved_at, now=now
        ).items():
            check.add(name, message)
        external_id = _text(raw, "external_id")
        if len(external_id) > KEY_MAX:
            check.add("external_id", f"is longer than {KEY_MAX} characters")
        elif not external_id and require_key and "external_id" not in with_nul:
            check.add("external_id", "is missing: a bulk upsert needs a key per wait")
        if not external_id and values.get("node") and values.get("requested_at"):
            # A CSV re-imported without keys updates instead of duplicating: one wait per node
            # and request time. A single API call gets a fresh key.
            external_id = (
                f"csv:{values['node']}:{values['requested_at'].isoformat()}"[:KEY_MAX]
                if source == Wait.Source.CSV
                else f"api:{uuid.uuid4()}"
            )
        if pod_id is not None and external_id and "external_id" not in with_nul:
            first = seen.setdefault((pod_id, external_id), index)
            if first != index:
                check.add(
                    "external_id", f"{external_id[:60]!r} is already on row {first} for this pod"
                )
        if check.problems or pod_id is None:
            result.problems.extend(check.problems)
            continue
        result.rows.append(
            WaitRow(
                pod_id=pod_id,
                resolved_at=resolved_at,
                external_id=external_id,
                row=index,
                **values,
            )
        )
    return result


@dataclass
class UpsertResult:
    created: int
    updated: int


_UPSERT_COLUMNS = (
    "pod_id",
    "node",
    "kind",
    "requested_at",
    "resolved_at",
    "url",
    "external_id",
    "source",
    "recorded_by_id",
    "created_at",
    "updated_at",
)
_UPDATED_ON_CONFLICT = _UPSERT_COLUMNS[1:6] + ("source", "recorded_by_id", "updated_at")
_PG_TYPES = {"pod_id": "bigint", "recorded_by_id": "integer"} | dict.fromkeys(
    ("requested_at", "resolved_at", "created_at", "updated_at"), "timestamptz"
)


def _db_moment(value: datetime | None) -> str | None:
    if value is None:
        return None
    if connection.vendor == "postgresql":
        return value.isoformat()
    return connection.ops.adapt_datetimefield_value(value)  # SQLite's own text form


@transaction.atomic
def waits_upsert(*, rows: Sequence[WaitRow], source: str, user: User | None) -> UpsertResult:
    """Create or update waits by their key (pod, external_id), in two statements whatever
    their number: the existing keys, then one INSERT … ON CONFLICT DO UPDATE whose rows travel
    as one JSON parameter (``bulk_create`` would split 10,000 rows into batches on SQLite)."""
    if not rows:
        return UpsertResult(0, 0)
    existing = set(
        Wait.objects.filter(
            pod_id__in={r.pod_id for r in rows}, external_id__in={r.external_id for r in rows}
        ).values_list("pod_id", "external_id")
    )
    stamp = _db_moment(timezone.now())
    recorder = user.pk if user is not None and user.is_authenticated else None
    payload = [
        [
            r.pod_id,
            r.node,
            r.kind,
            _db_moment(r.requested_at),
            _db_moment(r.resolved_at),
            r.url,
            r.external_id,
            source,
            recorder,
            stamp,
            stamp,
        ]
        for r in rows
    ]
    qn = connection.ops.quote_name
    columns = ", ".join(qn(c) for c in _UPSERT_COLUMNS)
    updates = ", ".join(f"{qn(c)} = excluded.{qn(c)}" for c in _UPDATED_ON_CONFLICT)
    if connection.vendor == "postgresql":
        picks = ", ".join(
            f"(r->>{i})::{_PG_TYPES.get(c, 'text')}" for i, c in enumerate(_UPSERT_COLUMNS)
        )
        source_sql = "jsonb_array_elements(%s::jsonb) AS r"
    else:
        picks = ", ".join(f"json_extract(value, '$[{i}]')" for i in range(len(_UPSERT_COLUMNS)))
        source_sql = "json_each(%s)"
    # "WHERE true" tells SQLite's parser the ON CONFLICT belongs to the INSERT.
    sql = (
        f"INSERT INTO {qn(Wait._meta.db_table)} ({columns}) SELECT {picks} FROM {source_sql} "
        f"WHERE true ON CONFLICT ({qn('pod_id')}, {qn('external_id')}) DO UPDATE SET {updates}"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [json.dumps(payload, separators=(",", ":"))])
    created = sum(1 for r in rows if (r.pod_id, r.external_id) not in existing)
    return UpsertResult(created, len(rows) - created)


# --------------------------------------------------------------------------- the radar


@dataclass(frozen=True)
class Window:
    """Waits requested from ``since`` 00:00 to the end of ``until`` count; the waiting share
    is measured from ``start`` to ``end``: the end of ``until``, or now when that is earlier
    (a window reaching today has not finished yet)."""

    since: date
    until: date
    start: datetime
    requested_before: datetime
    end: datetime

    @property
    def months(self) -> list[date]:
        out, month = [], self.since.replace(day=1)
        while month <= self.until:
            out.append(month)
            month = (month + timedelta(days=32)).replace(day=1)
        return out


def friction_window(*, since: date, until: date, now: datetime | None = None) -> Window:
    now = now or timezone.now()
    start = timezone.make_aware(datetime.combine(since, time.min))
    after = timezone.make_aware(datetime.combine(until + timedelta(days=1), time.min))
    return Window(since, until, start, after, max(start, min(after, now)))


def default_window(today: date) -> tuple[date, date]:
    """Six calendar months to today: this month and the five before it."""
    month = today.replace(day=1)
    for _ in range(5):
        month = (month - timedelta(days=1)).replace(day=1)
    return month, today


@dataclass
class PodShare:
    pod_id: int
    name: str
    waiting_share: float
    waits: int


@dataclass
class FrictionReport:
    window: Window
    now: datetime
    nodes: list[figures.NodeFigures]
    pods: list[PodShare]
    trend: list[figures.MonthFigures]
    heat: dict[tuple[str, int], float]
    pod_names: dict[int, str]

    @property
    def waits(self) -> int:
        return sum(n.waits for n in self.nodes)

    @property
    def open(self) -> int:
        return sum(n.open for n in self.nodes)

    @property
    def pod_days_lost(self) -> float:
        return sum(n.pod_days_lost for n in self.nodes)


def friction_report(
    *,
    unit_ids: Iterable[int],
    since: date,
    until: date,
    kind: str = "",
    now: datetime | None = None,
) -> FrictionReport:
    """The §5 figures of these units' pods for the window, in two queries: the waits, then the
    pods (active ones, and any other that waited)."""
    now = now or timezone.now()
    window = friction_window(since=since, until=until, now=now)
    unit_ids = list(unit_ids)
    qs = Wait.objects.filter(
        Q(requested_at__gte=window.start)
        | Q(resolved_at__isnull=True)
        | Q(resolved_at__gt=window.start),
        pod__org_unit_id__in=unit_ids,
        requested_at__lt=window.requested_before,
    )
    if kind:
        qs = qs.filter(kind=kind)
    in_window: list[figures.WaitSpan] = []
    overlapping: list[figures.WaitSpan] = []
    local = timezone.get_current_timezone()  # months are the server's calendar months
    for pod_id, node, requested_at, resolved_at in qs.values_list(
        "pod_id", "node", "requested_at", "resolved_at"
    ).iterator(chunk_size=5000):
        span = figures.WaitSpan(pod_id, node, requested_at.astimezone(local), resolved_at)
        if requested_at >= window.start:
            in_window.append(span)
        overlapping.append(span)
    waiting = {w.pod for w in overlapping}
    pods = dict(
        Pod.objects.filter(
            Q(status=Pod.Status.ACTIVE) | Q(pk__in=waiting), org_unit_id__in=unit_ids
        )
        .order_by("name")
        .values_list("id", "name")
    )
    shares = figures.pod_shares(overlapping, start=window.start, end=window.end, now=now, pods=pods)
    counts: dict[int, int] = {}
    for w in in_window:
        counts[w.pod] = counts.get(w.pod, 0) + 1
    pod_rows = sorted(
        (
            PodShare(pk, pods.get(pk, f"Pod {pk}"), share, counts.get(pk, 0))
            for pk, share in shares.items()
        ),
        key=lambda p: (-p.waiting_share, p.name, p.pod_id),
    )
    return FrictionReport(
        window=window,
        now=now,
        nodes=figures.node_figures(in_window, now=now),
        pods=pod_rows,
        trend=figures.month_trend(in_window, months=window.months, now=now),
        heat=figures.node_pod_days(in_window, now=now),
        pod_names=pods,
    )


def query_day(params, name: str) -> date | None:
    raw = params.get(name)
    if not raw:
        return None
    try:
        return inputs.parse_day(raw, field=name)
    except ValueError as exc:
        raise inputs.InputRefused([f"{name}: {exc}"]) from None


def friction_scope(
    *, user: User | AnonymousUser, params: Mapping[str, str]
) -> tuple[list[int], date, date, str]:
    """The units (``unit`` slug and every unit below, or all the user leads), the window and
    the kind a radar request asks for; every bad parameter named (``InputRefused``), a unit
    the user does not lead is a 404."""
    permissions.require_org_lead(user)
    led = permissions.led_unit_ids(user)
    problems = []
    slug = params.get("unit") or ""
    unit_ids = sorted(led)
    if slug:
        unit = OrgUnit.objects.filter(slug=slug).only("id").first()
        if unit is None or unit.pk not in led:
            raise Http404("No such org unit.")
        unit_ids = sorted(units_below([unit.pk]) & led)
    default_since, default_until = default_window(clock.today())
    since = until = None
    for name in ("since", "until"):
        try:
            value = query_day(params, name)
        except inputs.InputRefused as exc:
            problems.extend(exc.problems)
            continue
        if name == "since":
            since = value or default_since
        else:
            until = value or default_until
    kind = params.get("kind") or ""
    if kind and kind not in Wait.Kind.values:
        problems.append(f"kind: {kind[:20]!r} is not one of {', '.join(Wait.Kind.values)}")
    if since and until and since > until:
        problems.append(f"since {since} is after until {until}")
    if problems:
        raise inputs.InputRefused(problems)
    return unit_ids, since, until, kind


def friction_nodes(
    *, unit_ids: Iterable[int], since: date, until: date, now: datetime | None = None
) -> list[figures.NodeFigures]:
    """Only the ranking of nodes (the dashboard's highlight): one query."""
    now = now or timezone.now()
    window = friction_window(since=since, until=until, now=now)
    rows = Wait.objects.filter(
        pod__org_unit_id__in=list(unit_ids),
        requested_at__gte=window.start,
        requested_at__lt=window.requested_before,
    ).values_list("pod_id", "node", "requested_at", "resolved_at")
    spans = [figures.WaitSpan(*row) for row in rows.iterator(chunk_size=5000)]
    return figures.node_figures(spans, now=now)


def node_waits(*, unit_ids: Iterable[int], node: str, window: Window, kind: str = ""):
    """The waits of one node in the window (a queryset, for a paginated list)."""
    qs = Wait.objects.filter(
        pod__org_unit_id__in=list(unit_ids),
        node=node,
        requested_at__gte=window.start,
        requested_at__lt=window.requested_before,
    ).select_related("pod")
    if kind:
        qs = qs.filter(kind=kind)
    return qs.order_by("-requested_at", "-id")


def known_nodes(*, unit_ids: Iterable[int], limit: int = 200) -> list[str]:
    """Node names already used in these units, most used first (the form's suggestions)."""
    return list(
        Wait.objects.filter(pod__org_unit_id__in=list(unit_ids))
        .values("node")
        .annotate(n=Count("id"))
        .order_by("-n", "node")
        .values_list("node", flat=True)[:limit]
    )
