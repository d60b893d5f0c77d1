"""legal.fast reads a register in parts (STREAM_CHUNK cases in pk order; outside a transaction the
next part is read on another connection while one is evaluated): the findings are exactly those of
one read, and the engine's, whatever the size of the parts."""

import datetime as dt
import threading

import numpy as np
import pytest

from kiemsat.cases.demo import make_demo_data
from kiemsat.cases.models import Case, CaseDigest
from kiemsat.domain import engine, vector
from kiemsat.legal import fast, services
from tests.legal.test_fast_scan import assert_same, full

D = dt.date
AS_OF = D(2026, 11, 26)


def _light(res):
    lt = res.light()
    return [a.tolist() for a in (lt.case_id, lt.rule, lt.status, lt.due, lt.actual)]


@pytest.fixture
def demo(db):
    make_demo_data(400, seed=23, today=AS_OF)
    ids = list(Case.objects.order_by("pk").values_list("pk", flat=True))
    CaseDigest.objects.filter(pk__in=ids[5:9] + ids[200:203]).delete()  # missing: the engine decides
    CaseDigest.objects.filter(pk=ids[310]).update(packed=b"\x00\x01")  # broken: likewise
    return ids


@pytest.mark.parametrize("chunk", [1, 37, 400, 100_000])
def test_parts_equal_one_read_and_the_engine(demo, monkeypatch, chunk):
    monkeypatch.setattr(fast, "STREAM_CHUNK", chunk)
    for as_of in (D(2024, 2, 16), AS_OF):
        res = assert_same(Case.objects.order_by("pk"), as_of)  # every field, in order, as the engine
        assert res.timings["parts"] == -(-400 // chunk) and res.timings["cases"] == 400
        assert res.timings["engine_cases"] >= 8
        got = [full(s.case_id, s.finding) for s in res]
        with monkeypatch.context() as m:
            m.setattr(fast, "_streamable", lambda qs: False)
            once = services.scan(Case.objects.order_by("pk"), as_of)
        assert "parts" not in once.timings
        assert got == [full(s.case_id, s.finding) for s in once]
        assert _light(res) == _light(once)
        assert np.array_equal(res.hits.fallback, once.hits.fallback) and np.array_equal(res._ids, once._ids)


def test_filtered_unordered_and_empty_querysets_in_parts(demo, monkeypatch):
    monkeypatch.setattr(fast, "STREAM_CHUNK", 13)
    assert_same(Case.objects.filter(measure="TGD"), AS_OF, ordered=False)
    unit_id = Case.objects.values_list("unit_id", flat=True).first()
    res = assert_same(Case.objects.filter(unit_id=unit_id, pk__gt=demo[100]).order_by("pk"), AS_OF, (engine.OVERDUE,))
    assert res.timings["parts"] > 1
    assert len(services.scan(Case.objects.none(), AS_OF)) == 0
    assert len(services.scan(Case.objects.filter(unit_id__in=[]), AS_OF)) == 0
    assert len(services.scan(Case.objects.filter(pk__gt=demo[-1]), AS_OF)) == 0
    # other orderings are read in one go (row by row), as before
    assert "parts" not in services.scan(Case.objects.order_by("-pk"), AS_OF).timings


def test_a_refresh_after_a_scan_in_parts_equals_a_new_scan(demo, monkeypatch):
    from kiemsat.cases import services as case_services

    monkeypatch.setattr(fast, "STREAM_CHUNK", 50)
    qs = Case.objects.all()
    old = services.scan(qs, AS_OF)
    case = Case.objects.get(pk=demo[120])
    case.events.filter(code="decision").delete()
    case_services.refresh_summary(case)
    new = fast.refresh(old, qs, [case.pk])
    assert new is not None
    assert [full(s.case_id, s.finding) for s in new] == [full(s.case_id, s.finding) for s in services.scan(qs, AS_OF)]


@pytest.mark.django_db(transaction=True)
def test_outside_a_transaction_the_next_part_is_read_on_another_thread(monkeypatch):
    make_demo_data(150, seed=29, today=AS_OF)
    monkeypatch.setattr(fast, "STREAM_CHUNK", 40)
    seen = []
    real = fast._read_parts

    def spy(qs, n=0):
        seen.append(threading.current_thread().name)
        yield from real(qs, n)

    monkeypatch.setattr(fast, "_read_parts", spy)
    side = services.scan(Case.objects.all(), AS_OF)
    assert seen == ["findings-read"] and side.timings["parts"] == 4
    from django.db import transaction

    with transaction.atomic():
        inline = services.scan(Case.objects.all(), AS_OF)
    assert seen[-1] == "MainThread"
    assert [full(s.case_id, s.finding) for s in side] == [full(s.case_id, s.finding) for s in inline]

    def broken(qs, n=0):
        yield from real(qs, n)
        raise RuntimeError("read failed")

    monkeypatch.setattr(fast, "_read_parts", broken)
    with pytest.raises(RuntimeError, match="read failed"):  # an error of the reading thread reaches the caller
        services.scan(Case.objects.all(), AS_OF)
    assert vector.WORDS  # the module still usable after the failed scan
    assert len(services.scan(Case.objects.none(), AS_OF)) == 0


@pytest.mark.django_db(transaction=True)
def test_a_failure_while_evaluating_stops_the_reading_thread(monkeypatch):
    """The caller fails on the first part while the reader has read every other one ahead: the
    reader stops (no thread left waiting to hand over a part) and the error reaches the caller."""
    import time

    make_demo_data(120, seed=41, today=AS_OF)
    monkeypatch.setattr(fast, "STREAM_CHUNK", 40)  # three parts: two wait in the queue, then the end

    def failing(*args, **kwargs):
        time.sleep(0.5)  # the reader has read everything by now
        raise ValueError("evaluation failed")

    monkeypatch.setattr(fast, "_evaluate", failing)
    before = {t.ident for t in threading.enumerate()}
    with pytest.raises(ValueError, match="evaluation failed"):
        services.scan(Case.objects.all(), AS_OF)
    assert not [t for t in threading.enumerate() if t.name == "findings-read" and t.ident not in before]
