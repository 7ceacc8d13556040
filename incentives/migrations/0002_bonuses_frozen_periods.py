"""Approved and locked periods never change, enforced by the database too.

Triggers refuse INSERT/UPDATE/DELETE of PodResult and Payout rows of an approved or locked
period, and any change to such a period's row except approved → locked (nor its deletion).

The one way through is the admin-only reset (``services.periods_delete_for_reset``, used by
the demo reset): it inserts a row into ``incentives_reset_token`` and deletes it again inside
its own transaction, so no other session ever sees it.
"""

from django.db import migrations

FROZEN = "('approved', 'locked')"
TOKEN = "EXISTS (SELECT 1 FROM incentives_reset_token)"

PG_UP = [
    "CREATE TABLE incentives_reset_token (id integer PRIMARY KEY)",
    f"""CREATE OR REPLACE FUNCTION incentives_frozen_rows() RETURNS trigger AS $$
    DECLARE st text;
    BEGIN
      IF {TOKEN} THEN
        IF TG_OP = 'DELETE' THEN RETURN OLD; END IF;
        RETURN NEW;
      END IF;
      IF TG_OP <> 'INSERT' THEN
        SELECT status INTO st FROM incentives_incentiveperiod WHERE id = OLD.period_id;
        IF st IN {FROZEN} THEN
          RAISE EXCEPTION 'period_frozen: % rows of an % period cannot change', TG_TABLE_NAME, st;
        END IF;
      END IF;
      IF TG_OP <> 'DELETE' THEN
        SELECT status INTO st FROM incentives_incentiveperiod WHERE id = NEW.period_id;
        IF st IN {FROZEN} THEN
          RAISE EXCEPTION 'period_frozen: % rows of an % period cannot change', TG_TABLE_NAME, st;
        END IF;
        RETURN NEW;
      END IF;
      RETURN OLD;
    END $$ LANGUAGE plpgsql""",
    """CREATE TRIGGER payout_frozen BEFORE INSERT OR UPDATE OR DELETE ON incentives_payout
       FOR EACH ROW EXECUTE FUNCTION incentives_frozen_rows()""",
    """CREATE TRIGGER podresult_frozen BEFORE INSERT OR UPDATE OR DELETE ON incentives_podresult
       FOR EACH ROW EXECUTE FUNCTION incentives_frozen_rows()""",
    f"""CREATE OR REPLACE FUNCTION incentives_frozen_period() RETURNS trigger AS $$
    BEGIN
      IF {TOKEN} OR OLD.status NOT IN {FROZEN} THEN
        IF TG_OP = 'DELETE' THEN RETURN OLD; END IF;
        RETURN NEW;
      END IF;
      IF TG_OP = 'UPDATE' AND NEW.month = OLD.month AND NEW.org_unit_id = OLD.org_unit_id
         AND NEW.plan_id = OLD.plan_id AND NEW.totals = OLD.totals
         AND NEW.approved_at IS NOT DISTINCT FROM OLD.approved_at
         AND ((OLD.status = 'approved' AND NEW.status = 'locked')
              -- the approver's account was deleted (ON DELETE SET NULL)
              OR (NEW.status = OLD.status AND NEW.approved_by_id IS NULL
                  AND NEW.locked_at IS NOT DISTINCT FROM OLD.locked_at)) THEN
        RETURN NEW;
      END IF;
      RAISE EXCEPTION 'period_frozen: an % period cannot change (only approved -> locked)',
        OLD.status;
    END $$ LANGUAGE plpgsql""",
    """CREATE TRIGGER period_frozen BEFORE UPDATE OR DELETE ON incentives_incentiveperiod
       FOR EACH ROW EXECUTE FUNCTION incentives_frozen_period()""",
]
PG_DOWN = [
    "DROP TRIGGER IF EXISTS payout_frozen ON incentives_payout",
    "DROP TRIGGER IF EXISTS podresult_frozen ON incentives_podresult",
    "DROP TRIGGER IF EXISTS period_frozen ON incentives_incentiveperiod",
    "DROP FUNCTION IF EXISTS incentives_frozen_rows()",
    "DROP FUNCTION IF EXISTS incentives_frozen_period()",
    "DROP TABLE IF EXISTS incentives_reset_token",
]


def _status(ref: str) -> str:
    return f"(SELECT status FROM incentives_incentiveperiod WHERE id = {ref})"


def _abort(what: str) -> str:
    return f"BEGIN SELECT RAISE(ABORT, 'period_frozen: {what}'); END"


SQLITE_UP = ["CREATE TABLE incentives_reset_token (id integer PRIMARY KEY)"]
for _table in ("payout", "podresult"):
    _name = f"incentives_{_table}"
    _msg = f"{_table} rows of an approved or locked period cannot change"
    SQLITE_UP += [
        f"""CREATE TRIGGER {_table}_frozen_insert BEFORE INSERT ON {_name}
            WHEN NOT {TOKEN} AND {_status("NEW.period_id")} IN {FROZEN} {_abort(_msg)}""",
        f"""CREATE TRIGGER {_table}_frozen_update BEFORE UPDATE ON {_name}
            WHEN NOT {TOKEN} AND ({_status("OLD.period_id")} IN {FROZEN}
                                  OR {_status("NEW.period_id")} IN {FROZEN}) {_abort(_msg)}""",
        f"""CREATE TRIGGER {_table}_frozen_delete BEFORE DELETE ON {_name}
            WHEN NOT {TOKEN} AND {_status("OLD.period_id")} IN {FROZEN} {_abort(_msg)}""",
    ]
SQLITE_UP += [
    f"""CREATE TRIGGER period_frozen_update BEFORE UPDATE ON incentives_incentiveperiod
        WHEN NOT {TOKEN} AND OLD.status IN {FROZEN} AND NOT (
            NEW.month = OLD.month AND NEW.org_unit_id = OLD.org_unit_id
            AND NEW.plan_id = OLD.plan_id AND NEW.totals = OLD.totals
            AND NEW.approved_at IS OLD.approved_at
            AND ((OLD.status = 'approved' AND NEW.status = 'locked')
                 OR (NEW.status = OLD.status AND NEW.approved_by_id IS NULL
                     AND NEW.locked_at IS OLD.locked_at)))
        {_abort("an approved or locked period cannot change (only approved -> locked)")}""",
    f"""CREATE TRIGGER period_frozen_delete BEFORE DELETE ON incentives_incentiveperiod
        WHEN NOT {TOKEN} AND OLD.status IN {FROZEN}
        {_abort("an approved or locked period cannot be deleted")}""",
]
SQLITE_DOWN = [
    *(
        f"DROP TRIGGER IF EXISTS {t}_frozen_{op}"
        for t in ("payout", "podresult")
        for op in ("insert", "update", "delete")
    ),
    "DROP TRIGGER IF EXISTS period_frozen_update",
    "DROP TRIGGER IF EXISTS period_frozen_delete",
    "DROP TABLE IF EXISTS incentives_reset_token",
]


def _run(statements_by_vendor):
    def run(apps, schema_editor):
        # A cursor without parameters: the plpgsql bodies contain literal '%' placeholders.
        with schema_editor.connection.cursor() as cursor:
            for sql in statements_by_vendor.get(schema_editor.connection.vendor, []):
                cursor.execute(sql)

    return run


class Migration(migrations.Migration):
    dependencies = [("incentives", "0001_initial")]

    operations = [
        migrations.RunPython(
            _run({"postgresql": PG_UP, "sqlite": SQLITE_UP}),
            _run({"postgresql": PG_DOWN, "sqlite": SQLITE_DOWN}),
        )
    ]
