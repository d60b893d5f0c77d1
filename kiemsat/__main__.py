"""The `kiemsat` command: Django's management commands with the product's defaults.

    kiemsat [--data-dir DIR] COMMAND [ARGS]

--data-dir (or KIEMSAT_DATA_DIR) selects an isolated instance: its SQLite file, files and key.
Any command on a new instance first creates and migrates its database (except restore and backup).
"""

from __future__ import annotations

import os
import sys

NO_AUTO_MIGRATE = {"migrate", "makemigrations", "help", "--help", "-h", "version", "--version", "check", "shell",
                  "restore", "backup"}  # restore fills an empty instance itself; backup verify needs no database


def _take_data_dir(argv: list[str]) -> list[str]:
    out = []
    skip = False
    for i in range(len(argv)):
        if skip:
            skip = False
            continue
        a = argv[i]
        if a == "--data-dir" and i + 1 < len(argv):
            os.environ["KIEMSAT_DATA_DIR"] = argv[i + 1]
            skip = True
        elif a.startswith("--data-dir="):
            os.environ["KIEMSAT_DATA_DIR"] = a.split("=", 1)[1]
        else:
            out.append(a)
    return out


def ensure_migrated(verbosity: int = 0) -> None:
    from django.core.management import call_command
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    executor = MigrationExecutor(connection)
    if executor.migration_plan(executor.loader.graph.leaf_nodes()):
        call_command("migrate", interactive=False, verbosity=verbosity)


def main(argv: list[str] | None = None) -> None:
    argv = list(sys.argv if argv is None else argv)
    rest = _take_data_dir(argv[1:])
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kiemsat.settings")
    if sys.stdout.encoding and sys.stdout.encoding.lower() not in ("utf-8", "utf8"):
        try:
            sys.stdout.reconfigure(encoding="utf-8")
            sys.stderr.reconfigure(encoding="utf-8")
        except AttributeError:
            pass
    import django

    django.setup()
    if rest and rest[0] not in NO_AUTO_MIGRATE:
        ensure_migrated()
    from django.core.management import execute_from_command_line

    execute_from_command_line(["kiemsat", *rest] if rest else ["kiemsat", "help"])


if __name__ == "__main__":
    main()
