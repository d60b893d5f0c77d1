"""The database itself refuses to change or delete audit rows (SQLite and PostgreSQL triggers).

SQLite: the trigger asks `kiemsat_audit_guard()`, a function the app registers on each connection
(see kiemsat.audit.guard); any other program (the sqlite3 shell…) has no such function, so its
UPDATE/DELETE fails too. Wiping the whole database (Django's flush) is not an edit of history and
is let through — PostgreSQL's TRUNCATE does not fire row triggers either.
"""

from django.db import migrations

SQLITE_UP = [
    """CREATE TRIGGER audit_auditentry_no_update BEFORE UPDATE ON audit_auditentry
       WHEN kiemsat_audit_guard() BEGIN SELECT RAISE(ABORT, 'audit log is append-only: UPDATE refused'); END""",
    """CREATE TRIGGER audit_auditentry_no_delete BEFORE DELETE ON audit_auditentry
       WHEN kiemsat_audit_guard() BEGIN SELECT RAISE(ABORT, 'audit log is append-only: DELETE refused'); END""",
]
SQLITE_DOWN = ["DROP TRIGGER IF EXISTS audit_auditentry_no_update", "DROP TRIGGER IF EXISTS audit_auditentry_no_delete"]

PG_UP = [
    """CREATE OR REPLACE FUNCTION audit_auditentry_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
       BEGIN RAISE EXCEPTION USING MESSAGE = 'audit log is append-only: ' || TG_OP || ' refused'; END $$""",
    """CREATE TRIGGER audit_auditentry_append_only BEFORE UPDATE OR DELETE ON audit_auditentry
       FOR EACH ROW EXECUTE FUNCTION audit_auditentry_append_only()""",
]
PG_DOWN = ["DROP TRIGGER IF EXISTS audit_auditentry_append_only ON audit_auditentry",
           "DROP FUNCTION IF EXISTS audit_auditentry_append_only()"]


def _run(statements_by_vendor):
    def run(apps, schema_editor):
        for sql in statements_by_vendor.get(schema_editor.connection.vendor, []):
            schema_editor.execute(sql)

    return run


class Migration(migrations.Migration):
    dependencies = [("audit", "0002_initial")]

    operations = [
        migrations.RunPython(_run({"sqlite": SQLITE_UP, "postgresql": PG_UP}),
                             _run({"sqlite": SQLITE_DOWN, "postgresql": PG_DOWN})),
    ]
