"""Append-only money: every column of an approved or locked period, its rows, and the audit log.

0002 froze a period's status, month, unit, plan, totals and approval time, but still let
``approved_by_id``, ``computed_at`` and ``locked_at`` move. From here on:

- an approved or locked period's row never changes, except approved → locked (``status`` and
  ``locked_at``, nothing else), and is never deleted;
- its pod results and payouts are never inserted, changed or deleted (as in 0002; the messages
  now name the period);
- audit entries are append-only: no UPDATE, no DELETE, whatever the period.

Two ways through, each a row that lives inside one transaction only (no other session sees it):

- ``incentives_reset_token`` (0002): the admin-only demo reset and SQLite test flushes.
- ``incentives_account_deletion``: while Django deletes a user account, between its pre_delete
  and post_delete signals (``incentives.bonuses.immutability``), the ORM's ON DELETE SET NULL
  may clear that one user from ``approved_by_id`` / ``actor_id``, with every other column equal.

PostgreSQL compares whole rows (``to_jsonb``), so a column added later is frozen too. SQLite
lists the columns: a later migration that adds a column to these tables (or makes SQLite
rebuild them, which drops their triggers) must recreate these triggers; the trigger tests walk
every model field to catch it. SQLite's RAISE takes a literal only, so its messages cannot
name the period.
"""

import importlib

from django.db import migrations

# The down direction puts 0002's function bodies and triggers back as they were.
_0002 = importlib.import_module("incentives.migrations.0002_bonuses_frozen_periods")

FROZEN = "('approved', 'locked')"
TOKEN = "EXISTS (SELECT 1 FROM incentives_reset_token)"
PERIOD_COLUMNS = (
    "id",
    "plan_id",
    "org_unit_id",
    "month",
    "status",
    "computed_at",
    "approved_by_id",
    "approved_at",
    "locked_at",
    "totals",
)
AUDIT_COLUMNS = ("id", "at", "actor_id", "action", "period_id", "data")


def _account_deleted(ref: str) -> str:
    return (
        f"({ref} IS NOT NULL AND EXISTS "
        f"(SELECT 1 FROM incentives_account_deletion WHERE user_id = {ref}))"
    )


def _pg_same_but(*columns: str) -> str:
    drop = "".join(f" - '{c}'" for c in columns)
    return f"to_jsonb(NEW){drop} = to_jsonb(OLD){drop}"


REFUSE = "USING ERRCODE = 'restrict_violation'"

PG_UP = [
    "CREATE TABLE incentives_account_deletion (user_id integer PRIMARY KEY)",
    f"""CREATE OR REPLACE FUNCTION incentives_frozen_rows() RETURNS trigger AS $$
    DECLARE
      st text;
      what text := CASE TG_TABLE_NAME WHEN 'incentives_payout' THEN 'payouts'
                                      ELSE 'pod results' END;
    BEGIN
      IF {TOKEN} THEN
        IF TG_OP = 'DELETE' THEN RETURN OLD; END IF;
        RETURN NEW;
      END IF;
      IF TG_OP <> 'INSERT' THEN
        SELECT status INTO st FROM incentives_incentiveperiod WHERE id = OLD.period_id;
        IF st IN {FROZEN} THEN
          RAISE EXCEPTION 'period_frozen: % period % is frozen: its % cannot change',
            st, OLD.period_id, what {REFUSE};
        END IF;
      END IF;
      IF TG_OP <> 'DELETE' THEN
        SELECT status INTO st FROM incentives_incentiveperiod WHERE id = NEW.period_id;
        IF st IN {FROZEN} THEN
          RAISE EXCEPTION 'period_frozen: % period % is frozen: its % cannot change',
            st, NEW.period_id, what {REFUSE};
        END IF;
        RETURN NEW;
      END IF;
      RETURN OLD;
    END $$ LANGUAGE plpgsql""",
    f"""CREATE OR REPLACE FUNCTION incentives_frozen_period() RETURNS trigger AS $$
    BEGIN
      IF {TOKEN} OR OLD.status NOT IN {FROZEN} THEN
        IF TG_OP = 'DELETE' THEN RETURN OLD; END IF;
        RETURN NEW;
      END IF;
      IF TG_OP = 'DELETE' THEN
        RAISE EXCEPTION 'period_frozen: % period % is frozen: it cannot be deleted',
          OLD.status, OLD.id {REFUSE};
      END IF;
      IF OLD.status = 'approved' AND NEW.status = 'locked' AND NEW.locked_at IS NOT NULL
         AND {_pg_same_but("status", "locked_at")} THEN
        RETURN NEW;
      END IF;
      IF {_account_deleted("OLD.approved_by_id")} AND NEW.approved_by_id IS NULL
         AND {_pg_same_but("approved_by_id")} THEN
        RETURN NEW;
      END IF;
      RAISE EXCEPTION
        'period_frozen: % period % is frozen: only approved -> locked (status, locked_at) may change it',
        OLD.status, OLD.id {REFUSE};
    END $$ LANGUAGE plpgsql""",
    f"""CREATE FUNCTION incentives_audit_append_only() RETURNS trigger AS $$
    BEGIN
      IF {TOKEN} THEN
        IF TG_OP = 'DELETE' THEN RETURN OLD; END IF;
        RETURN NEW;
      END IF;
      IF TG_OP = 'UPDATE' AND {_account_deleted("OLD.actor_id")} AND NEW.actor_id IS NULL
         AND {_pg_same_but("actor_id")} THEN
        RETURN NEW;
      END IF;
      RAISE EXCEPTION 'audit_append_only: audit entry % cannot be %: the audit log is append-only',
        OLD.id, CASE TG_OP WHEN 'DELETE' THEN 'deleted' ELSE 'changed' END {REFUSE};
    END $$ LANGUAGE plpgsql""",
    """CREATE TRIGGER auditentry_append_only BEFORE UPDATE OR DELETE ON incentives_auditentry
       FOR EACH ROW EXECUTE FUNCTION incentives_audit_append_only()""",
]
PG_DOWN = [
    "DROP TRIGGER IF EXISTS auditentry_append_only ON incentives_auditentry",
    "DROP FUNCTION IF EXISTS incentives_audit_append_only()",
    "DROP TABLE IF EXISTS incentives_account_deletion",
    # 0002's triggers call these functions by name and stay.
    *(s for s in _0002.PG_UP if s.startswith("CREATE OR REPLACE FUNCTION")),
]


