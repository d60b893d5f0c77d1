"""The fast findings scan of the register (legal.services.scan with violation / overdue / due_soon).

1. Read each case's digest (cases.CaseDigest: its events packed in one fixed row of int32 words,
   kept by cases.services in the same transaction as the events): on SQLite and PostgreSQL the
   database concatenates them, one value per part of STREAM_CHUNK cases (in pk order), instead
   of ~10 event rows per case. Outside a transaction the next part is read by another thread on
   its own connection while the main thread evaluates the one before (`_scan_streamed`).
2. `kiemsat.domain.vector` evaluates every case on numpy columns with the active ruleset and
   calendar, exactly as the engine would.
3. The cases it leaves to the engine (and cases without a current digest) are read with
   `services.facts_for` and evaluated by `engine.evaluate`, part by part.

The result is a sequence of `services.Scanned` in the order of the scalar path: the queryset's
order (an unordered queryset: pk order), then the ruleset's. The findings are computed during the
scan; their Python objects (Finding, CaseFacts with the person's name, court, unit and staff) are
built when read, a chunk at a time, so a caller that needs some of them does not pay for all.
"""

from __future__ import annotations

import datetime as dt
import gc
import json
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from operator import itemgetter

import numpy as np
from django.db import connections
from django.db.models import F, FilteredRelation, Lookup, Q

from kiemsat.cases.models import Case
from kiemsat.domain import engine
from kiemsat.domain.calendar import WorkCalendar
from kiemsat.domain.facts import CaseFacts
from kiemsat.domain.rules import Ruleset
from kiemsat.domain.vector import WORDS, Columns, Hits, without

CHUNK = 2000


class DigestFacts(CaseFacts):
    """CaseFacts of a scanned case, whose events are read from the database on first access
    (the scan itself reads only the digest)."""

    @property
    def events(self):
        ev = self.__dict__.get("_events")
        if ev is None:
            from .services import facts_for

            got = facts_for(qs=Case.objects.using(self.__dict__["_db"]).filter(pk=int(self.key)))
            ev = self.__dict__["_events"] = got[0].events if got else []
        return ev

    @events.setter
    def events(self, value):
        self.__dict__["_events"] = value


READ_CHUNK = 2_000_000  # cases per aggregate query: 368 MB of digests (SQLite and PostgreSQL cap a value at 1 GB)


def _read(qs) -> tuple[np.ndarray, Columns]:
    """Every case of qs (see _read_cases); a queryset that can match nothing (e.g. unit_id__in=[])
    is simply empty. Cases with a dossier checklist item marked missing go to the engine (the
    columns do not evaluate the checklist rule)."""
    from django.core.exceptions import EmptyResultSet

    from kiemsat.documents.selectors import cases_with_missing

    try:
        ids, cols = _read_cases(qs)
    except EmptyResultSet:
        return np.zeros(0, dtype=np.int64), Columns([])
    flagged = cases_with_missing(qs.db)
    raw = cols.__dict__.get("_raw")
    if flagged and len(ids) and raw is not None:
        forced = np.isin(ids, np.array(flagged, dtype=np.int64))
        if forced.any():
            arr, good, old = raw
            cols._raw = (arr, good, forced if old is None else (old | forced))
    return ids, cols


