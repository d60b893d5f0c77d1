"""Case.last_date / Case.done_date (cases.services.summarize, migration cases.0006): what the
statistics read instead of the events. Each is checked against the events it summarises, and the
report's figures that use them against the same figures read from the events (as before)."""

import datetime as dt
import importlib

import pytest
from django.db import connection

from kiemsat.cases import services as cs
from kiemsat.cases.demo import make_demo_data
from kiemsat.cases.models import Case, Event
from kiemsat.legal import services as legal
from kiemsat.stats import periods as P
from kiemsat.stats import selectors as S

D = dt.date
TODAY = dt.date(2026, 11, 26)
MIGRATION = importlib.import_module("kiemsat.cases.migrations.0006_case_stats_dates")


def _expected(case_id: int) -> tuple:
    """(last_date, done_date) read from the events."""
    dates, done = [], []
    for code, date, received, end in Event.objects.filter(case_id=case_id).values_list("code", "date", "received",
                                                                                           "end"):
        dates += [d for d in (date, received, end) if d]
        if code in ("delivered", "execution_exempted") and date:
            done.append(date)
    return (max(dates) if dates else None, min(done) if done else None)


def _stored(case_id: int) -> tuple:
    return tuple(Case.objects.filter(pk=case_id).values_list("last_date", "done_date").get())


def _backfill():
    class Editor:
        pass

    ed = Editor()
    ed.connection = connection
    MIGRATION.backfill(None, ed)


def test_every_write_path_keeps_them(make_case, unit, court, agency):
    case = make_case("Trần Văn Bình", events=[
        {"code": "accepted", "date": D(2024, 2, 7), "number": "1/TL"},
        {"code": "decision", "date": D(2024, 3, 1), "received": D(2024, 3, 6), "outcome": "apply", "term_months": 12},
        {"code": "police_received", "date": D(2024, 3, 20)},
        {"code": "evasion", "date": D(2024, 3, 22), "end": D(2024, 9, 2)},
    ])
    assert _stored(case.pk) == (D(2024, 9, 2), None) == _expected(case.pk)  # an end date is the newest
    ev, _ = cs.record_event(actor=None, case=case, code="delivered", date=D(2024, 9, 10), strict=False)
    assert _stored(case.pk) == (D(2024, 9, 10), D(2024, 9, 10)) == _expected(case.pk)
    cs.update_event(actor=None, event=ev, date=D(2024, 8, 30), strict=False)
    assert _stored(case.pk) == (D(2024, 9, 2), D(2024, 8, 30)) == _expected(case.pk)
    cs.delete_event(actor=None, event=ev)
    assert _stored(case.pk) == (D(2024, 9, 2), None) == _expected(case.pk)
    empty = make_case("Lê Thị Hoa", events=[])  # no event: none
    assert _stored(empty.pk) == (None, None)
    # the bulk path (the importer): prepare_case + bulk_create_cases
    p = cs.prepare_case(actor=None, unit=unit, data={"person_name": "Phạm Văn An", "measure": "CSCNBB",
                                                      "court": court, "proposer": agency}, events=[
        {"code": "accepted", "date": D(2025, 1, 6), "number": "9/TL"},
        {"code": "decision", "date": D(2025, 2, 3), "outcome": "apply", "term_months": 12},
        {"code": "execution_exempted", "date": D(2025, 4, 1), "received": D(2025, 4, 4)},
    ])
    [made] = cs.bulk_create_cases([p], audit=False)
    assert _stored(made.pk) == (D(2025, 4, 4), D(2025, 4, 1)) == _expected(made.pk)


def test_the_migration_backfill_equals_summarize(db):
    make_demo_data(250, seed=31, today=TODAY)
    # the demo's own bulk insert stores them too
    stored = {pk: (ld, dd) for pk, ld, dd in Case.objects.values_list("pk", "last_date", "done_date")}
    assert all(got == _expected(pk) for pk, got in stored.items())
    assert sum(1 for v in stored.values() if v[0]) > 200
    Case.objects.update(last_date=None, done_date=None)
    _backfill()
    rows = dict((pk, (ld, dd)) for pk, ld, dd in Case.objects.values_list("pk", "last_date", "done_date"))
    assert sum(1 for v in rows.values() if v[0]) > 200 and sum(1 for v in rows.values() if v[1]) > 20
    for pk, got in rows.items():
        assert got == _expected(pk), pk


