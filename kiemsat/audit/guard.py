"""The SQLite side of the append-only audit table: the function its triggers call (migration 0003)."""

from __future__ import annotations

import contextvars

_wiping: contextvars.ContextVar[bool] = contextvars.ContextVar("kiemsat_audit_wiping", default=False)


def _guard() -> int:
    return 0 if _wiping.get() else 1


def register(sender, connection, **kwargs) -> None:
    if connection.vendor == "sqlite":
        connection.connection.create_function("kiemsat_audit_guard", 0, _guard)


def allow_whole_database_flush() -> None:
    """Django's flush empties every table at once (tests, `manage.py flush`): not an edit of history."""
    from django.db.backends.sqlite3.base import DatabaseOperations

    original = DatabaseOperations.execute_sql_flush
    if getattr(original, "_kiemsat", False):
        return

    def execute_sql_flush(self, sql_list):
        token = _wiping.set(True)
        try:
            return original(self, sql_list)
        finally:
            _wiping.reset(token)

    execute_sql_flush._kiemsat = True
    DatabaseOperations.execute_sql_flush = execute_sql_flush