def _read_cases(qs) -> tuple[np.ndarray, Columns]:
    """(case ids, their digests as Columns) of every case of qs, in the queryset's order.

    SQLite and PostgreSQL, unordered or ordered by pk: the database concatenates the digests
    (group_concat / string_agg — one value per 2,000,000 cases instead of one Python row per case),
    a missing or odd-sized digest becoming a row of zeros (evaluated by the engine); the cases
    come back in pk order. Any other ordering or database: one row per case."""
    conn = connections[qs.db]
    if qs.query.is_empty():
        return np.zeros(0, dtype=np.int64), Columns([])
    order = tuple(qs.query.order_by)
    if conn.vendor not in ("sqlite", "postgresql") or qs.query.extra_order_by or \
            order not in ((), ("pk",), ("id",), ("-pk",), ("-id",)) or qs.query.is_sliced or qs.query.distinct:
        sql, params = qs.values_list("pk", "digest__packed").query.sql_with_params()
        with conn.cursor() as cur:
            cur.execute(sql, params)
            rows = cur.fetchall()
        return (np.fromiter(map(itemgetter(0), rows), dtype=np.int64, count=len(rows)),
                Columns(list(map(itemgetter(1), rows))))
    size = 4 * WORDS
    if conn.vendor == "sqlite":
        agg = ('SELECT count(*), max(s."kpk"), group_concat(s."kpk"), CAST(group_concat(CASE WHEN '
               f'length(s."kdg") = {size} THEN s."kdg" ELSE zeroblob({size}) END, \'\') AS BLOB) FROM ({{}}) s')
    else:
        agg = ('SELECT count(*), max(s."kpk"), string_agg(s."kpk"::text, \',\'), string_agg(CASE WHEN '
               f'octet_length(s."kdg") = {size} THEN s."kdg" ELSE decode(repeat(\'00\', {size}), \'hex\') END, '
               "''::bytea) FROM ({}) s")
    ids_parts, bufs = [], []
    last = None
    base = qs.order_by()
    with conn.cursor() as cur:
        raw = None
        if conn.vendor == "postgresql":  # binary results: the digests arrive as bytes, not as hex text
            import psycopg

            raw = psycopg.Cursor(conn.connection)
        while True:
            part = base if last is None else base.filter(pk__gt=last)
            part = part.order_by("pk").values(kpk=F("pk"), kdg=F("digest__packed"))[:READ_CHUNK]
            sql, params = part.query.sql_with_params()
            if raw is not None:
                raw.execute(agg.format(sql), params, binary=True)
                n, last, idtext, buf = raw.fetchone()
            else:
                cur.execute(agg.format(sql), params)
                n, last, idtext, buf = cur.fetchone()
            if not n:
                break
            ids_parts.append(np.array(idtext.split(","), dtype=np.int64))
            bufs.append(bytes(buf))
            if n < READ_CHUNK:
                break
    if not ids_parts:
        return np.zeros(0, dtype=np.int64), Columns([])
    ids = np.concatenate(ids_parts)
    arr = np.frombuffer(b"".join(bufs) if len(bufs) > 1 else bufs[0], dtype="<i4").reshape(len(ids), WORDS)
    # the aggregate's input order is the database's: put the cases in pk order (or its reverse)
    if len(ids) > 1 and not (ids[1:] > ids[:-1]).all():
        o = np.argsort(ids, kind="stable")
        ids, arr = ids[o], arr[o]
    if order and order[0].startswith("-"):
        ids, arr = ids[::-1], arr[::-1]
    return ids, Columns.from_array(arr)


def _evaluate(cols: Columns, ruleset: Ruleset, calendar: WorkCalendar, as_of: dt.date, soon: dt.date,
              keep: frozenset, shared) -> Hits:
    """vector.evaluate with the parameter numbering of `shared` (kept by the scan, so the hits of a
    later partial evaluation — see refresh — number the parameter values alike), its hits in the
    canonical order: a partial evaluation of some cases gives exactly their part of a full one."""
    from kiemsat.domain import vector as V

    return V.evaluate(cols, ruleset, calendar, as_of, statuses=keep, soon_until=soon, shared=shared, canonical=True)


def _fetch_facts(db: str, ids: list[int]) -> dict[int, CaseFacts]:
    """services.facts_for of these cases, by id (in chunks)."""
    from .services import facts_for

    out = {}
    for i in range(0, len(ids), CHUNK):
        for c in facts_for(qs=_by_ids(db, ids[i:i + CHUNK])):
            out[int(c.key)] = c
    return out


