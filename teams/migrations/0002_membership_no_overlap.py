"""No overlapping membership of one person in one pod, enforced by the database.

PostgreSQL: an exclusion constraint over the membership's date range (btree_gist).
SQLite: triggers that abort an insert or update that would overlap.
"""

from django.db import migrations

PG_UP = [
    "CREATE EXTENSION IF NOT EXISTS btree_gist",
    """ALTER TABLE teams_podmembership ADD CONSTRAINT membership_no_overlap
       EXCLUDE USING gist (pod_id WITH =, person_id WITH =,
                           daterange("start", "end", '[]') WITH &&)""",
]
PG_DOWN = ["ALTER TABLE teams_podmembership DROP CONSTRAINT IF EXISTS membership_no_overlap"]

OVERLAP = """EXISTS (SELECT 1 FROM teams_podmembership m
    WHERE m.pod_id = NEW.pod_id AND m.person_id = NEW.person_id AND m.id IS NOT NEW.id
      AND (m."end" IS NULL OR m."end" >= NEW."start")
      AND (NEW."end" IS NULL OR NEW."end" >= m."start"))"""
SQLITE_UP = [
    f"""CREATE TRIGGER membership_no_overlap_insert BEFORE INSERT ON teams_podmembership
        WHEN {OVERLAP}
        BEGIN SELECT RAISE(ABORT, 'membership_no_overlap: overlapping membership of one person in one pod'); END""",
    f"""CREATE TRIGGER membership_no_overlap_update BEFORE UPDATE ON teams_podmembership
        WHEN {OVERLAP}
        BEGIN SELECT RAISE(ABORT, 'membership_no_overlap: overlapping membership of one person in one pod'); END""",
]
SQLITE_DOWN = [
    "DROP TRIGGER IF EXISTS membership_no_overlap_insert",
    "DROP TRIGGER IF EXISTS membership_no_overlap_update",
]


def _run(statements_by_vendor):
    def run(apps, schema_editor):
        for sql in statements_by_vendor.get(schema_editor.connection.vendor, []):
            schema_editor.execute(sql)

    return run


class Migration(migrations.Migration):
    dependencies = [("teams", "0001_initial")]

    operations = [
        migrations.RunPython(
            _run({"postgresql": PG_UP, "sqlite": SQLITE_UP}),
            _run({"postgresql": PG_DOWN, "sqlite": SQLITE_DOWN}),
        )
    ]
