"""Indexes of imports_importrow nobody needs: batch_id alone ((batch_id, status) starts with it) and
status alone (rows are read by batch). One index entry less each for every row of every import.
Only the indexes are dropped (SeparateDatabaseAndState: altering the fields would make SQLite copy
the table). On PostgreSQL the text column's pattern index (_like) goes too."""

from django.db import migrations, models
import django.db.models.deletion

DROPPED = {
    "imports_importrow_batch_id_0b8d5349": "(batch_id)",
    "imports_importrow_status_41a5fbe4": "(status)",
}


LIKE = "imports_importrow_status_41a5fbe4_like"  # PostgreSQL's pattern index of the text column


def _drop_like(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f'DROP INDEX IF EXISTS "{LIKE}"')


def _create_like(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f'CREATE INDEX IF NOT EXISTS "{LIKE}" ON "imports_importrow" ("status" varchar_pattern_ops)')


class Migration(migrations.Migration):

    dependencies = [
        ("imports", "0001_initial"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[
                migrations.RunSQL(
                    [f'DROP INDEX IF EXISTS "{name}"' for name in DROPPED],
                    [f'CREATE INDEX IF NOT EXISTS "{name}" ON "imports_importrow" {cols}'
                     for name, cols in DROPPED.items()],
                ),
                migrations.RunPython(_drop_like, _create_like),
            ],
            state_operations=[
                migrations.AlterField(
                    model_name="importrow",
                    name="batch",
                    field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.CASCADE,
                                            related_name="rows", to="imports.importbatch",
                                            verbose_name="Lần nhập"),
                ),
                migrations.AlterField(
                    model_name="importrow",
                    name="status",
                    field=models.CharField(choices=[("imported", "Đã nhập"), ("updated", "Đã cập nhật"),
                                                    ("existing", "Đã có"), ("skipped", "Bỏ qua")],
                                           max_length=10, verbose_name="Kết quả"),
                ),
            ],
        ),
    ]
