"""The register's columns kept per process (cases.selectors.register_columns) follow the register by
patching: after random writes (cases created one by one and in bulk, events recorded, edited and
deleted, names, measures and assignments edited) the stage counts, years, courts and a user's
assigned cases equal what the database says now, and the columns were patched, not read again.
A name search's page read among the ids kept with its count equals the page the filter gives."""

import random

import numpy as np
import pytest
from django.db.models import Count

from kiemsat.cases import selectors as csel
from kiemsat.cases import services as cs
from kiemsat.cases.demo import make_demo_data
from kiemsat.cases.models import Case
from kiemsat.org.models import Court, User
from tests.legal.test_incremental import TODAY, random_write


@pytest.fixture
def demo(db):
    make_demo_data(300, seed=7, today=TODAY)
    csel._COLUMNS.clear()
    csel._COUNTS.clear()
    csel._TOO_BIG.clear()
    return User.objects.get(username="lanhdao")


def fresh(user):
    qs = csel.visible_cases(user)
    return {
        "stages": dict(qs.values_list("stage").annotate(n=Count("id")).order_by()),
        "years": sorted((y for y in qs.values_list("year", flat=True).distinct() if y), reverse=True),
        "courts": sorted(c for c in qs.values_list("court_id", flat=True).distinct() if c),
        "mine": sorted(qs.filter(assigned_to=user).values_list("pk", flat=True)),
        "ids": sorted(qs.values_list("pk", flat=True)),
    }


def cached(user):
    cols = csel.register_columns(user)
    return {
        "stages": csel.stage_counts(user),
        "years": csel.years(user),
        "courts": sorted(c.pk for c in csel.courts(user)),
        "mine": csel.assigned_ids(user).tolist(),
        "ids": cols.ids.tolist(),
    }


def reassign(rng, actor, ids):
    staff = list(User.objects.filter(unit=actor.unit, role__in=["prosecutor", "inspector", "specialist"]))
    courts = list(Court.objects.all()) + [None]
    case = Case.objects.get(pk=rng.choice(ids))
    cs.update_case(actor=actor, case=case, data={"assigned_to": rng.choice(staff + [actor]),
                                                 "court": rng.choice(courts)})


@pytest.mark.parametrize("seed", [1, 2])
def test_patched_columns_equal_the_database(demo, seed, monkeypatch):
    monkeypatch.setattr(csel, "COLUMNS_OVERLAP_SECONDS", 0 if seed == 1 else None)
    reads = []
    real = csel._read_columns
    monkeypatch.setattr(csel, "_read_columns", lambda qs: reads.append(1) or real(qs))
    rng = random.Random(seed)
    user = demo
    ids = list(csel.visible_cases(user).values_list("pk", flat=True))
    assert cached(user) == fresh(user)
    full_reads = len(reads)
    for _ in range(10):
        for _ in range(rng.randint(1, 3)):
            if rng.random() < 0.3:
                reassign(rng, user, ids)
            else:
                random_write(rng, user, user.unit, ids)
        assert cached(user) == fresh(user)
    # patched: later reads only of the changed cases (qs.filter(pk__in=…)), never the whole register again
    assert len(reads) > full_reads
    cols = csel.register_columns(user)
    assert np.all(cols.ids[1:] > cols.ids[:-1])


def test_patch_reads_only_the_changed_cases(demo, monkeypatch):
    monkeypatch.setattr(csel, "COLUMNS_OVERLAP_SECONDS", 0)  # the demo was written just now: no margin
    user = demo
    first, second = csel.visible_cases(user).order_by("pk")[:2]
    cs.update_case(actor=user, case=first, data={"person_name": "Đỗ Văn Trước"})  # the newest change, alone
    csel.register_columns(user)
    seen = []
    real = csel._read_columns
    monkeypatch.setattr(csel, "_read_columns", lambda qs: seen.append(qs.count()) or real(qs))
    cs.update_case(actor=user, case=second, data={"person_name": "Hoàng Thị Mới"})
    assert cached(user) == fresh(user)
    assert seen == [2]  # the changed case and the newest before it (updated_at ≥ the mark), not 300 cases


def test_a_case_of_another_unit_does_not_count(demo, other_unit, make_case):
    user = demo
    before = cached(user)
    make_case(name="Ngoài Đơn Vị", unit_=other_unit)
    assert cached(user) == fresh(user) == before


SEARCHES = ["Nguyễn Văn", "Thị", "Đức", "Lê", "Zô", "xyz không có"]


@pytest.mark.parametrize("sort", ["-thu_ly", "name", "so", "-decision"])
def test_search_page_among_known_ids_equals_the_filtered_page(demo, sort, monkeypatch):
    user = demo
    rng = random.Random(3)
    ids = list(csel.visible_cases(user).values_list("pk", flat=True))
    for round_ in range(3):
        for q in SEARCHES:
            f = csel.RegisterFilters(q=q, sort=sort)
            qs = csel.register(user, f)
            want_all = list(qs.values_list("pk", flat=True))
            for number in (1, 2, 3):
                page = csel.register_page(qs, number, per_page=20, sort=sort)
                lo = (page.number - 1) * 20
                assert [c.pk for c in page.object_list] == want_all[lo:lo + 20], (q, number)
                assert page.paginator.count == len(want_all)
        cs.update_case(actor=user, case=Case.objects.get(pk=rng.choice(ids)),
                       data={"person_name": rng.choice(["Nguyễn Văn Tân", "Trần Thị Zô"])})