def _engine_entries(db: str, ids: np.ndarray, rows: np.ndarray, ctx, known: dict | None = None) -> list:
    """(row, rule position, Scanned) of the engine's findings for the given rows (cases the columns
    leave to it), sorted by row then rule position (a case's findings of one rule in the engine's order).
    known: CaseFacts already read, by id (the others are read here)."""
    from .services import Scanned

    ruleset, calendar, as_of, due_soon_wd, keep, soon = ctx[:6]
    pos_of: dict[int, list[int]] = {}
    for r in rows.tolist():
        pos_of.setdefault(int(ids[r]), []).append(r)
    out: list[tuple[int, int, Scanned]] = []
    rule_pos = {r.id: i for i, r in enumerate(ruleset.rules)}
    known = known or {}
    facts = [known[i] for i in pos_of if i in known]
    missing = [i for i in pos_of if i not in known]
    if missing:
        got = _fetch_facts(db, missing)
        facts += [got[i] for i in missing if i in got]
    facts.sort(key=lambda c: int(c.key))  # as facts_for reads them: by id
    for c in facts:
        cid = int(c.key)
        for f in engine.evaluate(c, ruleset, calendar, as_of, due_soon_wd, statuses=keep, soon_until=soon):
            for r in pos_of[cid]:
                out.append((r, rule_pos.get(f.rule, -1), Scanned(cid, c, f)))
    out.sort(key=lambda e: (e[0], e[1]))
    return out


class _AnyOf(Lookup):
    """`column = ANY(%s)` with the ids as one array parameter (PostgreSQL): the same condition and
    plan as `pk__in=[…]` (an index condition the planner counts right even on tables it has no
    statistics for), without Django and the driver processing one placeholder per id."""

    lookup_name = "kiemsat_any_of"
    prepare_rhs = False

    def as_sql(self, compiler, connection):
        lhs, params = self.process_lhs(compiler, connection)
        return f"{lhs} = ANY(%s::bigint[])", [*params, [int(i) for i in self.rhs]]


def _by_ids(db: str, ids: list[int]):
    """Case.objects.using(db).filter(pk__in=ids), written for a long list."""
    qs = Case.objects.using(db)
    if connections[db].vendor == "postgresql" and len(ids) > 50:
        return qs.filter(_AnyOf(F("pk"), list(ids)))
    return qs.filter(pk__in=ids)


def scan(qs, ruleset: Ruleset, calendar: WorkCalendar, as_of: dt.date, due_soon_wd: int,
         statuses) -> FindingsScan:
    from kiemsat.domain import vector as V

    t0 = time.perf_counter()
    keep = frozenset(statuses)
    soon = calendar.add_wd(as_of, due_soon_wd)
    shared = V._Shared()
    ctx = (ruleset, calendar, as_of, due_soon_wd, keep, soon, shared)
    if _streamable(qs):
        return _scan_streamed(qs, ctx, t0)
    ids, cols = _read(qs)
    t2 = time.perf_counter()
    hits = _evaluate(cols, ruleset, calendar, as_of, soon, keep, shared)
    t3 = time.perf_counter()
    fb_entries = _engine_entries(qs.db, ids, np.flatnonzero(hits.fallback), ctx)
    out = FindingsScan(qs.db, ids, hits, fb_entries)
    out.ctx = ctx
    t4 = time.perf_counter()
    out.timings = {"read": t2 - t0, "columns": t3 - t2, "engine": t4 - t3,
                   "cases": len(ids), "engine_cases": int(hits.fallback.sum())}
    return out


# ------------------------------------------------------------------ the scan in parts, read ahead
STREAM_CHUNK = 100_000  # cases per part of a streamed scan (~18 MB of digests)


def _streamable(qs) -> bool:
    """An unordered (or pk-ordered) plain queryset on SQLite / PostgreSQL: read in parts by pk."""
    conn = connections[qs.db]
    return (conn.vendor in ("sqlite", "postgresql") and not qs.query.is_empty() and not qs.query.extra_order_by
            and tuple(qs.query.order_by) in ((), ("pk",), ("id",)) and not qs.query.is_sliced
            and not qs.query.distinct)


