"""A summary column of Case for the execution watch (legal.selectors.execution_watch):
`effective_floor`, the earliest date of a decision or a recorded effective date of the case. The
watch takes cases in order of a lower bound of their statute-of-limitations expiry; the (last)
decision date alone is not one — the engine counts from the first decision, and an effective date
may be typed before the decision — and such a person fell off the list. Written by
services.summarize like the other summary columns; filled here for the existing cases in one
statement over the events (historical rows are left empty)."""

from django.db import migrations, models

# a decision counts from its own date; a recorded effective date is its date, else its receipt date
# (engine._w), as in services.summarize
FLOOR = """CASE WHEN e."code" = 'effective' THEN COALESCE(e."date", e."received") ELSE e."date" END"""


def backfill(apps, schema_editor):
    conn = schema_editor.connection
    with conn.cursor() as cur:
        if conn.vendor == "postgresql":
            cur.execute(f"""
                UPDATE "cases_case" SET "effective_floor" = s."first"
                FROM (SELECT e."case_id" AS "cid", MIN({FLOOR}) AS "first" FROM "cases_event" e
                      WHERE e."code" IN ('decision', 'effective') GROUP BY e."case_id") s
                WHERE "cases_case"."id" = s."cid" """)
        else:  # correlated subqueries (UPDATE … FROM needs SQLite 3.33; Django 5.2 runs on 3.31)
            cur.execute(f"""
                UPDATE "cases_case" SET "effective_floor" =
                  (SELECT MIN({FLOOR}) FROM "cases_event" e
                   WHERE e."case_id" = "cases_case"."id" AND e."code" IN ('decision', 'effective'))""")


class Migration(migrations.Migration):

    dependencies = [
        ('cases', '0006_case_stats_dates'),
    ]

    operations = [
        migrations.AddField(
            model_name='case',
            name='effective_floor',
            field=models.DateField(blank=True, editable=False, null=True, verbose_name='Mốc sớm nhất của ngày hiệu lực'),
        ),
        migrations.AddField(
            model_name='historicalcase',
            name='effective_floor',
            field=models.DateField(blank=True, editable=False, null=True, verbose_name='Mốc sớm nhất của ngày hiệu lực'),
        ),
        migrations.RunPython(backfill, migrations.RunPython.noop),
    ]