def _sqlite_same_but(columns: tuple[str, ...], *but: str) -> str:
    return " AND ".join(f"NEW.{c} IS OLD.{c}" for c in columns if c not in but)


def _status(ref: str) -> str:
    return f"(SELECT status FROM incentives_incentiveperiod WHERE id = {ref})"


def _abort(tag: str, what: str) -> str:
    return f"BEGIN SELECT RAISE(ABORT, '{tag}: {what}'); END"


FROZEN_PERIOD = "an approved or locked period is frozen"
SQLITE_UP = ["CREATE TABLE incentives_account_deletion (user_id integer PRIMARY KEY)"]
SQLITE_TRIGGERS = []
for _table, _what in (("payout", "payouts"), ("podresult", "pod results")):
    _name = f"incentives_{_table}"
    _msg = f"{FROZEN_PERIOD}: its {_what} cannot change"
    SQLITE_TRIGGERS += [
        (
            f"{_table}_frozen_insert",
            f"""BEFORE INSERT ON {_name}
            WHEN NOT {TOKEN} AND {_status("NEW.period_id")} IN {FROZEN}
            {_abort("period_frozen", _msg)}""",
        ),
        (
            f"{_table}_frozen_update",
            f"""BEFORE UPDATE ON {_name}
            WHEN NOT {TOKEN} AND ({_status("OLD.period_id")} IN {FROZEN}
                                  OR {_status("NEW.period_id")} IN {FROZEN})
            {_abort("period_frozen", _msg)}""",
        ),
        (
            f"{_table}_frozen_delete",
            f"""BEFORE DELETE ON {_name}
            WHEN NOT {TOKEN} AND {_status("OLD.period_id")} IN {FROZEN}
            {_abort("period_frozen", _msg)}""",
        ),
    ]
SQLITE_TRIGGERS += [
    (
        "period_frozen_update",
        f"""BEFORE UPDATE ON incentives_incentiveperiod
        WHEN NOT {TOKEN} AND OLD.status IN {FROZEN} AND NOT (
            (OLD.status = 'approved' AND NEW.status = 'locked' AND NEW.locked_at IS NOT NULL
             AND {_sqlite_same_but(PERIOD_COLUMNS, "status", "locked_at")})
            OR ({_account_deleted("OLD.approved_by_id")} AND NEW.approved_by_id IS NULL
                AND {_sqlite_same_but(PERIOD_COLUMNS, "approved_by_id")}))
        {_abort("period_frozen", f"{FROZEN_PERIOD}: only approved -> locked (status, locked_at) may change it")}""",
    ),
    (
        "period_frozen_delete",
        f"""BEFORE DELETE ON incentives_incentiveperiod
        WHEN NOT {TOKEN} AND OLD.status IN {FROZEN}
        {_abort("period_frozen", f"{FROZEN_PERIOD}: it cannot be deleted")}""",
    ),
    (
        "auditentry_append_only_update",
        f"""BEFORE UPDATE ON incentives_auditentry
        WHEN NOT {TOKEN} AND NOT (
            {_account_deleted("OLD.actor_id")} AND NEW.actor_id IS NULL
            AND {_sqlite_same_but(AUDIT_COLUMNS, "actor_id")})
        {_abort("audit_append_only", "audit entries cannot be changed: the audit log is append-only")}""",
    ),
    (
        "auditentry_append_only_delete",
        f"""BEFORE DELETE ON incentives_auditentry
        WHEN NOT {TOKEN}
        {_abort("audit_append_only", "audit entries cannot be deleted: the audit log is append-only")}""",
    ),
]
SQLITE_UP += [f"DROP TRIGGER IF EXISTS {name}" for name, _ in SQLITE_TRIGGERS]
SQLITE_UP += [f"CREATE TRIGGER {name} {body}" for name, body in SQLITE_TRIGGERS]
SQLITE_DOWN = [
    *(f"DROP TRIGGER IF EXISTS {name}" for name, _ in SQLITE_TRIGGERS),
    "DROP TABLE IF EXISTS incentives_account_deletion",
    *(s for s in _0002.SQLITE_UP if s.startswith("CREATE TRIGGER")),
]


def _run(statements_by_vendor):
    def run(apps, schema_editor):
        # A cursor without parameters: the plpgsql bodies contain literal '%' placeholders.
        with schema_editor.connection.cursor() as cursor:
            for sql in statements_by_vendor.get(schema_editor.connection.vendor, []):
                cursor.execute(sql)

    return run


class Migration(migrations.Migration):
    dependencies = [("incentives", "0002_bonuses_frozen_periods")]

    operations = [
        migrations.RunPython(
            _run({"postgresql": PG_UP, "sqlite": SQLITE_UP}),
            _run({"postgresql": PG_DOWN, "sqlite": SQLITE_DOWN}),
        )
    ]