def _part_sql(conn, qs, last: int | None, n: int) -> tuple[str, list]:
    """One aggregate row of the next n cases of qs after pk `last`: (count, last pk, the pks, the
    digests laid end to end — a missing or odd-sized digest as zeros). PostgreSQL sends the pks
    as 8-byte binary integers."""
    size = 4 * WORDS
    if last is None:
        part = qs.order_by().values(kpk=F("pk"), kdg=F("digest__packed"))
    else:  # the bound on both sides of the join: the digests' index is entered at `last`, not read from the start
        part = qs.order_by().filter(pk__gt=last).annotate(
            kd=FilteredRelation("digest", condition=Q(digest__case_id__gt=last))).values(kpk=F("pk"), kdg=F("kd__packed"))
    part = part.order_by("pk")[:n]
    sql, params = part.query.sql_with_params()
    if conn.vendor == "sqlite":
        agg = ('SELECT count(*), max(s."kpk"), group_concat(s."kpk"), CAST(group_concat(CASE WHEN '
               f'length(s."kdg") = {size} THEN s."kdg" ELSE zeroblob({size}) END, \'\') AS BLOB) FROM ({{}}) s')
    else:
        agg = ('SELECT count(*), max(s."kpk"), string_agg(int8send(s."kpk"), \'\'::bytea), string_agg(CASE WHEN '
               f'octet_length(s."kdg") = {size} THEN s."kdg" ELSE decode(repeat(\'00\', {size}), \'hex\') END, '
               "''::bytea) FROM ({}) s")
    return agg.format(sql), list(params)


def _read_parts(qs, n: int = 0):
    """(ids, (k, WORDS) int32 digests) of the cases of qs in parts of n, in pk order."""
    from django.core.exceptions import EmptyResultSet

    n = n or STREAM_CHUNK
    conn = connections[qs.db]
    try:  # a queryset that can match nothing (e.g. unit_id__in=[]) is simply empty
        qs.query.sql_with_params()
    except EmptyResultSet:
        return
    raw = None
    if conn.vendor == "postgresql":  # binary results: bytes, not hex text
        import psycopg

        conn.ensure_connection()
        raw = psycopg.Cursor(conn.connection)
    last = None
    with conn.cursor() as cur, (raw if raw is not None else cur):
        while True:
            sql, params = _part_sql(conn, qs, last, n)
            if raw is not None:
                raw.execute(sql, params, binary=True)
                k, last, idbuf, buf = raw.fetchone()
            else:
                cur.execute(sql, params)
                k, last, idbuf, buf = cur.fetchone()
            if not k:
                return
            if raw is not None:
                ids = np.frombuffer(bytes(idbuf), dtype=">i8").astype(np.int64)
            else:
                ids = np.array(idbuf.split(","), dtype=np.int64)
            arr = np.frombuffer(bytes(buf), dtype="<i4").reshape(k, WORDS)
            if k > 1 and not (ids[1:] > ids[:-1]).all():  # the aggregate's input order is the database's
                o = np.argsort(ids, kind="stable")
                ids, arr = ids[o], arr[o]
            yield ids, arr
            if k < n:
                return


def _ahead(gen_fn, db: str):
    """The items of gen_fn() read by another thread on its own connection, one item ahead of the
    caller (the database works while the caller evaluates). Inside a transaction another
    connection would not see its rows: then read here, in line."""
    import queue
    import threading

    if any(c.in_atomic_block for c in connections.all(initialized_only=True)):
        yield from gen_fn()
        return
    q: queue.Queue = queue.Queue(maxsize=2)
    stop = threading.Event()
    end = object()

    def put(item) -> bool:
        """Hand an item over unless the caller has stopped reading (then False)."""
        while not stop.is_set():
            try:
                q.put(item, timeout=0.2)
                return True
            except queue.Full:
                continue
        return False

    def run():
        try:
            conn = connections[db]
            if conn.vendor == "postgresql":  # a plain read: compiling it (JIT) would cost more than it saves
                with conn.cursor() as cur:
                    cur.execute("SET jit = off")
            for item in gen_fn():
                if not put(item):
                    return
            put(end)
        except BaseException as exc:  # re-raised in the caller's thread
            put(exc)
        finally:
            connections.close_all()  # this thread's connections only

    th = threading.Thread(target=run, name="findings-read", daemon=True)
    th.start()
    try:
        while True:
            item = q.get()
            if item is end:
                return
            if isinstance(item, BaseException):
                raise item
            yield item
    finally:
        stop.set()
        th.join()


