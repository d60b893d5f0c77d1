"""The big-book paths of the importer: events checked in one step, the search index filled in bulk,
the writes in a second thread — each gives what the plain path gives, and fails the same way."""

from __future__ import annotations

import datetime as dt
import importlib.util
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from hypothesis import given, settings
from hypothesis import strategies as st

from kiemsat.cases import services as case_services
from kiemsat.cases.models import Case, Event
from kiemsat.domain.events import EVENT_TYPES
from kiemsat.imports import services as import_services
from kiemsat.imports.models import ImportBatch, ImportRow
from kiemsat.imports.services import import_workbook
from kiemsat.search import index
from kiemsat.search.services import search

_spec = importlib.util.spec_from_file_location("bench_import", Path(__file__).resolve().parents[2] / "bench" / "import.py")
bench = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(bench)

_dates = st.one_of(st.none(), st.dates(dt.date(2000, 1, 1), dt.date(2030, 12, 31)))
_text = st.one_of(st.none(), st.just(""), st.text(max_size=70), st.sampled_from(["  12/2024/QĐ ", "Áp dụng", "x" * 61]),
                  st.integers(0, 99))
_fields = st.fixed_dictionaries({}, optional={
    "date": _dates, "received": _dates, "end": _dates, "number": _text, "note": _text,
    "outcome": st.one_of(_text, st.sampled_from(["apply", "not_apply"])),
    "term_months": st.one_of(st.none(), st.integers(-2, 40)),
    "prosecutor_present": st.one_of(st.none(), st.booleans()),
    "appeal_result": st.one_of(st.none(), st.just(""), st.sampled_from(["accepted", "partly", "rejected", "zzz"])),
    "extra_key": st.integers(),
})
_EV = ("pk", "case_id", "created_at", "code", *case_services.EVENT_FIELDS)


def _outcome(f):
    try:
        return ("ok", tuple(getattr(f(), a) for a in _EV))
    except ValidationError as exc:
        return ("error", exc.message_dict)


@settings(max_examples=400, deadline=None)
@given(code=st.sampled_from([t.code for t in EVENT_TYPES] + ["no_such_event"]), fields=_fields)
def test_new_event_is_clean_event_then_new_event(code, fields):
    plain = _outcome(lambda: case_services.NewEvent(code, **case_services._clean_event(code, dict(fields))))
    fast = _outcome(lambda: case_services._new_event(code, {"code": code, **fields}))
    assert fast == plain


def test_id_ranges():
    assert index._id_ranges([]) == []
    assert index._id_ranges([5, 3, 4, 9, 11, 10, 1]) == [(1, 1), (3, 5), (9, 11)]


@pytest.fixture
def book(tmp_path):
    return bench.write_book(tmp_path / "book.xlsx", bench.make_rows(700, seed=11))


def _trigger_names():
    with connection.cursor() as cur:
        cur.execute("SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'cases_case'")
        return {r[0] for r in cur.fetchall()}


@pytest.mark.django_db
def test_a_bulk_import_is_in_the_search_index_and_the_trigger_is_back(book, users):
    triggers = _trigger_names() if connection.vendor == "sqlite" else set()
    report = import_workbook(book, actor=None)
    assert report.counts["imported"] > 650
    assert index.integrity(connection) == []
    if connection.vendor == "sqlite":
        assert _trigger_names() == triggers and "search_cases_ai" in triggers
        with connection.cursor() as cur:
            for fts in ("search_case_fold", "search_case_exact"):  # one entry per case in each
                cur.execute(f"SELECT count(*) FROM {fts}_docsize")
                assert cur.fetchone()[0] == Case.objects.count()
    case = Case.objects.exclude(so_thu_ly="").order_by("-pk").first()
    assert case.pk in {g.case.pk for g in search(users["admin"], case.so_thu_ly).groups}
    # a case written afterwards by the plain path is indexed by the trigger again
    c, _w = case_services.create_case(actor=None, unit=case.unit, data={"person_name": "Khổng Minh Triết",
                                                                         "measure": case.measure})
    assert [g.case.pk for g in search(users["admin"], "khong minh triet").groups] == [c.pk]


@pytest.mark.django_db
def test_a_failed_write_in_the_writer_thread_fails_the_import_and_leaves_nothing(book, monkeypatch):
    real = case_services.write_case_rows
    calls = []

    def failing(rows, **kw):
        calls.append(len(rows))
        if len(calls) == 2:
            raise ValidationError({"number": "Số thụ lý 01/2019/TLHS-XLHC đã có trong sổ"})
        return real(rows, **kw)

    monkeypatch.setattr(case_services, "write_case_rows", failing)
    before = (Case.objects.count(), Event.objects.count(), ImportRow.objects.count(), ImportBatch.objects.count())
    with pytest.raises(import_services.WorkbookError, match="01/2019/TLHS-XLHC"):
        import_workbook(book, actor=None)
    assert len(calls) == 2  # no write after the failed one
    assert (Case.objects.count(), Event.objects.count(), ImportRow.objects.count(),
            ImportBatch.objects.count()) == before
    assert index.integrity(connection) == []
    if connection.vendor == "sqlite":
        assert "search_cases_ai" in _trigger_names()
    # the connection is still usable from this thread, and the book imports afterwards
    monkeypatch.setattr(case_services, "write_case_rows", real)
    assert import_workbook(book, actor=None).counts["imported"] > 650


