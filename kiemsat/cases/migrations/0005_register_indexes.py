"""Indexes for the register at scale (a province on PostgreSQL, a big unit on SQLite).

Each sort of the register ends with the id (cases.selectors.SORTS): with these the database reads a
page in index order instead of sorting; (unit, thụ lý date, id) serves a unit's own register when
its cases share the database with other units'; updated_at serves cases.selectors.change_stamp.

Plain CREATE INDEX IF NOT EXISTS (the same statement on SQLite and PostgreSQL), outside the models'
state: they change no field and no result, only how fast pages are read."""

from django.db import migrations

INDEXES = {
    "cases_case_thu_ly_id": "(thu_ly_date, id)",
    "cases_case_unit_thu_ly_id": "(unit_id, thu_ly_date, id)",
    "cases_case_year_thu_ly_id": "(year, thu_ly_date, id)",
    "cases_case_decision_id": "(decision_date, id)",
    "cases_case_year_so_id": "(year, so_thu_ly, id)",
    "cases_case_updated_at": "(updated_at)",
}


class Migration(migrations.Migration):
    dependencies = [("cases", "0004_event_appeal_result")]

    operations = [
        migrations.RunSQL(f'CREATE INDEX IF NOT EXISTS {name} ON "cases_case" {cols}',
                          reverse_sql=f"DROP INDEX IF EXISTS {name}")
        for name, cols in INDEXES.items()
    ]
