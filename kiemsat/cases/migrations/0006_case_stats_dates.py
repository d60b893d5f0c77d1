"""Two summary columns of Case for the statistics (stats.selectors), so a report does not read the
events table: `last_date`, the newest date on any event of the case (its date, receipt date or end
date), and `done_date`, the first dated delivery (`delivered`) or exemption from execution
(`execution_exempted`). Written by services.summarize like the other summary columns; filled here
for the existing cases in one statement over the events (historical rows are left empty).

Two indexes, on PostgreSQL, outside the models' state as in 0005 (they change no result, only how
fast the statistics are counted): `cases_case_stats`, every column a report's case counts and scan
scope read, in id order (index-only scans, 66 MB for a million cases); `cases_event_stats`, the
events of the kinds a report counts (stats.selectors.EVENT_CODES) by kind and date, with what the
counts read (71 MB for 1.2 million such events of 9.9 million)."""

from django.db import migrations, models

DONE = "('delivered', 'execution_exempted')"


def backfill(apps, schema_editor):
    conn = schema_editor.connection
    with conn.cursor() as cur:
        if conn.vendor == "postgresql":
            cur.execute(f"""
                UPDATE "cases_case" SET "last_date" = s."newest", "done_date" = s."done"
                FROM (SELECT e."case_id" AS "cid", MAX(GREATEST(e."date", e."received", e."end")) AS "newest",
                             MIN(e."date") FILTER (WHERE e."code" IN {DONE}) AS "done"
                      FROM "cases_event" e GROUP BY e."case_id") s
                WHERE "cases_case"."id" = s."cid" AND (s."newest" IS NOT NULL OR s."done" IS NOT NULL)""")
        else:
            # correlated subqueries (UPDATE … FROM needs SQLite 3.33; Django 5.2 runs on 3.31). SQLite's
            # max(a, b, c) is NULL when one is: '' stands for none (dates are ISO text)
            cur.execute(f"""
                UPDATE "cases_case" SET
                  "last_date" = (SELECT NULLIF(MAX(MAX(COALESCE(e."date", ''), COALESCE(e."received", ''),
                                                       COALESCE(e."end", ''))), '')
                                 FROM "cases_event" e WHERE e."case_id" = "cases_case"."id"),
                  "done_date" = (SELECT MIN(e."date") FROM "cases_event" e
                                 WHERE e."case_id" = "cases_case"."id" AND e."code" IN {DONE})""")


INDEXES = {
    "cases_case_stats": 'ON "cases_case" ("id") INCLUDE ("unit_id", "measure", "outcome", "thu_ly_date", '
                        '"decision_date", "done_date", "last_date")',
    "cases_event_stats": 'ON "cases_event" ("code", "date") INCLUDE ("case_id", "prosecutor_present", "appeal_result") '
                         "WHERE \"code\" IN ('appeal_decision', 'court_returned', 'delivered', 'protest', 'session_held')",
}


def add_indexes(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for name, body in INDEXES.items():
            schema_editor.execute(f"CREATE INDEX IF NOT EXISTS {name} {body}")


def drop_indexes(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for name in INDEXES:
            schema_editor.execute(f"DROP INDEX IF EXISTS {name}")


class Migration(migrations.Migration):

    dependencies = [
        ('cases', '0005_register_indexes'),
    ]

    operations = [
        migrations.AddField(
            model_name='case',
            name='done_date',
            field=models.DateField(blank=True, editable=False, null=True, verbose_name='Ngày bàn giao hoặc miễn chấp hành'),
        ),
        migrations.AddField(
            model_name='case',
            name='last_date',
            field=models.DateField(blank=True, editable=False, null=True, verbose_name='Ngày gần nhất trên sự kiện'),
        ),
        migrations.AddField(
            model_name='historicalcase',
            name='done_date',
            field=models.DateField(blank=True, editable=False, null=True, verbose_name='Ngày bàn giao hoặc miễn chấp hành'),
        ),
        migrations.AddField(
            model_name='historicalcase',
            name='last_date',
            field=models.DateField(blank=True, editable=False, null=True, verbose_name='Ngày gần nhất trên sự kiện'),
        ),
        migrations.RunPython(backfill, migrations.RunPython.noop),
        migrations.RunPython(add_indexes, drop_indexes),
    ]
