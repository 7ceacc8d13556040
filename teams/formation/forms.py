"""The inputs of a formation run, validated with messages that name the field and the line."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from django import forms
from django.core.exceptions import ValidationError

from teams.formation.engine import feasible_pod_counts
from teams.formation.services import POOL_EVERYONE, POOL_UNPODDED, pool_people, unit_tree_ids
from teams.inputs import DecimalInput
from teams.models import OrgUnit, Person, Pod
from teams.numbers import NumberError, parse_decimal
from teams.traits import COVERAGE_THRESHOLD, TRAIT_LABELS, TRAITS

PAIR_HELP = "Or paste one pair per line: two email addresses separated by a comma."
# Each picker posts its chips as hidden `<field>_pick` values: "person id,person id" for pairs,
# "person id,pod id" for pins.
PICKS = ("together", "apart", "requested", "pins")
# Mission rows post as missions-<n>-name, -goal, -baseline, -trait, -level (the API sends a list).
MISSION_FIELDS = ("name", "goal", "baseline", "trait", "level")
MAX_MISSIONS = 200
BLANK_MISSION_ROWS = 3
_MISSION_KEY = re.compile(r"^missions-(\d+)-(?:name|goal|baseline|trait|level)$")


class PicksField(forms.Field):
    """The hidden values of a picker's chips, as a list of strings."""

    widget = forms.MultipleHiddenInput

    def to_python(self, value) -> list[str]:
        if not value:
            return []
        if isinstance(value, str):
            return [value]
        return [str(v) for v in value]


@dataclass
class _Directory:
    """Who a run's inputs may name: the unit tree's people and active pods, and the pool."""

    unit: OrgUnit
    pool: str
    people: dict[int, tuple[str, str]]  # pk -> (name, email)
    in_pool: set[int]
    pods: dict[int, str]
    blocked: dict[int, str]  # pk -> why they are never in a pool
    by_email: dict[str, int] = field(init=False)

    def __post_init__(self) -> None:
        self.by_email = {email.lower(): pk for pk, (_, email) in self.people.items()}

    def name(self, pk: int) -> str:
        return self.people[pk][0] if pk in self.people else f"person {pk}"

    def person_problem(self, pk: int) -> str | None:
        """Why this person cannot be named in this run's constraints, if they cannot."""
        if pk not in self.people:
            return f"no one in {self.unit.name} has the number {pk}"
        if pk in self.in_pool:
            return None
        why = self.blocked.get(pk, "already in a pod; choose “Re-form everyone” to include them")
        return f"{self.name(pk)} is not in this pool ({why})"