def _scan_streamed(qs, ctx, t0: float) -> FindingsScan:
    """scan() of a queryset read in parts (pk order): while one part is evaluated — the columns,
    then the engine for the cases they leave to it — the next is read on another connection. The
    parts share the parameter numbering and are evaluated like the blocks of one evaluation, so
    the result is the one of a single read (tests/legal/test_scan_parts.py)."""
    from kiemsat.documents.selectors import cases_with_missing

    ruleset, calendar, as_of, due_soon_wd, keep, soon, shared = ctx
    flagged = np.array(sorted(set(cases_with_missing(qs.db))), dtype=np.int64)
    ids_parts, hit_parts, fb_parts, entries = [], [], [], []
    offset = 0
    t_cols = t_eng = 0.0
    n_fb = 0
    def parts():
        """Each part with its Columns set up and the facts of the cases they already leave to the
        engine (a digest the columns cannot read: most of the engine's cases) read beforehand —
        on the reading thread, so those reads too overlap the evaluation of the part before."""
        for ids, arr in _read_parts(qs):
            cols = Columns.from_array(arr, np.isin(ids, flagged) if len(flagged) else None)
            cols = cols.block(0, cols.n)
            yield ids, cols, _fetch_facts(qs.db, ids[np.flatnonzero(cols.fallback)].tolist())

    for ids, cols, known in _ahead(parts, qs.db):
        t = time.perf_counter()
        h = _evaluate(cols, ruleset, calendar, as_of, soon, keep, shared)
        t2 = time.perf_counter()
        fb_rows = np.flatnonzero(h.fallback)
        n_fb += len(fb_rows)
        entries.extend((r + offset, p, s) for r, p, s in _engine_entries(qs.db, ids, fb_rows, ctx, known))
        t_eng += time.perf_counter() - t2
        t_cols += t2 - t
        ids_parts.append(ids)
        hit_parts.append((offset, h))
        fb_parts.append(h.fallback)
        offset += len(ids)
    t3 = time.perf_counter()
    ids = np.concatenate(ids_parts) if ids_parts else np.zeros(0, dtype=np.int64)
    hits = _join_hits(hit_parts, fb_parts, ctx)
    out = FindingsScan(qs.db, ids, hits, entries)
    out.ctx = ctx
    total = time.perf_counter() - t0
    out.timings = {"read": max(0.0, total - t_cols - t_eng), "columns": t_cols + (time.perf_counter() - t3),
                   "engine": t_eng, "cases": len(ids), "engine_cases": n_fb, "parts": len(ids_parts)}
    return out


def _join_hits(parts: list, fbs: list, ctx) -> Hits:
    """One Hits of parts evaluated one after the other with the same parameter numbering: the rows
    moved by each part's offset (the parts are in pk order, each sorted by row then rule)."""
    from kiemsat.domain import vector as V

    ruleset, calendar, as_of, _w, keep, soon, shared = ctx
    if not parts:
        return _evaluate(Columns([]), ruleset, calendar, as_of, soon, keep, shared)
    if len(parts) == 1:
        return parts[0][1]
    first = parts[0][1]
    cols = {}
    for k in first.cols:
        if k == "row":
            cols[k] = np.concatenate([(h.cols[k].astype(np.int64) + off).astype(h.cols[k].dtype)
                                      if off else h.cols[k] for off, h in parts])
        else:
            cols[k] = np.concatenate([h.cols[k] for _off, h in parts])
    return V.Hits(rows=cols["row"], cols=cols, fallback=np.concatenate(fbs), ruleset=ruleset, calendar=calendar,
                  as_of=as_of, pvs=shared.pv.items, pnames=shared.pnames, rule_pos=first.rule_pos)


