"""The statistics' queries run without PostgreSQL's JIT (compiling their many FILTER clauses cost
seconds), and the connection's setting is restored afterwards. On SQLite it does nothing."""

from django.db import connection

from kiemsat.stats import periods as P
from kiemsat.stats import selectors as S


def _jit():
    with connection.cursor() as cur:
        cur.execute("SHOW jit")
        return cur.fetchone()[0]


def test_no_jit_inside_and_restored_after(db, users):
    if connection.vendor == "postgresql":
        with connection.cursor() as cur:
            cur.execute("SET jit = on")
        with S.no_jit():
            assert _jit() == "off"
        assert _jit() == "on"
    else:
        with S.no_jit():
            S.report(S.scope_for(users["leader"]), P.month(2025, 3))
        assert connection.vendor == "sqlite"
    rep = S.report(S.scope_for(users["leader"]), P.month(2025, 3))  # the report itself goes through it
    assert rep.total["total"] == 0
    if connection.vendor == "postgresql":
        assert _jit() == "on"