def test_few_ids_path_is_taken_and_big_counts_use_the_filter(demo, monkeypatch):
    user = demo
    calls = []
    real = csel._page_ids
    monkeypatch.setattr(csel, "_page_ids", lambda *a, **k: calls.append(1) or real(*a, **k))
    qs = csel.register(user, csel.RegisterFilters(q="Văn"))
    csel.register_page(qs, 1)
    assert calls == []  # ≤ FEW_IDS matches: read among the ids
    monkeypatch.setattr(csel, "FEW_IDS", 0)
    page = csel.register_page(qs, 1)
    assert calls == [1]
    assert [c.pk for c in page.object_list] == list(qs.values_list("pk", flat=True)[:50])


def test_stage_counts_of_a_user_without_a_unit(db, make_user):
    u = make_user("khongdonvi", "prosecutor", unit_=None)
    u.unit = None
    u.save()
    assert csel.stage_counts(u) == {}
    assert csel.years(u) == []
    assert len(csel.assigned_ids(u)) == 0


def test_a_scope_too_big_to_keep_asks_the_database(demo, monkeypatch):
    """Past COLUMNS_LIMIT cases (a province) the columns are not kept: the same answers from queries."""
    monkeypatch.setattr(csel, "COLUMNS_LIMIT", 50)
    monkeypatch.setattr(csel, "_TOO_BIG", {})
    user = demo
    rng = random.Random(4)
    ids = list(csel.visible_cases(user).values_list("pk", flat=True))
    for _ in range(3):
        assert csel.register_columns(user) is None
        assert cached_without_columns(user) == fresh(user)
        random_write(rng, user, user.unit, ids)
    assert csel._COLUMNS == {} or all(len(v[3].ids) <= 50 for v in csel._COLUMNS.values())


def cached_without_columns(user):
    return {
        "stages": csel.stage_counts(user),
        "years": csel.years(user),
        "courts": sorted(c.pk for c in csel.courts(user)),
        "mine": csel.assigned_ids(user).tolist(),
        "ids": sorted(csel.visible_cases(user).values_list("pk", flat=True)),
    }


def test_requests_interleaved_with_writes_patch_to_the_truth(demo, monkeypatch):
    """Two requests at once (two contexts, each with its own memo: marks and stamps read once per
    request) and writes in between: a request whose memo is older than what another request cached
    still brings every cache to what a new computation gives — it never keeps a stale value."""
    import contextvars

    from kiemsat.execution import fast as xfast
    from kiemsat.execution import selectors as xsel
    from kiemsat.legal import selectors as lsel
    from kiemsat.legal import services as lsvc
    from kiemsat.web import memo
    from tests.legal.test_incremental import ALERTS, finding

    monkeypatch.setattr(lsel, "OVERLAP_SECONDS", 0)
    monkeypatch.setattr(xsel, "OVERLAP_SECONDS", 0)
    monkeypatch.setattr(csel, "COLUMNS_OVERLAP_SECONDS", 0)
    lsel._UNIT_CACHE.clear()
    xsel._CACHE.clear()
    user = demo
    rng = random.Random(21)
    ids = list(csel.visible_cases(user).values_list("pk", flat=True))

    def read_all():
        qs = csel.visible_cases(user)
        sc, _L, _w = lsel._unit_view(user, qs, TODAY)
        t = xsel.table(user, TODAY, xsel._register_stamp())
        return cached(user), [finding(s) for s in sc], {k: getattr(t, k).tolist() for k in xfast.Table.FIELDS}

    def truth():
        qs = csel.visible_cases(user)
        t = xfast.table(qs, TODAY)
        return fresh(user), [finding(s) for s in lsvc.scan(qs, TODAY, ALERTS)], \
            {k: getattr(t, k).tolist() for k in xfast.Table.FIELDS}

    def in_scope():
        ctx = contextvars.copy_context()
        ctx.run(lambda: memo._SCOPE.set({}))
        return ctx

    assert read_all() == truth()
    for _ in range(4):
        a = in_scope()
        a.run(read_all)  # request A reads its marks and stamps now
        for _ in range(2):
            random_write(rng, user, user.unit, ids)
        b = in_scope()
        assert b.run(read_all) == truth()  # request B patches and stores newer marks
        for _ in range(2):
            random_write(rng, user, user.unit, ids)
        # A goes on with its old memo: its stamps say "changed", its mark is older than B's
        a.run(lambda: memo._SCOPE.get().pop(("cases.change_stamp", "default"), None))  # a later page of A
        assert a.run(read_all) == truth()
        assert read_all() == truth()


def test_stale_kept_ids_never_show_a_case_the_user_may_not_see(demo, monkeypatch, make_case, other_unit):
    """Ids kept by a process that missed a change (another worker's late commit on PostgreSQL) can
    hide a row until the cache is renewed, never show a case of another unit or one that no longer
    matches the search."""
    import numpy as np

    user = demo
    foreign = make_case(name="Trần Thị Ngoài", unit_=other_unit)
    qs = csel.register(user, csel.RegisterFilters(q="Thị"))
    mine = list(qs.values_list("pk", flat=True))
    assert len(mine) >= 2
    renamed = mine[0]
    Case.objects.filter(pk=renamed).update(person_name="Đổi Tên", search_folded="doi ten")
    monkeypatch.setattr(csel, "_count_ids", lambda key, ids_qs: (len(mine) + 1, np.array(sorted(mine + [foreign.pk]))))
    page = csel.register_page(qs, 1, per_page=200)
    shown = [c.pk for c in page.object_list]
    assert foreign.pk not in shown and renamed not in shown
    assert set(shown) == set(mine) - {renamed}
