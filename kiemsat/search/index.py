"""The search index, kept by the database itself so that every path that writes a case or a document
(the services, the importer's bulk insert, the demo's raw INSERTs) stays indexed without Python hooks.

- SQLite: FTS5 external-content tables over the folded shadow columns (cases_case.search_folded,
  documents_document.search_folded) and over the person's name with its accents (ranking exact
  matches first), synchronised by triggers.
- PostgreSQL: pg_trgm GIN indexes on the same folded columns (LIKE '%…%' uses them).

`ensure(connection)` is idempotent: the migration calls it, and so does post_migrate (a later
migration that rebuilds cases_case on SQLite drops its triggers; they are put back and the index
rebuilt)."""

from __future__ import annotations

from contextlib import contextmanager

# The folded tables keep "/" and "-" inside tokens: a document number ("12/2024/tlhs-xlhc") is one
# token, found by its beginning ("12/2024"*) through the term index instead of a phrase of very common
# tokens (2024, tlhs, xlhc) checked position by position.
FOLD_TOKENIZER = "unicode61 remove_diacritics 2 tokenchars '/-'"
SQLITE_TABLES = {
    "search_case_fold": ("cases_case", "search_folded", FOLD_TOKENIZER, "prefix='2 3'"),
    "search_case_exact": ("cases_case", "person_name", "unicode61 remove_diacritics 0", "prefix='2 3'"),
    "search_doc_fold": ("documents_document", "search_folded", FOLD_TOKENIZER, "prefix='2 3'"),
}

PG_INDEXES = {
    "search_case_folded_trgm": ("cases_case", "search_folded"),
    "search_doc_folded_trgm": ("documents_document", "search_folded"),
}

PG_EXTENSION_HELP = (
    "Tìm kiếm trên PostgreSQL cần phần mở rộng pg_trgm (có trong gói postgresql-contrib). Tài khoản "
    "kết nối không có quyền tạo nó: hãy chạy một lần, với tài khoản quản trị (postgres), lệnh "
    "`CREATE EXTENSION IF NOT EXISTS pg_trgm;` trên cơ sở dữ liệu này, rồi chạy lại `kiemsat migrate`."
)


class SearchIndexError(RuntimeError):
    pass


def _sqlite_triggers(table: str) -> list[tuple[str, str]]:
    """(trigger name, CREATE TRIGGER sql) for one content table, covering its FTS tables."""
    fts = [(name, col) for name, (t, col, _tok, _o) in SQLITE_TABLES.items() if t == table]
    ins = "".join(f"INSERT INTO {n}(rowid, {c}) VALUES (new.id, new.{c}); " for n, c in fts)
    dele = "".join(f"INSERT INTO {n}({n}, rowid, {c}) VALUES ('delete', old.id, old.{c}); " for n, c in fts)
    cols = ", ".join(sorted({c for _n, c in fts}))
    short = table.split("_")[0]
    return [
        (f"search_{short}_ai", f"CREATE TRIGGER search_{short}_ai AFTER INSERT ON {table} BEGIN {ins}END"),
        (f"search_{short}_ad", f"CREATE TRIGGER search_{short}_ad AFTER DELETE ON {table} BEGIN {dele}END"),
        (f"search_{short}_au", f"CREATE TRIGGER search_{short}_au AFTER UPDATE OF {cols} ON {table} "
                               f"BEGIN {dele}{ins}END"),
    ]


def ensure(connection) -> bool:
    """Create what is missing. Returns True if anything had to be (re)built."""
    if connection.vendor == "sqlite":
        return _ensure_sqlite(connection)
    if connection.vendor == "postgresql":
        return _ensure_pg(connection)
    return False


def _ensure_sqlite(connection) -> bool:
    built = False
    with connection.cursor() as cur:
        cur.execute("SELECT name FROM sqlite_master WHERE type IN ('table', 'trigger')")
        have = {r[0] for r in cur.fetchall()}
        if "cases_case" not in have or "documents_document" not in have:
            return False
        stale = set()
        for name, (table, col, tok, opts) in SQLITE_TABLES.items():
            if name not in have:
                cur.execute(f"CREATE VIRTUAL TABLE {name} USING fts5({col}, content='{table}', content_rowid='id', "
                            f"tokenize=\"{tok}\", {opts})")
                stale.add(name)
        for table in ("cases_case", "documents_document"):
            trig = _sqlite_triggers(table)
            if any(t not in have for t, _sql in trig):
                for t, sql in trig:
                    cur.execute(f"DROP TRIGGER IF EXISTS {t}")
                    cur.execute(sql)
                stale |= {n for n, v in SQLITE_TABLES.items() if v[0] == table}
        for name in sorted(stale):
            cur.execute(f"INSERT INTO {name}({name}) VALUES ('rebuild')")
            built = True
    return built


