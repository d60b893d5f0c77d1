"""Reads of the register: what a user may see, filtered, searched and sorted in the database."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass

from django.db.models import QuerySet

from kiemsat.domain.vntext import fold
from kiemsat.org.permissions import visible_unit_ids

from .models import Case

SORTS = {
    "name": ("name_sort", "id"),
    "-name": ("-name_sort", "-id"),
    "thu_ly": ("thu_ly_date", "id"),
    "-thu_ly": ("-thu_ly_date", "-id"),
    "so": ("year", "so_thu_ly", "id"),
    "-so": ("-year", "-so_thu_ly", "-id"),
    "decision": ("decision_date", "id"),
    "-decision": ("-decision_date", "-id"),
}
DEFAULT_SORT = "-thu_ly"


@dataclass
class RegisterFilters:
    q: str = ""
    year: int | None = None
    measure: str = ""
    stage: str = ""
    staff: int | None = None
    court: int | None = None
    outcome: str = ""
    unit: int | None = None
    sort: str = DEFAULT_SORT


def visible_cases(user) -> QuerySet[Case]:
    ids = visible_unit_ids(user)
    qs = Case.objects.all()
    if ids is None or holds_every_case(ids):
        return qs
    return qs.filter(unit_id__in=ids)


def holds_every_case(unit_ids) -> bool:
    """True when no other unit has a case in this database (a unit's own installation): the unit
    filter is then a no-op, and leaving it out lets the database read the register in index order
    (a filter on the unit makes it sort the whole table for each page)."""
    from kiemsat.web.memo import per_request

    def compute():
        from kiemsat.org.models import Unit

        others = list(Unit.objects.exclude(pk__in=list(unit_ids)).values_list("pk", flat=True))
        return not others or not Case.objects.filter(unit_id__in=others).exists()

    return per_request(("cases.holds_every_case", tuple(unit_ids)), compute)  # once per request


def register(user, f: RegisterFilters) -> QuerySet[Case]:
    qs = visible_cases(user).select_related("court", "assigned_to", "unit")
    if f.q:
        for word in fold(f.q).split():
            qs = qs.filter(search_folded__contains=word)
    if f.year:
        qs = qs.filter(year=f.year)
    if f.measure:
        qs = qs.filter(measure=f.measure)
    if f.stage:
        qs = qs.filter(stage=f.stage)
    if f.staff:
        qs = qs.filter(assigned_to_id=f.staff)
    if f.court:
        qs = qs.filter(court_id=f.court)
    if f.outcome:
        qs = qs.filter(outcome="" if f.outcome == "none" else f.outcome)
    if f.unit:
        qs = qs.filter(unit_id=f.unit)
    return qs.order_by(*SORTS.get(f.sort, SORTS[DEFAULT_SORT]))


# ------------------------------------------------------------------ cached reads of the register
# The filter lists and the page counts of a big register cost a pass over the cases each; they are kept
# per process until the register changes (change_stamp) and at most CACHE_SECONDS.
CACHE_SECONDS = 600
_CACHE: dict = {}
_COUNT_LOCK = threading.Lock()


def change_stamp(db: str = "default") -> tuple:
    """Moves whenever a case is added or changed (every change of a case or of its events ends in
    services.refresh_summary, which moves updated_at; bulk inserts add ids). Two index lookups
    (newest id, newest updated_at), however big the register. Cases are never deleted by the
    product (a restore replaces the database; the cache expires anyway). Read once per request
    (kiemsat.web.memo: GET requests, which change no case)."""
    from kiemsat.web.memo import per_request

    def read():
        top = Case.objects.using(db).order_by("-id").values_list("id", flat=True).first()
        newest = Case.objects.using(db).order_by("-updated_at").values_list("updated_at", flat=True).first()
        return top, newest

    return per_request(("cases.change_stamp", db), read)


CHANGE_OVERLAP_SECONDS = 120  # cases changed this long before a mark are read again (see changes_since)
CHANGES_LIMIT = 5000


def change_mark(db: str = "default") -> tuple:
    """(highest id, newest updated_at, number of cases) — read before a cached value is computed, so
    that changes_since(mark) later names every case changed since (three index lookups)."""
    from django.db.models import Max

    objs = Case.objects.using(db)
    return (objs.aggregate(m=Max("id"))["m"], objs.aggregate(m=Max("updated_at"))["m"], objs.count())


def request_mark(db: str = "default") -> tuple:
    """change_mark(db), read once per request (kiemsat.web.memo; each read counts the cases — 10 ms
    at 100,000 — and a page after a write patches several caches). An older mark is always safe as a
    mark: changes_since(it) names a superset of what changed since the cached value was computed."""
    from kiemsat.web.memo import per_request

    return per_request(("cases.change_mark", db), lambda: change_mark(db))


def changes_since(mark: tuple, db: str = "default", overlap: float | None = None,
                  now: tuple | None = None) -> list[int] | None:
    """Ids of the cases created or changed since change_mark() gave `mark` (with a margin of
    CHANGE_OVERLAP_SECONDS for transactions that commit after a later one), for caches that patch
    themselves; None when that cannot be told — a case removed (the count does not add up), the
    register gone back in time (a restore), more than CHANGES_LIMIT changes: compute again.
    Every change of a case or its events moves its updated_at (services.refresh_summary; bulk
    inserts and the checklist set it too)."""
    import datetime as dt

    from django.db.models import Q

    top, newest, total = mark
    if top is None or newest is None:
        return None
    # `now`: a change_mark() the caller read (request_mark); when it does not add up — older than
    # `mark`, or cases added since it was read — the register is read again before giving up
    for cur in ((now, None) if now is not None else (None,)):
        now_top, now_newest, now_total = cur if cur is not None else change_mark(db)
        if now_top is None or now_newest is None or now_top < top or now_newest < newest:
            continue
        margin = dt.timedelta(seconds=CHANGE_OVERLAP_SECONDS if overlap is None else overlap)
        got = list(Case.objects.using(db).filter(Q(updated_at__gte=newest - margin) | Q(pk__gt=top))
                   .values_list("pk", flat=True)[:CHANGES_LIMIT + 1])
        if len(got) > CHANGES_LIMIT:
            return None
        if now_total == total + sum(1 for pk in got if pk > top):
            return got
    return None


def cached(key, compute, stamp: tuple | None = None):
    """compute() once per (key, register state), per process."""
    import time

    stamp = change_stamp() if stamp is None else stamp
    now = time.monotonic()
    hit = _CACHE.get(key)
    if hit is not None and hit[0] == stamp and now - hit[1] < CACHE_SECONDS:
        return hit[2]
    value = compute()
    if len(_CACHE) > 512:
        _CACHE.clear()
    _CACHE[key] = (stamp, now, value)
    return value


COUNT_IDS_LIMIT = 20_000
_COUNTS: dict = {}


def _count(key, ids_qs) -> int:
    return _count_ids(key, ids_qs)[0]


def _count_ids(key, ids_qs):
    """(ids_qs.count(), its ids as a sorted numpy array or None), kept per process. A small result (≤ COUNT_IDS_LIMIT cases, e.g. a name
    search, which the database can only count by reading every row) keeps its ids, so after a
    change only the changed cases are tested again (changes_since); a big one is counted again."""
    import numpy as np

    now = time.monotonic()
    hit = _COUNTS.get(key)
    stamp = change_stamp(ids_qs.db)
    if hit is not None and hit[0] == stamp and now - hit[1] < CACHE_SECONDS:
        return hit[3], hit[4]
    with _COUNT_LOCK:
        hit = _COUNTS.get(key)
        if hit is not None and hit[0] == stamp and now - hit[1] < CACHE_SECONDS:
            return hit[3], hit[4]
        mark = request_mark(ids_qs.db)
        ids = None
        if hit is not None and hit[4] is not None and now - hit[1] < CACHE_SECONDS:
            changed = changes_since(hit[2], ids_qs.db, now=mark)
            if changed is not None:
                ch = np.asarray(changed, dtype=np.int64)
                now_in = np.fromiter(ids_qs.filter(pk__in=changed).order_by(), dtype=np.int64) if changed else ch
                ids = np.union1d(hit[4][~np.isin(hit[4], ch)], now_in)
        made = hit[1] if ids is not None else now
        if ids is None:
            n = ids_qs.count()
            if n <= COUNT_IDS_LIMIT:
                ids = np.unique(np.fromiter(ids_qs.order_by(), dtype=np.int64))
                n = len(ids)
        else:
            n = len(ids)
        if len(_COUNTS) > 512:
            _COUNTS.clear()
        _COUNTS[key] = (stamp, made, mark, n, ids)
        return n, ids


def _scope_key(user) -> tuple:
    ids = visible_unit_ids(user)
    return None if ids is None else tuple(sorted(ids))


class Columns:
    """A few columns of every case a scope reads, in id order (numpy; 0 = none): stage (codes into
    STAGE_VALUES), year, court, staff (assigned user). Kept per process and patched when the
    register changes (register_columns). Shared: do not modify; `memo` keeps what is derived from
    one state (e.g. the stage counts)."""

    __slots__ = ("ids", "stage", "year", "court", "staff", "memo")

    def __init__(self, ids, stage, year, court, staff):
        self.ids, self.stage, self.year, self.court, self.staff = ids, stage, year, court, staff
        self.memo: dict = {}

    def derived(self, name, make):
        hit = self.memo.get(name)
        if hit is None:
            hit = self.memo[name] = make()
        return hit


STAGE_VALUES: list = []  # stage code -> stage value (append-only, per process)
_STAGE_CODE: dict = {}
_COLUMN_FIELDS = ("pk", "stage", "year", "court_id", "assigned_to_id")
_COLUMNS: dict = {}
_COLUMNS_LOCK = threading.Lock()
COLUMNS_OVERLAP_SECONDS = None  # margin of changes_since (None: its default); tests set 0


def _stage_code(v) -> int:
    c = _STAGE_CODE.get(v)
    if c is None:
        c = _STAGE_CODE[v] = len(STAGE_VALUES)
        STAGE_VALUES.append(v)
    return c


def _read_columns(qs) -> Columns:
    import numpy as np

    rows = list(qs.order_by("pk").values_list(*_COLUMN_FIELDS))
    n = len(rows)
    return Columns(np.fromiter((r[0] for r in rows), dtype=np.int64, count=n),
                   np.fromiter((_stage_code(r[1]) for r in rows), dtype=np.int64, count=n),
                   np.fromiter((r[2] or 0 for r in rows), dtype=np.int64, count=n),
                   np.fromiter((r[3] or 0 for r in rows), dtype=np.int64, count=n),
                   np.fromiter((r[4] or 0 for r in rows), dtype=np.int64, count=n))


def _patch_columns(old: Columns, qs, changed: list[int]) -> Columns:
    """old brought up to date after the cases `changed` were created or changed: their rows are
    dropped and read again (those still in qs) — equal to _read_columns(qs)."""
    import numpy as np

    from kiemsat.domain.vector import without

    ch = np.unique(np.asarray(changed, dtype=np.int64))
    keep = without(old.ids, ch)
    new = _read_columns(qs.filter(pk__in=ch.tolist())) if len(ch) else None
    parts = ("ids", "stage", "year", "court", "staff")
    if new is None or not len(new.ids):
        return Columns(*(getattr(old, k)[keep] for k in parts))
    kept_ids = old.ids[keep]
    at = np.searchsorted(kept_ids, new.ids)  # both sorted, disjoint: inserted in place
    return Columns(*(np.insert(getattr(old, k)[keep], at, getattr(new, k)) for k in parts))


COLUMNS_LIMIT = 300_000  # a bigger scope (a province) is not kept: its reads go to the database as before
_TOO_BIG: dict = {}


def register_columns(user=None, qs=None) -> Columns | None:
    """The Columns of the cases a user reads (or of qs), kept per process: after a change only the
    changed cases are read again (changes_since; tests/cases/test_columns_selectors.py: equal to
    a new read), at most CACHE_SECONDS old, then read again in full. None for a scope of more than
    COLUMNS_LIMIT cases (reading it all would cost seconds): the caller asks the database."""
    from django.core.exceptions import EmptyResultSet

    qs = visible_cases(user) if qs is None else qs
    try:
        sql = qs.values_list("pk").query.sql_with_params()
    except EmptyResultSet:
        return _read_columns(qs.none())
    key = (qs.db, sql[0], tuple(map(str, sql[1])))
    now = time.monotonic()
    big = _TOO_BIG.get(key)
    if big is not None and now - big < CACHE_SECONDS:
        return None
    stamp = change_stamp(qs.db)
    hit = _COLUMNS.get(key)
    if hit is not None and hit[0] == stamp and now - hit[1] < CACHE_SECONDS:
        return hit[3]
    with _COLUMNS_LOCK:  # one thread brings it up to date; the others wait for it
        hit = _COLUMNS.get(key)
        if hit is not None and hit[0] == stamp and now - hit[1] < CACHE_SECONDS:
            return hit[3]
        mark = request_mark(qs.db)  # before reading: what changes from here on is read again next time
        cols = None
        if hit is not None and now - hit[1] < CACHE_SECONDS:
            changed = changes_since(hit[2], qs.db, COLUMNS_OVERLAP_SECONDS, now=mark)
            if changed is not None:
                cols = _patch_columns(hit[3], qs, changed)
        made = hit[1] if cols is not None else now
        if cols is None:
            if qs.order_by().values("pk")[COLUMNS_LIMIT:COLUMNS_LIMIT + 1].exists():
                _TOO_BIG[key] = now
                _COLUMNS.pop(key, None)
                return None
            cols = _read_columns(qs)
        if len(_COLUMNS) > 64:
            _COLUMNS.clear()
        _COLUMNS[key] = (stamp, made, mark, cols)
        return cols


def assigned_ids(user, qs=None):
    """The ids (sorted numpy array) of the cases of qs (default: those the user reads) assigned to the user."""
    import numpy as np

    cols = register_columns(user, qs)
    if cols is None:
        qs = visible_cases(user) if qs is None else qs
        return np.unique(np.fromiter(qs.filter(assigned_to=user).order_by().values_list("pk", flat=True),
                                     dtype=np.int64))
    return cols.derived(("assigned", user.pk), lambda: cols.ids[cols.staff == user.pk])


def years(user) -> list[int]:
    """The years of the visible cases, newest first."""
    import numpy as np

    cols = register_columns(user)
    if cols is None:
        return cached(("years", _scope_key(user)), lambda: sorted(
            (y for y in visible_cases(user).values_list("year", flat=True).distinct() if y), reverse=True))
    return cols.derived("years", lambda: [int(y) for y in np.unique(cols.year[cols.year != 0])[::-1]])


def courts(user):
    """The courts with at least one visible case."""
    import numpy as np

    from kiemsat.org.models import Court

    cols = register_columns(user)
    if cols is None:
        ids = cached(("courts", _scope_key(user)),
                     lambda: sorted(c for c in visible_cases(user).values_list("court_id", flat=True).distinct() if c))
    else:
        ids = cols.derived("courts", lambda: [int(c) for c in np.unique(cols.court[cols.court != 0])])
    return Court.objects.filter(pk__in=ids)


def stage_counts(user) -> dict[str, int]:
    """Number of visible cases per stage (the dashboard's first line)."""
    import numpy as np

    from django.db.models import Count

    cols = register_columns(user)
    if cols is None:
        return cached(("stages", _scope_key(user)),
                      lambda: dict(visible_cases(user).values_list("stage").annotate(n=Count("id")).order_by()))

    def make():
        n = np.bincount(cols.stage, minlength=len(STAGE_VALUES))
        return {STAGE_VALUES[i]: int(k) for i, k in enumerate(n.tolist()) if k}

    return dict(cols.derived("stages", make))


REGISTER_COLUMNS = ("id", "so_thu_ly", "person_name", "birth_year", "measure", "thu_ly_date", "decision_date", "outcome",
                    "stage", "unit_id", "court_id", "assigned_to_id", "year")


SPLIT_LIMIT = 5000


def split_units(user, f: RegisterFilters) -> list[int] | None:
    """The units to read one by one for this user's register (see register_page), or None. Only for
    the plain register (any filter: the database's own plan, e.g. the (year, thụ lý date) index)."""
    if f.unit or f.q or f.year or f.measure or f.stage or f.staff or f.court or f.outcome:
        return None
    ids = visible_unit_ids(user)
    if ids is None or len(ids) < 2 or holds_every_case(ids):
        return None
    return sorted(ids)


def _page_ids(ids_qs, lo: int, hi: int, count: int, split: list[int] | None, sort: str) -> list[int]:
    from django.db import connections

    if split and hi <= SPLIT_LIMIT and connections[ids_qs.db].vendor == "postgresql":
        # A unit and its predecessors (unit_id IN (…)): read each unit's first rows from the
        # (unit, sort) index and merge them in SQL — one ordered index scan would step over the other
        # units' rows first (all the cases without a thụ lý date of every unit, for the default sort).
        order = SORTS.get(sort, SORTS[DEFAULT_SORT])
        cols = ["pk", *(o.lstrip("-") for o in order if o.lstrip("-") not in ("id", "pk"))]
        parts = [ids_qs.filter(unit_id=u).order_by(*order).values_list(*cols)[:hi] for u in split]
        return [r[0] for r in parts[0].union(*parts[1:], all=True).order_by(*order)[lo:hi]]
    if lo > count // 2:
        return list(ids_qs.reverse()[count - hi:count - lo])[::-1]
    return list(ids_qs[lo:hi])


FEW_IDS = 1000  # a count of at most this many cases: the page is read among their ids (register_page)


def register_page(qs: QuerySet[Case], number, per_page: int = 50, split: list[int] | None = None,
                  sort: str = DEFAULT_SORT):
    """One page of the register.

    - the count is kept per process until the register changes (a count of a million rows is the
      slowest part of a page otherwise);
    - the page's ids are read first — a narrow query the database answers from its indexes — then
      only those rows, with what the table shows;
    - a page past the middle is read from the other end (reverse order, smaller offset, then turned
      back): the last page costs what the first does. The order always ends with the id, so both
      directions give exactly the same pages;
    - `split` (PostgreSQL, the first SPLIT_LIMIT rows): the units of a unit's lineage read one by one
      and merged (split_units)."""
    from django.core.paginator import Paginator

    from django.core.exceptions import EmptyResultSet

    ids_qs = qs.values_list("pk", flat=True)
    try:
        key = ("count", *ids_qs.query.sql_with_params())
    except EmptyResultSet:  # e.g. a user of no unit: nothing to count
        key = None
    count, known = (0, None) if key is None else _count_ids(("count", key[1], tuple(map(str, key[2]))), ids_qs)
    paginator = Paginator(ids_qs, per_page)
    paginator.count = count  # cached_property: set, so the paginator does not count again
    page = paginator.get_page(number)
    lo = (page.number - 1) * per_page
    hi = min(lo + per_page, count)
    if hi <= lo:
        ids = []
    elif (known is not None and len(known) <= FEW_IDS and split is None and qs.query.order_by
          and all(isinstance(o, str) for o in qs.query.order_by)):
        # few cases match (a name search): the page is read among their ids (kept with the count),
        # in the same order — the filter alone would make the database walk the register in sort
        # order to find them, row after row. The query's own filters stay: ids kept by a process
        # that missed a change (another worker's late commit) can then only hide a row, never show
        # a case the user may not see or that no longer matches
        ids = list(qs.filter(pk__in=known.tolist()).values_list("pk", flat=True)[lo:hi])
    else:
        ids = _page_ids(ids_qs, lo, hi, count, split, sort)
    rows = {c.pk: c for c in Case.objects.filter(pk__in=ids).select_related("assigned_to").only(
        *REGISTER_COLUMNS, "assigned_to__full_name")}
    page.object_list = [rows[i] for i in ids if i in rows]
    return page


def case_timeline(case: Case):
    """The case's events in procedural order (then by date)."""
    import datetime as _dt

    from kiemsat.domain.events import EVENT_TYPE_BY_CODE

    return sorted(case.events.all(), key=lambda e: (e.date or e.received or e.end or _dt.date.max, EVENT_TYPE_BY_CODE[e.code].order, e.pk))
