"""Indexes of cases_case that other indexes start with: unit_id ((unit_id, stage), (unit_id, name_sort),
(unit_id, thu_ly_date, id)), thu_ly_date ((thu_ly_date, id)) and year ((year, thu_ly_date, id),
(year, so_thu_ly, id)). The composite ones serve the same queries; each one less is one index
entry less for every case written (an import of 100,000 rows writes 100,000 of each).

Only the indexes are dropped (SeparateDatabaseAndState): altering the fields would make SQLite
copy the table, and with it lose the indexes and search triggers made by hand (0005, search)."""

from django.db import migrations, models
import django.db.models.deletion

DROPPED = {
    "cases_case_unit_id_f34fc706": "(unit_id)",
    "cases_case_thu_ly_date_37da96c2": "(thu_ly_date)",
    "cases_case_year_3df92635": "(year)",
}


class Migration(migrations.Migration):

    dependencies = [
        ("cases", "0008_leaner_indexes"),
        ("org", "0001_initial"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[
                migrations.RunSQL(
                    [f'DROP INDEX IF EXISTS "{name}"' for name in DROPPED],
                    [f'CREATE INDEX IF NOT EXISTS "{name}" ON "cases_case" {cols}' for name, cols in DROPPED.items()],
                ),
            ],
            state_operations=[
                migrations.AlterField(
                    model_name="case",
                    name="thu_ly_date",
                    field=models.DateField(blank=True, null=True, verbose_name="Ngày thụ lý"),
                ),
                migrations.AlterField(
                    model_name="case",
                    name="unit",
                    field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.PROTECT,
                                            related_name="cases", to="org.unit", verbose_name="Đơn vị"),
                ),
                migrations.AlterField(
                    model_name="case",
                    name="year",
                    field=models.PositiveSmallIntegerField(blank=True, null=True, verbose_name="Năm"),
                ),
            ],
        ),
    ]