class FormationRunForm(forms.Form):
    org_unit = forms.ModelChoiceField(queryset=OrgUnit.objects.none(), label="Org unit")
    pool = forms.ChoiceField(
        choices=[
            (POOL_UNPODDED, "Only people not in a pod"),
            (POOL_EVERYONE, "Re-form everyone in the unit"),
        ],
        initial=POOL_UNPODDED,
        widget=forms.RadioSelect,
    )
    min_size = forms.IntegerField(min_value=1, max_value=12, initial=3, label="Smallest pod")
    max_size = forms.IntegerField(min_value=1, max_value=12, initial=5, label="Largest pod")
    threshold = forms.IntegerField(
        min_value=1,
        max_value=100,
        initial=COVERAGE_THRESHOLD,
        label="Coverage threshold τ",
        help_text="A pod covers a trait when one member scores at least this much.",
    )
    max_per_unit = forms.IntegerField(
        min_value=1, required=False, label="At most this many people of one org unit per pod"
    )
    stability = forms.FloatField(
        min_value=0,
        initial=0,
        required=False,
        label="Stability weight μ",
        help_text="When re-forming: the objective loses μ per person moved from their current pod.",
    )
    one_lead_per_pod = forms.BooleanField(
        initial=True, required=False, label="At most one Pod Lead per pod"
    )
    together = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 2}),
        required=False,
        label="Keep together",
        help_text=PAIR_HELP,
    )
    apart = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 2}),
        required=False,
        label="Keep apart",
        help_text=PAIR_HELP,
    )
    pins = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 2}),
        required=False,
        label="Pin to an existing pod",
        help_text="Or paste one per line: an email, a comma, then the pod's name or number.",
    )
    requested = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 2}),
        required=False,
        label="Requested teammates (a wish)",
        help_text=PAIR_HELP,
    )
    together_pick = PicksField(required=False)
    apart_pick = PicksField(required=False)
    requested_pick = PicksField(required=False)
    pins_pick = PicksField(required=False)
    avoid_repeats = forms.BooleanField(
        required=False, initial=False, label="Avoid repeating current pairings (a wish)"
    )
    new_teammates = forms.BooleanField(
        required=False,
        initial=False,
        label="New teammates for everyone (a wish)",
        help_text="When re-forming: people who share a pod now would rather not share the new one.",
    )
    min_shared_hours = forms.FloatField(
        min_value=0,
        max_value=8,
        required=False,
        label="Minimum shared working hours (a wish)",
        help_text="Across time zones, 9:00–17:00 local.",
    )
    pods = forms.IntegerField(
        min_value=1,
        max_value=10_000,
        required=False,
        label="Number of pods",
        help_text="Leave empty to let the optimiser choose, or list missions below: one pod each.",
    )
    seed = forms.IntegerField(min_value=0, initial=1, label="Seed")
    time_limit = forms.IntegerField(
        min_value=1, max_value=300, initial=10, label="Time limit (seconds)"
    )

    def __init__(self, *args, units, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["org_unit"].queryset = units
        # The people picked so far, as chips to show again when the form comes back with errors.
        self.chips: dict[str, list[dict]] = {name: [] for name in PICKS}
        self.mission_rows = self._mission_rows()
        self.mission_errors: list[str] = []

    def _mission_rows(self) -> list[dict]:
        """The mission rows as posted (the page's rows, or the API's list), blanks included,
        for validating and for showing again."""
        data = self.data or {}
        listed = data.get("missions") if hasattr(data, "get") else None
        if isinstance(listed, list):
            rows = [
                {f: "" if (row or {}).get(f) is None else str(row.get(f)) for f in MISSION_FIELDS}
                if isinstance(row, dict)
                else {"name": str(row)}
                for row in listed
            ]
        else:
            found = {int(m.group(1)) for key in data if (m := _MISSION_KEY.match(str(key)))}
            numbers = sorted(found)[: MAX_MISSIONS + 1]
            rows = [
                {f: str(data.get(f"missions-{n}-{f}", "")).strip() for f in MISSION_FIELDS}
                for n in numbers
            ]
        if not self.is_bound:
            rows = []
        return rows + [dict.fromkeys(MISSION_FIELDS, "")] * max(
            0, BLANK_MISSION_ROWS - sum(1 for r in rows if any(r.values()))
        )

    def _missions(self) -> list[dict]:
        """The missions given, each checked; problems go to `mission_errors` naming the row."""
        missions: list[dict] = []
        errors: list[str] = []
        seen: dict[str, int] = {}
        rows = [r for r in self.mission_rows if any(str(v).strip() for v in r.values())]
        if len(rows) > MAX_MISSIONS:
            errors.append(f"At most {MAX_MISSIONS} missions in one run; this one has {len(rows)}.")
            rows = rows[:MAX_MISSIONS]
        for n, row in enumerate(rows, start=1):
            name = str(row.get("name", "")).strip()
            where = f"Mission {n}" + (f" ({name})" if name else "")
            if not name:
                errors.append(f"{where}: give it a name.")
                continue
            if len(name) > 120:
                errors.append(f"{where}: a name has at most 120 characters.")
                continue
            if name.lower() in seen:
                errors.append(
                    f"{where}: “{name}” is listed twice (mission {seen[name.lower()]}); "
                    "give each mission its own name."
                )
                continue
            seen[name.lower()] = n
            baseline = str(row.get("baseline", "")).strip()
            if baseline:
                try:
                    baseline = str(
                        parse_decimal(
                            baseline,
                            field="baseline headcount",
                            places=2,
                            integer_digits=4,
                            minimum=0,
                        )
                    )
                except NumberError as exc:
                    errors.append(f"{where}: {exc.message}.")
                    continue
            trait = str(row.get("trait", "")).strip()
            level_raw = str(row.get("level", "")).strip()
            if trait and trait not in TRAITS:
                errors.append(f"{where}: there is no trait “{trait}”.")
                continue
            level = None
            if level_raw:
                if not level_raw.isdigit() or not 1 <= int(level_raw) <= 100:
                    errors.append(f"{where}: the required level must be a whole number 1–100.")
                    continue
                level = int(level_raw)
            if trait and level is None:
                errors.append(f"{where}: give the level (1–100) {TRAIT_LABELS[trait]} must reach.")
                continue
            if level is not None and not trait:
                errors.append(f"{where}: say which trait must reach {level}.")
                continue
            missions.append(
                {
                    "name": name,
                    "goal": str(row.get("goal", "")).strip()[:2000],
                    "baseline": baseline,
                    "trait": trait,
                    "level": level,
                }
            )
        self.mission_errors = errors
        return missions

    def _check_pod_count(self, data: dict, unit: OrgUnit, pool: str) -> None:
        """The pods asked for fit the pool, and each required trait level has people to hold it."""
        missions, pods = data["missions"], data.get("pods")
        if missions and pods and pods != len(missions):
            self.add_error(
                "pods",
                f"{pods} pods but {len(missions)} missions: leave the number of pods empty "
                "(one pod per mission) or make the two agree.",
            )
            return
        k = len(missions) or pods
        low, high = data.get("min_size"), data.get("max_size")
        d = self._directory(unit, pool)
        n = len(d.in_pool)
        if k and low and high and n:
            ks = feasible_pod_counts(n, low, high)
            if ks and k not in ks:
                what = (
                    f"{k} mission{'s' if k != 1 else ''}"
                    if missions
                    else f"{k} pod{'s' if k != 1 else ''}"
                )
                self.add_error(
                    None if missions else "pods",
                    f"The pool has {n} people: pods of {low}–{high} make {ks[0]}–{ks[-1]} pods, "
                    f"so {what} cannot each have a pod of that size.",
                )
        needs = [m for m in missions if m["trait"]]
        if not needs:
            return
        scores = list(
            pool_people(org_unit=unit, pool=pool).values_list(*[f"profile__{t}" for t in TRAITS])
        )
        for trait in TRAITS:
            t = TRAITS.index(trait)
            asking = sorted((m for m in needs if m["trait"] == trait), key=lambda m: -m["level"])
            for j, mission in enumerate(asking, start=1):
                holders = sum(
                    1 for row in scores if row[t] is not None and row[t] >= mission["level"]
                )
                if holders < j:
                    label = TRAIT_LABELS[trait]
                    self.mission_errors.append(
                        f"{mission['name']} asks for {label} ≥ {mission['level']}, but "
                        + (
                            "no one in the pool scores that."
                            if holders == 0
                            else f"{j} missions ask for it and only {holders} "
                            f"{'person' if holders == 1 else 'people'} in the pool "
                            f"score{'s' if holders == 1 else ''} that."
                        )
                    )
                    break

    def _directory(self, unit: OrgUnit, pool: str) -> _Directory:
        if not hasattr(self, "_dir_cache"):
            people = {}
            blocked = {}
            rows = Person.objects.filter(org_unit_id__in=unit_tree_ids(unit)).values_list(
                "pk", "name", "email", "is_active", "profile__id"
            )
            for pk, name, email, active, profile in rows:
                people[pk] = (name, email)
                if not active:
                    blocked[pk] = "no longer active"
                elif profile is None:
                    blocked[pk] = "no assessment yet"
            in_pool = set(pool_people(org_unit=unit, pool=pool).values_list("pk", flat=True))
            pods = dict(
                Pod.objects.filter(
                    org_unit_id__in=unit_tree_ids(unit), status=Pod.Status.ACTIVE
                ).values_list("pk", "name")
            )
            self._dir_cache = _Directory(unit, pool, people, in_pool, pods, blocked)
        return self._dir_cache

    def _pairs(self, field: str, unit: OrgUnit, pool: str) -> list[list[str]]:
        """Pairs from the pickers (`<field>_pick`, "id,id") and the pasted lines of emails."""
        d = self._directory(unit, pool)
        pairs: list[list[str]] = []
        errors: list[str] = []
        for value in self.cleaned_data.get(f"{field}_pick") or []:
            x, _, y = str(value).partition(",")
            if not (x.strip().isdigit() and y.strip().isdigit()):
                errors.append(f"“{value}” is not a pair of people")
                continue
            a, b = int(x), int(y)
            problem = d.person_problem(a) or d.person_problem(b)
            if problem is None and a == b:
                problem = f"{d.name(a)} is paired with themselves"
            if problem:
                errors.append(problem)
                continue
            pairs.append([str(a), str(b)])
            self.chips[field].append({"value": f"{a},{b}", "label": f"{d.name(a)} and {d.name(b)}"})
        for n, line in enumerate(self.cleaned_data.get(field, "").splitlines(), start=1):
            if not line.strip():
                continue
            parts = [p.strip().lower() for p in line.split(",")]
            if len(parts) != 2 or not all(parts):
                errors.append(
                    f"line {n}: expected two emails separated by a comma, got “{line.strip()}”"
                )
                continue
            if parts[0] == parts[1]:
                errors.append(f"line {n}: the two emails are the same person")
                continue
            unknown = [p for p in parts if p not in d.by_email]
            if unknown:
                errors.append(f"line {n}: no one in {unit.name} has the email {unknown[0]}")
                continue
            a, b = d.by_email[parts[0]], d.by_email[parts[1]]
            problem = d.person_problem(a) or d.person_problem(b)
            if problem:
                errors.append(f"line {n}: {problem}")
                continue
            pairs.append([str(a), str(b)])
        if errors:
            self.add_error(field, errors)
        unique: dict[tuple[str, str], list[str]] = {}
        for pair in pairs:
            unique.setdefault(tuple(sorted(pair)), pair)
        return list(unique.values())

    def _pins(self, unit: OrgUnit, pool: str) -> dict[str, str]:
        d = self._directory(unit, pool)
        by_name = {name.lower(): pk for pk, name in d.pods.items()}
        pins: dict[str, str] = {}
        errors: list[str] = []

        def pin(pk: int, pod: int, where: str) -> None:
            earlier = pins.get(str(pk))
            if earlier and earlier != f"pod:{pod}":
                errors.append(
                    f"{where}{d.name(pk)} is pinned to both {d.pods[int(earlier[4:])]} and "
                    f"{d.pods[pod]}"
                )
            pins[str(pk)] = f"pod:{pod}"

        for value in self.cleaned_data.get("pins_pick") or []:
            x, _, y = str(value).partition(",")
            if not (x.strip().isdigit() and y.strip().isdigit()):
                errors.append(f"“{value}” is not a person and a pod")
                continue
            pk, pod = int(x), int(y)
            problem = d.person_problem(pk)
            if problem is None and pod not in d.pods:
                problem = f"no active pod with number {pod} in {unit.name}"
            if problem:
                errors.append(problem)
                continue
            pin(pk, pod, "")
            self.chips["pins"].append(
                {"value": f"{pk},{pod}", "label": f"{d.name(pk)} in {d.pods[pod]}"}
            )
        for n, line in enumerate(self.cleaned_data.get("pins", "").splitlines(), start=1):
            if not line.strip():
                continue
            email, _, pod = (part.strip() for part in line.partition(","))
            if not email or not pod:
                errors.append(
                    f"line {n}: expected an email, a comma and a pod, got “{line.strip()}”"
                )
                continue
            if email.lower() not in d.by_email:
                errors.append(f"line {n}: no one in {unit.name} has the email {email}")
                continue
            pk = d.by_email[email.lower()]
            problem = d.person_problem(pk)
            if problem:
                errors.append(f"line {n}: {problem}")
                continue
            pod_pk = (int(pod) if pod.isdigit() and int(pod) in d.pods else None) or by_name.get(
                pod.lower()
            )
            if pod_pk is None:
                errors.append(f"line {n}: no active pod “{pod}” in {unit.name}")
                continue
            pin(pk, pod_pk, f"line {n}: ")
        if errors:
            self.add_error("pins", errors)
        return pins

    def clean(self) -> dict:
        data = super().clean()
        low, high = data.get("min_size"), data.get("max_size")
        if low and high and low > high:
            self.add_error(
                "max_size", f"The largest pod ({high}) is smaller than the smallest ({low})."
            )
        unit = data.get("org_unit")
        if unit is None:
            return data
        pool = data.get("pool") or POOL_UNPODDED
        data["together_ids"] = self._pairs("together", unit, pool)
        data["apart_ids"] = self._pairs("apart", unit, pool)
        data["requested_ids"] = self._pairs("requested", unit, pool)
        data["pinned_ids"] = self._pins(unit, pool)
        data["missions"] = self._missions()
        if not self.mission_errors:
            self._check_pod_count(data, unit, pool)
        if self.mission_errors:
            self.add_error(None, ValidationError(self.mission_errors, code="missions"))
        clash = {tuple(sorted(p)) for p in data["together_ids"]} & {
            tuple(sorted(p)) for p in data["apart_ids"]
        }
        if clash:
            d = self._directory(unit, pool)
            raise ValidationError(
                [
                    f"{d.name(int(a))} and {d.name(int(b))} are both kept together and kept "
                    "apart: keep one of the two."
                    for a, b in sorted(clash)
                ]
            )
        return data

    def params(self) -> dict:
        """The run's inputs as stored on FormationRun.params (plain JSON)."""
        d = self.cleaned_data
        return {
            "pool": d["pool"],
            "min_size": d["min_size"],
            "max_size": d["max_size"],
            "threshold": d["threshold"],
            "max_per_unit": d.get("max_per_unit"),
            "stability": float(d.get("stability") or 0),
            "one_lead_per_pod": bool(d.get("one_lead_per_pod")),
            "together": d["together_ids"],
            "apart": d["apart_ids"],
            "pinned": d["pinned_ids"],
            "requested": d["requested_ids"],
            "avoid_repeats": bool(d.get("avoid_repeats")),
            "new_teammates": bool(d.get("new_teammates")),
            "min_shared_hours": d.get("min_shared_hours"),
            "pods": d.get("pods"),
            "missions": d.get("missions", []),
            "seed": d["seed"],
            "time_limit": d["time_limit"],
        }


class AcceptForm(forms.Form):
    baseline_headcount = DecimalInput(
        min_value=0,
        max_digits=6,
        decimal_places=2,
        initial=0,
        label="Baseline headcount for the new pods",
        help_text="The size of the traditional team each pod replaces (editable per pod later).",
    )
    name_prefix = forms.CharField(
        max_length=80,
        required=False,
        label="Name the pods",
        help_text="e.g. “Growth Q1” gives “Growth Q1 · pod 1”, …",
    )


class ProposedPodForm(forms.Form):
    """A proposed pod's charter and Pod Lead, set in the review before accepting."""

    name = forms.CharField(max_length=120, required=False, label="Pod name")
    goal = forms.CharField(
        max_length=2000, required=False, widget=forms.Textarea(attrs={"rows": 2}), label="Goal"
    )
    baseline = DecimalInput(
        min_value=0,
        max_digits=6,
        decimal_places=2,
        required=False,
        label="Baseline headcount",
        help_text="The size of the traditional team this pod replaces.",
    )
    lead = forms.CharField(required=False, max_length=20, label="Pod Lead")