REFRESH_LIMIT = 5000  # changed cases beyond which refresh gives up (the caller scans again)


def refresh(old: FindingsScan, qs, changed) -> FindingsScan | None:
    """The scan `old` of qs brought up to date after the cases `changed` (ids, in or out of qs)
    were created, changed or removed: only those cases are read and evaluated again, the other
    cases' findings are kept. The result equals scan(qs, …) with the same ruleset, calendar and
    dates (tests/legal/test_incremental.py). None when it cannot be done this way (an ordered
    queryset, too many changes, a scan not made by `scan`): scan again."""
    ctx = getattr(old, "ctx", None)
    if ctx is None or tuple(qs.query.order_by) or qs.query.is_sliced or qs.query.distinct or qs.db != old._db:
        return None
    changed = np.unique(np.asarray(list(changed), dtype=np.int64))
    if len(changed) > REFRESH_LIMIT:
        return None
    t0 = time.perf_counter()
    ruleset, calendar, as_of, due_soon_wd, keep, soon, shared = ctx
    old_ids = old._ids
    if len(old_ids) > 1 and not (old_ids[1:] > old_ids[:-1]).all():
        return None
    if len(changed):
        sub_ids, sub_cols = _read(qs.filter(pk__in=changed.tolist()))
    else:
        sub_ids, sub_cols = np.zeros(0, dtype=np.int64), Columns([])
    # a few changed cases among many: positions by binary search and insertion, no sort of the
    # whole register or of every hit (old_ids is sorted; the changed cases leave it first)
    kept = without(old_ids, changed)
    ids_kept = old_ids[kept]
    ids = np.insert(ids_kept, np.searchsorted(ids_kept, sub_ids), sub_ids)
    old_to_new = np.searchsorted(ids, old_ids)
    sub_to_new = np.searchsorted(ids, sub_ids)
    h = old.hits
    hs = _evaluate(sub_cols, ruleset, calendar, as_of, soon, keep, shared)
    if set(h.cols) != set(hs.cols):
        return None
    keep_h = kept[h.rows]
    nrules = len(ruleset.rules) + 1
    new_rows = sub_to_new[hs.rows].astype(h.rows.dtype)
    kept_cols = {k: h.cols[k][keep_h] for k in h.cols}
    kept_cols["row"] = old_to_new[h.rows[keep_h]].astype(h.rows.dtype)
    new_cols = {k: hs.cols[k] for k in hs.cols}
    new_cols["row"] = new_rows
    # both parts are in (row, rule) order already when each is; a changed case's rows never meet a kept one's
    new_key = new_rows.astype(np.int64) * nrules + new_cols["rule"]
    o = np.argsort(new_key, kind="stable")
    new_cols = {k: v[o] for k, v in new_cols.items()}
    kept_key = kept_cols["row"].astype(np.int64) * nrules + kept_cols["rule"]
    if len(kept_key) > 1 and not (kept_key[1:] >= kept_key[:-1]).all():  # not in order: sort everything
        cols = {k: np.concatenate((kept_cols[k], new_cols[k])) for k in h.cols}
        o = np.argsort(cols["row"].astype(np.int64) * nrules + cols["rule"], kind="stable")
        cols = {k: v[o] for k, v in cols.items()}
    else:
        where = np.searchsorted(kept_key, new_key[o], side="right")
        cols = {k: np.insert(kept_cols[k], where, new_cols[k]) for k in h.cols}
    fb = np.zeros(len(ids), dtype=bool)
    fb[old_to_new[kept]] = h.fallback[kept]
    fb[sub_to_new] = hs.fallback
    hits = Hits(rows=cols["row"], cols=cols, fallback=fb, ruleset=ruleset, calendar=calendar, as_of=as_of,
                pvs=shared.pv.items, pnames=shared.pnames, rule_pos=h.rule_pos)
    entries = [(int(old_to_new[r]), p, s) for r, p, s in zip(*old._fb_parts()) if kept[r]]
    fresh = _engine_entries(qs.db, sub_ids, np.flatnonzero(hs.fallback), ctx)
    entries += [(int(sub_to_new[r]), p, s) for r, p, s in fresh]
    entries.sort(key=lambda e: (e[0], e[1]))
    out = FindingsScan(qs.db, ids, hits, entries)
    out.ctx = ctx
    out.timings = {"refresh": time.perf_counter() - t0, "cases": len(ids), "changed": len(changed),
                   "read_again": len(sub_ids)}
    return out