@pytest.mark.django_db
def test_new_case_is_case(unit, court, agency, users):
    kw = {"unit": unit, "source": Case.Source.IMPORT, "tracked_events": ["accepted"], "court": court,
          "proposer": agency, "assigned_to": None, "person_name": "Lò Văn Páo", "birth_year": 1990,
          "complex": True, "notes": "x"}
    a, b = case_services._new_case(**kw), Case(**kw)
    assert {k: v for k, v in a.__dict__.items() if k != "_state"} == {k: v for k, v in b.__dict__.items() if k != "_state"}
    assert (a._state.adding, a._state.db, a._state.fields_cache) == (b._state.adding, b._state.db, b._state.fields_cache)
    assert a.court is court and a.proposer is agency and a.assigned_to is None


@pytest.mark.django_db
def test_a_failure_in_the_very_last_write_still_fails_the_import(book, monkeypatch):
    """The last job (the last import rows) fails after the rows are all read: raised all the same."""
    real = import_services._write_rows
    calls = []

    def failing(batch, rows, **kw):
        calls.append(len(rows))
        if len(calls) == 2:
            raise RuntimeError("disk full")
        return real(batch, rows, **kw)

    monkeypatch.setattr(import_services, "_write_rows", failing)
    before = (Case.objects.count(), ImportRow.objects.count(), ImportBatch.objects.count())
    with pytest.raises(RuntimeError, match="disk full"):
        import_workbook(book, actor=None)
    assert calls == [500, 200]
    assert (Case.objects.count(), ImportRow.objects.count(), ImportBatch.objects.count()) == before


@pytest.mark.django_db
def test_the_summary_reads_a_cases_events_in_the_order_they_were_written(unit):
    """refresh_summary and date_problems read the events by id (the bulk path's order): PostgreSQL
    without ORDER BY gives them in physical order — here the reverse of their ids."""
    from django.db.models import Max

    from kiemsat.domain.vntext import fold

    case, _w = case_services.create_case(actor=None, unit=unit, data={"person_name": "Mùa A Sình"})
    hi = (Event.objects.aggregate(m=Max("pk"))["m"] or 0) + 1000
    Event.objects.create(pk=hi + 5, case=case, code="accepted", date=dt.date(2024, 3, 1), number="05/2024/TLHS")
    Event.objects.create(pk=hi + 1, case=case, code="decision", date=dt.date(2024, 2, 1), number="09/2024/QĐ")
    case_services.refresh_summary(case)
    case.refresh_from_db()
    assert case.search_folded == fold("Mùa A Sình 05/2024/TLHS 09/2024/QĐ 05/2024/TLHS")


def test_cases_written_long_before_the_commit_are_stamped_again(db, unit, make_case, monkeypatch):
    """Other processes look for changes from a little before their last look; a long import's
    early cases are stamped again just before it commits (cases.services.restamp)."""
    import datetime as dt

    from django.utils import timezone

    from kiemsat.cases import selectors as csel
    from kiemsat.cases import services as cs
    from kiemsat.cases.models import Case

    old, recent, untouched = (make_case(name=n) for n in ("Cũ Văn A", "Mới Văn B", "Khác Văn C"))
    long_ago = timezone.now() - dt.timedelta(seconds=csel.CHANGE_OVERLAP_SECONDS)
    Case.objects.filter(pk__in=[old.pk, untouched.pk]).update(updated_at=long_ago)
    # a transaction that began less than half the overlap ago cannot have stamped anything that early
    assert cs.restamp([old.pk, recent.pk], since=timezone.now() - dt.timedelta(seconds=5)) == 0
    assert Case.objects.get(pk=old.pk).updated_at == long_ago
    before = timezone.now()
    assert cs.restamp([old.pk, recent.pk, None], since=long_ago) == 1
    stamps = dict(Case.objects.values_list("pk", "updated_at"))
    assert stamps[old.pk] >= before and stamps[untouched.pk] == long_ago and stamps[recent.pk] < before


def test_an_import_stamps_again_what_it_wrote_and_nothing_else(db, users, tmp_path, monkeypatch, make_case):
    from django.utils import timezone

    from kiemsat.cases import selectors as csel
    from kiemsat.cases.models import Case
    from kiemsat.imports.services import import_workbook

    from .conftest import sample_path

    other = make_case(name="Không Trong Sổ")
    monkeypatch.setattr(csel, "CHANGE_OVERLAP_SECONDS", 0)  # every case counts as written "long ago"
    seen = []
    real = __import__("kiemsat.cases.services", fromlist=["restamp"]).restamp
    called_at = []
    monkeypatch.setattr("kiemsat.cases.services.restamp",
                        lambda ids, since=None: seen.append(sorted(ids)) or called_at.append(timezone.now())
                        or real(seen[-1], since=since))
    other_stamp = Case.objects.get(pk=other.pk).updated_at
    report = import_workbook(sample_path("so-theo-doi-xlhc-2024"), actor=users["leader"])
    assert seen and len(seen[0]) == report.counts["imported"] > 0
    assert other.pk not in seen[0]
    assert Case.objects.get(pk=other.pk).updated_at == other_stamp
    first_written = Case.objects.filter(pk__in=seen[0]).order_by("updated_at").first().updated_at
    assert first_written >= called_at[0]  # every case it wrote carries the stamp of its end