@pytest.fixture
def demo(db):
    make_demo_data(600, seed=37, today=TODAY)
    return S.scope_all()


PERIODS = [P.year(2026), P.year(2025), P.month(2026, 3), P.month(2025, 12), P.month(2024, 7)]


def _report(scope, p):
    S.clear_cache()
    rep = S.report(scope, p, TODAY)
    return rep.total, [(g.unit.pk, row) for g, row in rep.by_unit], rep.by_measure, rep.trend


def test_figures_equal_with_and_without_the_columns(demo):
    """Rows written without the columns (null: here the demo's bulk insert) are read from the events;
    after the backfill every figure is the same, and the scan scope is the one read from the events."""
    _, rs = legal.active_ruleset()
    Case.objects.update(last_date=None, done_date=None)
    without = {p.label: _report(demo, p) for p in PERIODS}
    _backfill()
    assert Case.objects.filter(last_date__isnull=False).count() > 500
    for p in PERIODS:
        assert _report(demo, p) == without[p.label], p.label
        as_of = min(p.end, TODAY)
        new = set(S.scan_scope(demo.base, p, as_of, rs).values_list("pk", flat=True))
        old = set(S.scan_scope_by_events(demo.base, p, as_of, rs).values_list("pk", flat=True))
        assert new == old and new, p.label
        # not delivered = applied by the end − done by the end: as the events say
        rep = S.report(demo, p, TODAY)
        assert rep.total["not_delivered"] == demo.base.filter(S.not_delivered(p)).count(), p.label
        for m in S.MEASURES:
            assert rep.by_measure[m]["not_delivered"] == demo.base.filter(S.not_delivered(p), measure=m).count()


def test_a_stale_column_would_be_seen(demo):
    """The tests above can fail: a last_date moved back past the ruleset's reach drops a case from the
    scope (so the columns, not the events, decide the scope once they are filled)."""
    _, rs = legal.active_ruleset()
    _backfill()
    p = P.year(2026)
    old_cut = p.start - dt.timedelta(days=S._reach_days(rs) + 1)
    scope = set(S.scan_scope(demo.base, p, TODAY, rs).values_list("pk", flat=True))
    remaining = set(demo.base.filter(S.remaining(p)).values_list("pk", flat=True))
    victim = next(pk for pk in sorted(scope - remaining))
    Case.objects.filter(pk=victim).update(last_date=old_cut)
    assert victim not in set(S.scan_scope(demo.base, p, TODAY, rs).values_list("pk", flat=True))
    assert victim in set(S.scan_scope_by_events(demo.base, p, TODAY, rs).values_list("pk", flat=True))


def test_the_events_index_holds_every_kind_the_report_counts():
    """cases_event_stats (PostgreSQL) is partial: it must hold every event kind _event_counts reads,
    or PostgreSQL would read the table again (same figures, seconds slower on a province)."""
    codes = sorted({c for cs_ in S.EVENT_CODES.values() for c in cs_})
    body = MIGRATION.INDEXES["cases_event_stats"]
    assert "IN (" + ", ".join(f"'{c}'" for c in codes) + ")" in body
    for col in ("unit_id", "measure", "outcome", "thu_ly_date", "decision_date", "done_date", "last_date"):
        assert f'"{col}"' in MIGRATION.INDEXES["cases_case_stats"]


def test_a_failing_report_query_in_a_transaction_raises_its_own_error(db):
    """no_jit restores the planner settings afterwards; when the caller's transaction has failed it
    must not hide the error with its own (PostgreSQL: "current transaction is aborted")."""
    from django.db import DatabaseError, connection, transaction

    with pytest.raises(DatabaseError) as got:
        with transaction.atomic(), S.no_jit():
            with connection.cursor() as cur:
                cur.execute("SELECT * FROM khong_co_bang_nay")
    assert "khong_co_bang_nay" in str(got.value)
    with connection.cursor() as cur:  # the connection is usable after the rollback
        cur.execute("SELECT 1")
        assert cur.fetchone()[0] == 1
