"""The two databases: SQLite (WAL, immediate transactions) by default, PostgreSQL when
DATABASE_URL says so — one code path."""

import os

from django.conf import settings
from django.db import connection


def test_the_suite_runs_on_the_database_it_was_asked_for(db):
    url = os.environ.get("DATABASE_URL", "")
    assert connection.vendor == ("postgresql" if url.startswith("postgres") else "sqlite")


def test_sqlite_defaults():
    if os.environ.get("DATABASE_URL"):
        return
    opts = settings.DATABASES["default"]["OPTIONS"]
    assert opts["transaction_mode"] == "IMMEDIATE"
    assert "journal_mode=WAL" in opts["init_command"]
    assert opts["timeout"] >= 5


def test_sqlite_file_is_in_wal_mode(tmp_path):
    """A real file database (not the in-memory test one) opens in WAL mode."""
    import subprocess
    import sys

    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    env["KIEMSAT_DATA_DIR"] = str(tmp_path)
    code = "import django;django.setup();from django.db import connection;c=connection.cursor();" \
           "c.execute('PRAGMA journal_mode');print(c.fetchone()[0])"
    env["DJANGO_SETTINGS_MODULE"] = "kiemsat.settings"
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True).stdout
    assert out.strip() == "wal"


def test_time_zone_and_language():
    assert settings.TIME_ZONE == "Asia/Ho_Chi_Minh" and settings.LANGUAGE_CODE == "vi"