def _ensure_pg(connection) -> bool:
    from django.db import DatabaseError, transaction

    built = False
    with connection.cursor() as cur:
        cur.execute("SELECT 1 FROM pg_extension WHERE extname = 'pg_trgm'")
        if cur.fetchone() is None:
            try:
                with transaction.atomic(using=connection.alias):
                    cur.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
            except DatabaseError as exc:
                raise SearchIndexError(f"{PG_EXTENSION_HELP} (PostgreSQL: {exc})") from exc
            built = True
        cur.execute("SELECT indexname FROM pg_indexes WHERE indexname = ANY(%s)", [list(PG_INDEXES)])
        have = {r[0] for r in cur.fetchall()}
        for name, (table, col) in PG_INDEXES.items():
            if name not in have:
                cur.execute(f"CREATE INDEX IF NOT EXISTS {name} ON {table} USING gin ({col} gin_trgm_ops)")
                built = True
    return built


def rebuild(connection) -> None:
    """Rebuild the SQLite FTS tables from their content (PostgreSQL's indexes need nothing)."""
    if connection.vendor != "sqlite":
        return
    ensure(connection)
    with connection.cursor() as cur:
        for name in SQLITE_TABLES:
            cur.execute(f"INSERT INTO {name}({name}) VALUES ('rebuild')")


def integrity(connection) -> list[str]:
    """Problems found by FTS5's integrity check (empty = the index matches its tables)."""
    if connection.vendor != "sqlite":
        return []
    problems = []
    with connection.cursor() as cur:
        for name in SQLITE_TABLES:
            try:
                cur.execute(f"INSERT INTO {name}({name}, rank) VALUES ('integrity-check', 1)")
            except Exception as exc:  # noqa: BLE001
                problems.append(f"{name}: {exc}")
    return problems


def _id_ranges(ids: list[int]) -> list[tuple[int, int]]:
    """Sorted ids as (first, last) runs of consecutive values."""
    out: list[tuple[int, int]] = []
    for i in sorted(ids):
        if out and i == out[-1][1] + 1:
            out[-1] = (out[-1][0], i)
        else:
            out.append((i, i))
    return out


@contextmanager
def bulk_insert(connection, table: str, ids_of):
    """Many new rows of `table` (cases_case, documents_document) written at once: on SQLite the
    row-by-row insert trigger of its FTS tables is dropped while they are written, and the new rows
    (ids_of(): their ids) are indexed afterwards with one INSERT … SELECT per FTS table and run of
    ids — the same index entries, about ten times cheaper than the trigger fired row by row. The
    trigger is put back before leaving. Runs in a savepoint of the caller's transaction: an error
    (or a crash: SQLite's DDL is transactional) leaves the trigger and the index as they were.
    Nothing changes on PostgreSQL (its trigram indexes are the table's own)."""
    from django.db import transaction

    if connection.vendor != "sqlite":
        yield
        return
    fts = [(name, col) for name, (t, col, _tok, _o) in SQLITE_TABLES.items() if t == table]
    trig = dict(_sqlite_triggers(table))
    ai = next(t for t in trig if t.endswith("_ai"))
    with transaction.atomic(using=connection.alias):
        with connection.cursor() as cur:
            cur.execute("SELECT 1 FROM sqlite_master WHERE type = 'trigger' AND name = %s", [ai])
            had = cur.fetchone() is not None
            if had:
                cur.execute(f"DROP TRIGGER {ai}")
        yield
        if not had:
            return
        with connection.cursor() as cur:
            for first, last in _id_ranges(list(ids_of())):
                for name, col in fts:
                    cur.execute(f"INSERT INTO {name}(rowid, {col}) SELECT id, {col} FROM {table} "
                                f"WHERE id BETWEEN %s AND %s ORDER BY id", [first, last])
            cur.execute(trig[ai])
