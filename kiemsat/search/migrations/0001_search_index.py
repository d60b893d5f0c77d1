"""The search index (see kiemsat/search/index.py): SQLite FTS5 tables kept by triggers, or pg_trgm
GIN indexes on PostgreSQL."""

from django.db import migrations


def forwards(apps, schema_editor):
    from kiemsat.search.index import ensure

    ensure(schema_editor.connection)


def backwards(apps, schema_editor):
    from kiemsat.search.index import PG_INDEXES, SQLITE_TABLES, _sqlite_triggers

    conn = schema_editor.connection
    with conn.cursor() as cur:
        if conn.vendor == "sqlite":
            for table in ("cases_case", "documents_document"):
                for t, _sql in _sqlite_triggers(table):
                    cur.execute(f"DROP TRIGGER IF EXISTS {t}")
            for name in SQLITE_TABLES:
                cur.execute(f"DROP TABLE IF EXISTS {name}")
        elif conn.vendor == "postgresql":
            for name in PG_INDEXES:
                cur.execute(f"DROP INDEX IF EXISTS {name}")


class Migration(migrations.Migration):
    dependencies = [
        ("cases", "0004_event_appeal_result"),
        ("documents", "0001_initial"),
    ]
    operations = [migrations.RunPython(forwards, backwards)]