@dataclass
class Light:
    """Columns of a scan's findings, for counting and picking without building objects."""

    case_id: np.ndarray
    rule: np.ndarray  # index into `rules`
    status: np.ndarray  # 1 violation, 2 overdue, 3 due_soon
    due: np.ndarray  # date ordinals, 0 = none
    actual: np.ndarray
    rules: list

    def responsible(self) -> np.ndarray:
        table = np.array([r.responsible or "" for r in self.rules] + [""], dtype=object)
        return table[self.rule]


class FindingsScan(Sequence):
    """The findings of a scan (a Sequence of services.Scanned), built when read."""

    timings: dict  # seconds per step of the scan (read, columns, engine) and case counts

    def __init__(self, db: str, ids: np.ndarray, hits: Hits, fb_entries: list):
        self.timings = {}
        self._db = db
        self._ids = ids
        self.hits = hits
        self._fb = [s for _r, _p, s in fb_entries]
        self._fb_keys = [(r, p) for r, p, _s in fb_entries]
        self._n = len(hits) + len(fb_entries)
        self._facts: dict[int, CaseFacts] = {}
        self._chunks: dict[int, list] = {}

    @property
    def _order(self) -> np.ndarray:
        """Entry numbers in reading order (case, then rule): e < len(hits) is a columnar hit, else
        self._fb[e - len(hits)]. Sorted on first read."""
        order = self.__dict__.get("_order_")
        if order is None:
            hits = self.hits
            nrules = len(hits.ruleset.rules) + 1
            kv = hits.rows * nrules + hits.cols["rule"] + 1
            kf = np.array([r * nrules + p + 1 for r, p in self._fb_keys], dtype=np.int64)
            order = self.__dict__["_order_"] = np.argsort(np.concatenate((kv, kf)), kind="stable")
        return order

    def __len__(self) -> int:
        return self._n

    def _fb_parts(self) -> tuple[list, list, list]:
        """The engine's entries as (rows, rule positions, Scanned) lists."""
        return [r for r, _p in self._fb_keys], [p for _r, p in self._fb_keys], self._fb

    def __bool__(self) -> bool:
        return self._n > 0

    def __getitem__(self, i):
        if isinstance(i, slice):
            return [self[j] for j in range(*i.indices(len(self)))]
        n = len(self)
        if i < 0:
            i += n
        if not 0 <= i < n:
            raise IndexError(i)
        return self._chunk(i // CHUNK)[i % CHUNK]

    def __iter__(self) -> Iterator:
        for k in range((len(self) + CHUNK - 1) // CHUNK):
            yield from self._chunk(k)

    def __repr__(self) -> str:
        return f"<FindingsScan {len(self)} findings>"

    def status_counts(self) -> dict[str, int]:
        """Findings by status, without building them."""
        from kiemsat.domain.vector import STATUS_NAMES

        out: dict[str, int] = {}
        for code, k in zip(*np.unique(self.hits.cols["status"], return_counts=True), strict=True):
            out[STATUS_NAMES[int(code)]] = int(k)
        for s in self._fb:
            out[s.finding.status] = out.get(s.finding.status, 0) + 1
        return out

    # ------------------------------------------------------------------ building
    def _chunk(self, k: int) -> list:
        got = self._chunks.get(k)
        if got is not None:
            return got
        was_enabled = gc.isenabled()
        gc.disable()  # as engine.scan: many new objects, no cycles
        try:
            got = self._chunks[k] = self._build(k)
        finally:
            if was_enabled:
                gc.enable()
        return got

    def _build(self, k: int) -> list:
        return self.build_entries(self._order[k * CHUNK:(k + 1) * CHUNK])

    def build_entries(self, ent) -> list:
        """Scanned objects for the given entry numbers (see `light`), in that order."""
        from .services import Scanned

        ent = np.asarray(ent, dtype=np.int64)
        nh = len(self.hits)
        mine = ent[ent < nh]
        rows = self.hits.rows[mine].tolist()
        need = sorted(set(rows) - self._facts.keys())
        if need:
            self._load_facts(need)
        made = iter(self.hits.findings(mine))
        rows_it = iter(rows)
        ids, facts, fb = self._ids, self._facts, self._fb
        out = []
        for e in ent.tolist():
            if e < nh:
                r = next(rows_it)
                out.append(Scanned(int(ids[r]), facts[r], next(made)))
            else:
                out.append(fb[e - nh])
        return out

    def light(self) -> Light:
        """Every finding as a few columns (no objects built): entry number i is a columnar hit for
        i < len(hits), else a finding of the scalar fallback. Dates are ordinals (0 = none)."""
        got = self.__dict__.get("_light_")
        if got is None:
            h = self.hits
            fb = [s.finding for s in self._fb]
            code = {engine.VIOLATION: 1, engine.OVERDUE: 2, engine.DUE_SOON: 3}
            rule_ix = {r.id: i for i, r in enumerate(h.ruleset.rules)}
            got = self.__dict__["_light_"] = Light(
                case_id=np.concatenate((self._ids[h.rows], np.array([s.case_id for s in self._fb], dtype=np.int64))),
                rule=np.concatenate((h.cols["rule"], np.array([rule_ix.get(f.rule, -1) for f in fb], dtype=np.int64))),
                status=np.concatenate((h.cols["status"], np.array([code[f.status] for f in fb], dtype=np.int64))),
                due=np.concatenate((h.cols["due"], np.array([f.due.toordinal() if f.due else 0 for f in fb],
                                                            dtype=np.int64))),
                actual=np.concatenate((h.cols["actual"], np.array([f.actual.toordinal() if f.actual else 0 for f in fb],
                                                                  dtype=np.int64))),
                rules=h.ruleset.rules)
        return got

    def _load_facts(self, rows: list[int]) -> None:
        """CaseFacts (names of the person, court, unit and staff; events from the digest) of the rows."""
        by_id = {int(self._ids[r]): r for r in rows}
        ids = sorted(by_id)
        base = Case.objects.using(self._db)
        if ids[-1] - ids[0] < 4 * len(ids) + 1000:  # a dense run of ids: a range, not a long IN list
            base = base.filter(pk__gte=ids[0], pk__lte=ids[-1])
        else:
            base = base.filter(pk__in=ids)
        tracked_cache: dict = {}
        sql, params = base.values_list("pk", "so_thu_ly", "person_name", "measure", "complex", "tracked_events",
                                       "court__name", "unit__name", "assigned_to__full_name").query.sql_with_params()
        with connections[self._db].cursor() as cur:  # raw rows: no per-row converters (JSON, booleans)
            cur.execute(sql, params)
            rows_ = cur.fetchall()
        new = object.__new__
        for pk, stl, name, measure, cplx, tracked, court, unit, staff in rows_:
            r = by_id.get(pk)
            if r is None:
                continue
            tkey = tracked if tracked is None or isinstance(tracked, str) else json.dumps(tracked)
            if tkey not in tracked_cache:
                t = json.loads(tracked) if isinstance(tracked, str) else tracked
                tracked_cache[tkey] = frozenset(t) if t is not None else None
            cplx = bool(cplx)
            f = new(DigestFacts)
            f.__dict__.update(key=str(pk), so_thu_ly=stl or "", person=name, measure=measure, complex=cplx,
                              _events=None, _db=self._db, tracked=tracked_cache[tkey], court=court or "",
                              office=unit or "", staff=staff or "", checklist=None)
            self._facts[r] = f
