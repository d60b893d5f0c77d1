"""The columnar findings scan: the engine's alerts (violation / overdue / due_soon) for many cases at
once, on numpy columns. Pure Python + numpy (no Django import).

One source of legal truth. This module holds no number, citation or status: it takes the SAME
parsed `Ruleset` and `WorkCalendar` objects as `engine.evaluate`, follows the engine's own plan
(`engine._plan`: which rules run, in which order, with which required events) and dispatches on the
engine's own handler for each rule, repeating its procedure column-wise (which event starts what,
which date proves an act, when `overdue` may be raised). Working-day arithmetic uses tables built
from the calendar's own working days (how many fall on or before each day of its span). The few
texts of the explanations are the engine's, repeated; the tests compare every explanation.

It is an accelerator, never a second opinion: every case holding anything it does not reproduce
(evasion or postponement recorded more than once, a postponed session, a challenge, a dossier the
Labour office returned for completion, two events of one kind, a date outside the calendar's span,
an unknown measure or event code, a rule whose handler is not repeated here, …) is marked `fallback` and
must be evaluated by `engine.evaluate` — so the results are exactly the engine's.
tests/domain/test_vector.py proves the equality on the samples and on random cases.

The per-case input is a *digest*: a fixed row of int32 words made by `pack` from the case's events,
stored by the register beside them (cases.CaseDigest) and read back with one query; the rows of n
cases are one (n, WORDS) array, so nothing is decoded:

    LAYOUT, measure index (-1 unknown), flags (1 complex, 2 tracked = every event type, 4 odd),
    the tracked event codes, the codes present, the codes present more than once (bit sets),
    for each event code the date of its first event (ordinal, 0 = none),
    the attributes in EXTRA (decision date / receipt / outcome / term, notice date / receipt,
    prosecutor present, end of an evasion / postponement).

`LAYOUT` changes whenever the vocabulary (event codes, measures, outcomes, EXTRA) changes: a digest of
another layout is treated like a missing one (the engine decides), so a stale digest never gives a
result.
"""

from __future__ import annotations

import datetime as dt
import gc
import struct
import zlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np

from . import engine as E
from .calendar import WorkCalendar, fmt
from .events import EVENT_CODES, Measure, Outcome
from .facts import CaseFacts
from .rules import ParamValue, RuleDef, Ruleset

# ====================================================================== the digest
CODES: tuple[str, ...] = EVENT_CODES
CODE_IX: dict[str, int] = {c: i for i, c in enumerate(CODES)}
MEASURES: tuple[str, ...] = ("",) + tuple(m.value for m in Measure)
MEASURE_IX: dict[str, int] = {m: i for i, m in enumerate(MEASURES)}
OUTCOMES: tuple[Outcome | None, ...] = (None,) + tuple(Outcome)
OUTCOME_IX: dict[str, int] = {o.value: i for i, o in enumerate(OUTCOMES) if o is not None}
# The attributes the handlers read beside an event's date (date or, without one, receipt date).
EXTRA: tuple[tuple[str, str], ...] = (
    ("decision", "date"), ("decision", "received"), ("decision", "outcome"), ("decision", "term"),
    ("acceptance_notice", "date"), ("acceptance_notice", "received"), ("session_held", "present"),
    ("evasion", "end"), ("execution_postponed", "end"),
)
_TW = (len(CODES) + 30) // 31  # words per code bit set
W_LAYOUT, W_MEASURE, W_FLAGS = 0, 1, 2
W_TRACKED = 3
W_PRESENT = W_TRACKED + _TW
W_DUP = W_PRESENT + _TW
W_DATE = W_DUP + _TW  # one word per event code
W_EXTRA = W_DATE + len(CODES)
WORDS = W_EXTRA + len(EXTRA)
LAYOUT = zlib.crc32(
    ("kiemsat-digest-2|" + ",".join(CODES) + "|" + ",".join(MEASURES) + "|"
     + ",".join(o.value for o in Outcome) + "|" + ",".join(f"{c}.{a}" for c, a in EXTRA)).encode()
) & 0x7FFFFFFF
F_COMPLEX, F_TRACK_ALL, F_ODD = 1, 2, 4
_APPLY_IX = OUTCOMES.index(Outcome.APPLY)
_ORD_1970 = dt.date(1970, 1, 1).toordinal()
_EXTRA_BY_CODE: dict[str, list[tuple[str, int]]] = {}
for _i, (_c, _a) in enumerate(EXTRA):
    _EXTRA_BY_CODE.setdefault(_c, []).append((_a, W_EXTRA + _i))


_PACK_WORDS = struct.Struct(f"<{WORDS}i").pack  # the row as little-endian int32 words (as numpy's "<i4")


def _popcount(x: np.ndarray) -> np.ndarray:
    if hasattr(np, "bitwise_count"):  # numpy >= 2.0
        return np.bitwise_count(x)
    x = x.astype(np.uint64)
    x = x - ((x >> np.uint64(1)) & np.uint64(0x5555555555555555))
    x = (x & np.uint64(0x3333333333333333)) + ((x >> np.uint64(2)) & np.uint64(0x3333333333333333))
    x = (x + (x >> np.uint64(4))) & np.uint64(0x0F0F0F0F0F0F0F0F)
    return ((x * np.uint64(0x0101010101010101)) >> np.uint64(56)).astype(np.int64)


def pack(measure: str | None, complex_: bool, tracked: Iterable[str] | None,
         events: Iterable[tuple]) -> bytes:
    """The digest of a case: a fixed row of int32 words (`WORDS`).

    `events`: (code, date, received, end, outcome, term_months, prosecutor_present) tuples; `outcome`
    an Outcome, its value, "" or None (an unknown text counts as None, as in legal.services.facts_for).
    Per event code: the date of its first event (its document date, else its receipt date — the
    engine's `_w`), whether it has one and whether it has more than one (those cases go to the
    engine); for the events in EXTRA, the other attributes the rules read. Events without date and
    receipt date are left out (the engine ignores them)."""
    words = [0] * WORDS
    words[W_LAYOUT] = LAYOUT
    words[W_MEASURE] = MEASURE_IX.get(measure or "", -1)
    flags = F_COMPLEX if complex_ else 0
    if tracked is None:
        flags |= F_TRACK_ALL
    else:
        for c in tracked:
            i = CODE_IX.get(c)
            if i is not None:
                words[W_TRACKED + i // 31] |= 1 << (i % 31)
    for code, date, received, end, outcome, term, present in events:
        w = date or received
        if w is None:
            continue
        ci = CODE_IX.get(code)
        if ci is None:
            flags |= F_ODD
            continue
        word, bit = ci // 31, 1 << (ci % 31)
        if words[W_PRESENT + word] & bit:
            words[W_DUP + word] |= bit  # two of a kind: the engine decides this case
            if w.toordinal() >= words[W_DATE + ci]:
                continue
        words[W_PRESENT + word] |= bit
        words[W_DATE + ci] = w.toordinal()
        for attr, slot in _EXTRA_BY_CODE.get(code, ()):
            if attr == "date":
                v = 0 if date is None else date.toordinal()
            elif attr == "received":
                v = 0 if received is None else received.toordinal()
            elif attr == "end":
                v = 0 if end is None else end.toordinal()
            elif attr == "outcome":
                v = OUTCOME_IX.get(outcome.value if isinstance(outcome, Outcome) else str(outcome), 0) if outcome else 0
            elif attr == "present":
                v = 0 if present is None else 2 if present else 1
            else:  # term, stored + 32768 (0 = none)
                v = 0
                if term is not None:
                    if -32767 <= int(term) <= 32767:
                        v = int(term) + 32768
                    else:
                        flags |= F_ODD
            words[slot] = v
    words[W_FLAGS] = flags
    return _PACK_WORDS(*words)


def pack_facts(case: CaseFacts) -> bytes:
    return pack(case.measure, case.complex, case.tracked,
                ((e.code, e.date, e.received, e.end, e.outcome, e.term_months, e.prosecutor_present)
                 for e in case.events))


def unpack(blob: bytes | memoryview) -> dict | None:
    """A digest in words (tests, diagnostics); None when it is of another layout."""
    a = np.frombuffer(bytes(blob), dtype="<i4")
    if len(a) != WORDS or int(a[W_LAYOUT]) != LAYOUT:
        return None

    def codes(w0):
        return frozenset(c for i, c in enumerate(CODES) if int(a[w0 + i // 31]) >> (i % 31) & 1)

    mi = int(a[W_MEASURE])
    flags = int(a[W_FLAGS])
    return {
        "measure": MEASURES[mi] if 0 <= mi < len(MEASURES) else None,
        "complex": bool(flags & F_COMPLEX),
        "odd": bool(flags & F_ODD),
        "tracked": None if flags & F_TRACK_ALL else codes(W_TRACKED),
        "present": codes(W_PRESENT),
        "dup": codes(W_DUP),
        "dates": {c: dt.date.fromordinal(int(a[W_DATE + i])) for i, c in enumerate(CODES) if a[W_DATE + i]},
        "extra": {f"{c}.{x}": int(a[W_EXTRA + i]) for i, (c, x) in enumerate(EXTRA)},
    }


# ====================================================================== columns
# Cases holding one of these go through the engine (rules not repeated here).
FALLBACK_CODES = ("session_postponed", "complaint", "proposer_recommendation", "protest", "ldtb_returned")


class Columns:
    """The digests of n cases as columns: int32 views of one (n, WORDS) array, nothing decoded. The
    per-case columns are set up on first use (evaluate() sets up blocks of cases, `block`)."""

    def __init__(self, blobs: Sequence[bytes | memoryview | None], forced: np.ndarray | None = None):
        """From one digest (or None) per case; `forced`: cases to leave to the engine anyway."""
        n = len(blobs)
        lens = np.fromiter(map(len, blobs), dtype=np.int64, count=n) if None not in blobs else \
            np.fromiter((0 if b is None else len(b) for b in blobs), dtype=np.int64, count=n)
        good = lens == 4 * WORDS
        if good.all():
            arr = np.frombuffer(b"".join(blobs), dtype="<i4").reshape(n, WORDS)
        else:  # missing or broken digests: zero rows, evaluated by the engine
            arr = np.zeros((n, WORDS), dtype="<i4")
            gi = np.flatnonzero(good)
            if len(gi):
                arr[gi] = np.frombuffer(b"".join(blobs[i] for i in gi.tolist()), dtype="<i4").reshape(-1, WORDS)
        self.n = n
        self._raw = (arr, good, forced)

    @classmethod
    def from_array(cls, arr: np.ndarray, forced: np.ndarray | None = None) -> Columns:
        """From the digests of n cases laid end to end, as an (n, WORDS) int32 array (a missing
        digest: a row of zeros)."""
        self = cls.__new__(cls)
        self.n = len(arr)
        self._raw = (arr, np.ones(len(arr), dtype=bool), forced)
        return self

    def __getattr__(self, name: str):  # the columns are set up on first use
        raw = self.__dict__.get("_raw")
        if raw is None or name.startswith("__"):
            raise AttributeError(name)
        del self.__dict__["_raw"]
        self._setup(*raw)
        return getattr(self, name)

    def block(self, a: int, b: int) -> Columns:
        """The cases a..b-1, set up (their rows are a view)."""
        raw = self.__dict__.get("_raw")
        sub = Columns.__new__(Columns)
        if raw is not None:
            arr, good, forced = raw
            sub._setup(arr[a:b], good[a:b], None if forced is None else forced[a:b])
        else:
            sub._setup(self.arr[a:b], np.ones(b - a, dtype=bool), self.fallback[a:b])
        return sub

    def _setup(self, arr: np.ndarray, good: np.ndarray, forced: np.ndarray | None) -> None:
        self.n = len(arr)
        ok = good & (arr[:, W_LAYOUT] == LAYOUT)
        if not ok.all():
            arr = arr.copy() if not arr.flags.writeable else arr
            arr[~ok] = 0
        self.arr = arr
        flags = arr[:, W_FLAGS].copy()
        self.measure = arr[:, W_MEASURE].astype(np.int64)
        self.complex = (flags & F_COMPLEX) != 0
        self.track_all = (flags & F_TRACK_ALL) != 0
        self.track_masks = [arr[:, W_TRACKED + j].copy() for j in range(_TW)]
        self.present_masks = [arr[:, W_PRESENT + j].copy() for j in range(_TW)]
        self._has: dict[str, np.ndarray] = {}
        self._tracks: dict[str, np.ndarray] = {}
        fb = ~ok | ((flags & F_ODD) != 0) | (self.measure < 0) | (self.measure >= len(MEASURES))
        for j in range(_TW):
            fb |= arr[:, W_DUP + j] != 0
        for c in FALLBACK_CODES:
            fb |= self.has(c)
        if forced is not None:
            fb |= forced
        self.fallback = fb
        self._cols: dict[tuple[str, str], np.ndarray] = {}

    @classmethod
    def from_facts(cls, cases: Sequence[CaseFacts]) -> Columns:
        """Columns of CaseFacts (tests, samples); a case with a checklist goes to the engine."""
        forced = np.fromiter((bool(c.checklist) for c in cases), dtype=bool, count=len(cases))
        return cls([pack_facts(c) for c in cases], forced)

    def has(self, code: str) -> np.ndarray:
        hit = self._has.get(code)
        if hit is None:
            i = CODE_IX.get(code)
            if i is None:
                hit = np.zeros(self.n, dtype=bool)
            else:
                hit = (self.present_masks[i // 31] & (1 << (i % 31))) != 0
            self._has[code] = hit
        return hit

    def col(self, code: str, attr: str = "w") -> np.ndarray:
        """Per-case int32 column of the event `code`: "w" its date (document date, else receipt
        date), or an attribute of EXTRA (dates as ordinals, 0 = none; term stored + 32768)."""
        key = (code, attr)
        hit = self._cols.get(key)
        if hit is None:
            if attr == "w":
                i = CODE_IX.get(code)
                hit = np.zeros(self.n, dtype=np.int32) if i is None else np.ascontiguousarray(self.arr[:, W_DATE + i])
            else:
                hit = np.ascontiguousarray(self.arr[:, W_EXTRA + EXTRA.index(key)])
            self._cols[key] = hit
        return hit

    def tracks(self, code: str | None) -> np.ndarray:
        code = code or ""
        hit = self._tracks.get(code)
        if hit is None:
            i = CODE_IX.get(code)
            if i is None:
                hit = self.track_all
            else:
                hit = self.track_all | ((self.track_masks[i // 31] & (1 << (i % 31))) != 0)
            self._tracks[code] = hit
        return hit


def without(ids: np.ndarray, changed: np.ndarray) -> np.ndarray:
    """A mask of `ids` (sorted, unique) without the values of `changed` (sorted): the same as
    ~np.isin(ids, changed), found by binary search (changed is small, ids a whole register) — how
    the caches kept per process drop the cases that changed before reading them again."""
    keep = np.ones(len(ids), dtype=bool)
    if len(ids) and len(changed):
        pos = np.searchsorted(ids, changed)
        ok = pos < len(ids)
        pos = pos[ok]
        keep[pos[ids[pos] == changed[ok]]] = False
    return keep


def _where(m: np.ndarray, a, b) -> np.ndarray:
    """np.where(m, a, b) for a boolean mask, without branches: with a mask as irregular as the
    cases', np.where and boolean-mask assignment cost ten times the arithmetic."""
    if (isinstance(a, np.ndarray) and a.dtype == bool) or (isinstance(b, np.ndarray) and b.dtype == bool):
        return (m & a) | (~m & b)
    if not isinstance(b, np.ndarray) and b == 0:
        return a * m if isinstance(a, np.ndarray) else m * a
    return b + (a - b) * m


# ====================================================================== calendar on arrays
class _CalArrays:
    """The calendar's working days as lookup tables over its precomputed span: for each day, how
    many working days fall on or before it. Dates outside the span (where the scalar calendar would
    grow) are reported `bad`: those cases go to the engine."""

    def __init__(self, cal: WorkCalendar):
        self.cal = cal
        self.wd = np.asarray(cal._wd, dtype=np.int64)
        self.base, self.end = cal._base, cal._end
        working = np.frombuffer(bytes(cal._working), dtype=np.uint8).astype(np.int64)
        self.right = np.cumsum(working)  # bisect_right(wd, o) at o - base
        self.left = self.right - working  # bisect_left(wd, o)
        self.nwd = len(self.wd)
        days = (np.arange(self.base, self.end, dtype=np.int64) - _ORD_1970).astype("datetime64[D]")
        self.years = days.astype("datetime64[Y]").astype(np.int64) + 1970
        months = days.astype("datetime64[M]")
        self.mday = (days - months.astype("datetime64[D]")).astype(np.int64) + 1  # day of month
        m0 = months[0]
        self.month_ix = (months - m0).astype(np.int64)
        # first day (ordinal) of each month from the span's first month, 25 years past its end
        span_months = np.arange(m0, months[-1] + np.timedelta64(25 * 12 + 2, "M"))
        self.month_first = span_months.astype("datetime64[D]").astype(np.int64) + _ORD_1970
        years = np.arange(1, 10000)
        unconf = np.fromiter((cal.is_provisional(dt.date(int(y), 1, 1)) for y in years), dtype=np.int64,
                             count=len(years))
        self.unconf_cum = np.concatenate(([0, 0], np.cumsum(unconf)))  # [y + 1] - [y']: unconfirmed years in [y', y]

    def _i(self, o: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        i = o - self.base
        bad = (i < 0) | (i >= len(self.right))
        return np.clip(i, 0, len(self.right) - 1), bad

    def add_wd(self, o: np.ndarray, n: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        i, bad = self._i(o)
        n = np.broadcast_to(n, o.shape)
        if (n > 0).all():
            j = self.right[i] + (n - 1)
            bad |= j >= self.nwd
            return self.wd[np.minimum(j, self.nwd - 1)], bad
        j = _where(n > 0, self.right[i] + n - 1, self.left[i] + n)
        bad |= (n != 0) & ((j < 0) | (j >= self.nwd))
        return _where(n == 0, o, self.wd[np.clip(j, 0, self.nwd - 1)]), bad

    def next_wd(self, o: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        i, bad = self._i(o)
        j = self.left[i]
        bad |= j >= self.nwd
        return self.wd[np.minimum(j, self.nwd - 1)], bad

    def wd_between(self, a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Working days in (a, b] for b >= a."""
        ia, bad_a = self._i(a)
        ib, bad_b = self._i(b)
        return self.right[ib] - self.right[ia], bad_a | bad_b

    def year(self, o: np.ndarray) -> np.ndarray:
        i, bad = self._i(o)
        y = self.years[i]
        if bad.any():
            y = _where(bad, (o - _ORD_1970).astype("datetime64[D]").astype("datetime64[Y]").astype(np.int64) + 1970, y)
        return y

    def crosses_provisional(self, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        lo, hi = np.minimum(a, b), np.maximum(a, b)
        ylo = np.clip(self.year(lo), 1, 9999)
        yhi = np.clip(self.year(hi), 1, 9999)
        return self.unconf_cum[yhi + 1] - self.unconf_cum[ylo] > 0

    def add_months(self, o: np.ndarray, n: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """WorkCalendar.add_months: same day n months later, clamped to the month's last day."""
        i, bad = self._i(o)
        t = self.month_ix[i] + n  # months since January of the span's first year
        bad |= (t < 0) | (t >= len(self.month_first) - 1)
        t = np.clip(t, 0, len(self.month_first) - 2)
        first = self.month_first[t]
        length = self.month_first[t + 1] - first
        return first + np.minimum(self.mday[i], length) - 1, bad


_CAL_CACHE: dict[int, tuple[WorkCalendar, list, _CalArrays]] = {}


def _cal_arrays(cal: WorkCalendar) -> _CalArrays:
    hit = _CAL_CACHE.get(id(cal))
    if hit is not None and hit[0] is cal and hit[1] is cal._wd:
        return hit[2]
    ca = _CalArrays(cal)
    if len(_CAL_CACHE) > 8:
        _CAL_CACHE.clear()
    _CAL_CACHE[id(cal)] = (cal, cal._wd, ca)
    return ca


# ====================================================================== parameters on arrays
class _PV:
    """The ruleset's ParamValues, numbered, with what the handlers read from them."""

    def __init__(self):
        self.items: list[ParamValue] = []
        self._ix: dict[int, int] = {}

    def index(self, pv: ParamValue) -> int:
        i = self._ix.get(id(pv))
        if i is None:
            i = self._ix[id(pv)] = len(self.items)
            self.items.append(pv)
        return i

    def freeze(self):
        n = len(self.items)
        self.null = np.array([pv.value is None for pv in self.items] + [True], dtype=bool)
        ints, int_ok, lo, hi, rng_ok = [], [], [], [], []
        for pv in self.items:
            try:
                ints.append(int(pv.value))
                int_ok.append(True)
            except Exception:  # noqa: BLE001 — the engine's int() raises: the rule is not_evaluable
                ints.append(0)
                int_ok.append(False)
            try:  # engine._h_term: `lo, hi = pv.value`, compared with the term, formatted with :02d
                a, b = pv.value
                f"{a:02d}{b:02d}"
                _ = a <= 0 <= b
                lo.append(a), hi.append(b), rng_ok.append(True)
            except Exception:  # noqa: BLE001
                lo.append(0), hi.append(0), rng_ok.append(False)
        self.int = np.array(ints + [0], dtype=np.int64)
        self.int_ok = np.array(int_ok + [False], dtype=bool)
        self.lo = np.array(lo + [0], dtype=np.int64)
        self.hi = np.array(hi + [0], dtype=np.int64)
        self.range_ok = np.array(rng_ok + [False], dtype=bool)
        self.v = np.array([pv.status == "V" for pv in self.items] + [False], dtype=bool)
        self.none = n  # the index standing for "no value" (-1 maps here)
        self.frozen_n = n


# ====================================================================== the result
ST_VIOLATION, ST_OVERDUE, ST_DUE_SOON = 1, 2, 3
STATUS_NAMES = {ST_VIOLATION: E.VIOLATION, ST_OVERDUE: E.OVERDUE, ST_DUE_SOON: E.DUE_SOON}
_STATUS_CODE = {v: k for k, v in STATUS_NAMES.items()}
FL_UNVERIFIED, FL_PROVISIONAL, FL_COMPLEX, FL_ESTIMATED, FL_VKS, FL_POLICE = 1, 2, 4, 8, 16, 32
_FLAG_ORDER = ((FL_UNVERIFIED, E.FLAG_UNVERIFIED), (FL_PROVISIONAL, E.FLAG_PROVISIONAL),
               (FL_COMPLEX, E.FLAG_COMPLEX_EXCEPT), (FL_ESTIMATED, E.FLAG_EFFECTIVE_ESTIMATED),
               (FL_VKS, E.FLAG_VKS_RECEIPT), (FL_POLICE, E.FLAG_POLICE_RECEIPT))
_ACT_FLAGS = FL_VKS | FL_POLICE
# explanation variants
NOTE_NONE, NOTE_COMPLEX, NOTE_EVASION, NOTE_POSTPONED = 0, 1, 2, 3
LBL_RULE, LBL_EST, LBL_EFFECT, LBL_RESTART, LBL_END = 0, 1, 2, 3, 4
_LABELS = {LBL_EST: "Hiệu lực (ước tính)", LBL_EFFECT: "Hiệu lực", LBL_RESTART: "Hết trốn tránh/hoãn",
           LBL_END: "Kết thúc vụ việc"}
KIND_JUDGE, KIND_PRESENCE, KIND_TERM = 0, 1, 2

_FIELDS = ("row", "rule", "status", "due", "actual", "late", "verified", "flags", "pv", "pname", "start", "raw",
           "n", "alt", "note", "note_date", "label", "kind")


@dataclass
class Hits:
    """The alerts found on the columns, one entry per finding (arrays of equal length), in ruleset
    order (a case's findings in the order the engine gives them; cases in no particular order).
    `fallback`: the cases the engine must evaluate instead."""

    rows: np.ndarray
    cols: dict[str, np.ndarray]
    fallback: np.ndarray
    ruleset: Ruleset
    calendar: WorkCalendar
    as_of: dt.date
    pvs: list[ParamValue]
    pnames: list[str]
    rule_pos: dict[str, int]

    def __len__(self) -> int:
        return len(self.rows)

    def finding(self, i: int) -> E.Finding:
        """The i-th hit as the engine's Finding (same fields, same explanation)."""
        return self.findings([i])[0]

    def findings(self, idx: Sequence[int] | np.ndarray) -> list[E.Finding]:
        """The hits idx as the engine's Findings (same fields, same explanation)."""
        idx = np.asarray(idx, dtype=np.int64)
        names = ("rule", "status", "flags", "pv", "pname", "actual", "kind", "n", "note", "note_date", "label", "alt",
                 "due", "late", "verified", "start", "raw")
        cols = [self.cols[k][idx].tolist() for k in names]
        flag_lists: dict[int, tuple[list[str], tuple[str, ...]]] = {}
        was_enabled = gc.isenabled()
        gc.disable()  # many new objects, no cycles: the cyclic collector would only cost time (as engine.scan)
        try:
            return self._build(cols, flag_lists)
        finally:
            if was_enabled:
                gc.enable()

    def _build(self, cols: list[list], flag_lists: dict) -> list[E.Finding]:
        rules, pvs, pnames, cal, as_of = self.ruleset.rules, self.pvs, self.pnames, self.calendar, self.as_of
        fromord = dt.date.fromordinal
        out = []
        append = out.append
        Finding = E.Finding
        for rix, st, fl, pvi, pni, a, kind, n, note, note_d, lbl, alt, due, late, ver, start, raw in zip(*cols):
            rule = rules[rix]
            status = STATUS_NAMES[st]
            fls = flag_lists.get(fl)
            if fls is None:
                fls = flag_lists[fl] = ([name for bit, name in _FLAG_ORDER if fl & bit],
                                        tuple(name for bit, name in _FLAG_ORDER if fl & bit & _ACT_FLAGS))
            pv = pvs[pvi]
            uses = ((pnames[pni], pv),)
            actual = fromord(a) if a else None
            if kind != KIND_JUDGE:
                if kind == KIND_PRESENCE:
                    text = f"Phiên họp ngày {fmt(actual)}: Kiểm sát viên vắng mặt nhưng phiên họp không bị hoãn"
                else:
                    lo, hi = pv.value
                    text = (f"Quyết định ngày {fmt(actual)}: thời hạn {n:02d} tháng; khung luật định "
                            f"{lo:02d}–{hi:02d} tháng" + (" → trong khung" if lo <= n <= hi else " → ngoài khung"))
                append(Finding(rule.id, status, None, actual, None, None, rule.responsible, pv.citation, ver,
                               list(fls[0]), "", rule.label, uses, None, None, text))
                continue
            if note == NOTE_NONE:
                note_s = ""
            elif note == NOTE_COMPLEX:
                note_s = "vụ việc phức tạp"
            else:
                what = "trốn tránh" if note == NOTE_EVASION else "hoãn chấp hành"
                note_s = f"tính lại từ ngày hết {what} {fmt(fromord(note_d))}"
            append(Finding(
                rule.id, status, fromord(due), actual, late if st == ST_VIOLATION else None, rule.unit,
                rule.responsible, pv.citation, ver, list(fls[0]), "", rule.label, uses, fromord(start),
                fromord(alt) if alt else None,
                (_LABELS.get(lbl) or rule.start_label, n, fromord(raw), fls[1], note_s, cal, as_of, rule.act_label),
            ))
        return out


# ====================================================================== the evaluator
ALERTS = frozenset({E.VIOLATION, E.OVERDUE, E.DUE_SOON})
BLOCK = 1 << 15  # cases evaluated together


class _Shared:
    """What the blocks of one evaluation number alike: parameter values, parameter names."""

    def __init__(self):
        self.pv = _PV()
        self.pnames: list[str] = []
        self.pname_ix: dict[str, int] = {}


class _Eval:
    def __init__(self, cols: Columns, rs: Ruleset, cal: WorkCalendar, as_of: dt.date, soon: dt.date,
                 keep: frozenset[str], shared: _Shared):
        self.c = cols
        self.rs = rs
        self.cal = _cal_arrays(cal)
        self.as_of = as_of.toordinal()
        self.soon = soon.toordinal()
        self.keep = frozenset(_STATUS_CODE[s] for s in keep)
        self.fb = cols.fallback.copy()
        self.pv = shared.pv
        self.pnames = shared.pnames
        self._pname_ix = shared.pname_ix
        self.out: list[dict[str, np.ndarray]] = []
        self._known: dict[str, np.ndarray] = {}
        self._group_cache: dict = {}
        self._kcols: dict[tuple[str, str], np.ndarray] = {}
        n = cols.n
        # the case itself after as_of? (engine._index)
        has_acc, has_rec = cols.has("accepted"), cols.has("court_received")
        acc_w = self.w_raw("accepted")
        rec_w = self.w_raw("court_received")
        self.visible = _where(has_acc, acc_w <= self.as_of, ~has_rec | (rec_w <= self.as_of))
        self.minor = cols.measure == MEASURE_IX[Measure.MINOR_CSCNBB.value]
        # regime (engine._Ctx)
        rd = _where(self.known("accepted"), self.kw("accepted"),
                    _where(self.known("court_returned"), self.kw("court_returned"), self.as_of))
        self.rd = rd
        codes = [r.code for r in rs.regimes]
        self.regime_codes = codes
        reg = np.full(n, -1, dtype=np.int64)
        for r in reversed([r for r in rs.regimes if not r.measures]):
            m = np.ones(n, dtype=bool)
            if r.date_from is not None:
                m &= rd >= r.date_from.toordinal()
            if r.date_to is not None:
                m &= rd <= r.date_to.toordinal()
            reg[m] = codes.index(r.code)
        for mi, ms in enumerate(MEASURES):
            r = rs.regime_for(ms, None)
            if r is not None:
                reg[cols.measure == mi] = codes.index(r.code)
        self.regime = reg
        self.complex = cols.complex | self.known("complex_declared")
        dec_out = _where(self.known("decision"), cols.col("decision", "outcome"), 0)
        self.blocked = (dec_out != 0) & (dec_out != _APPLY_IX)  # engine._outcome_block
        self._eff = None

    # ---------------------------------------------------------------- event columns as of as_of
    def w_raw(self, code: str) -> np.ndarray:
        return self.c.col(code, "w")

    def known(self, code: str) -> np.ndarray:
        hit = self._known.get(code)
        if hit is None:
            hit = self._known[code] = self.c.has(code) & (self.w_raw(code) <= self.as_of)
        return hit

    def kw(self, code: str) -> np.ndarray:
        """_w(first event of `code`) known on as_of, 0 = none."""
        return self._k(code, "w")

    def _k(self, code: str, attr: str) -> np.ndarray:
        key = (code, attr)
        hit = self._kcols.get(key)
        if hit is None:
            k = self.known(code)
            if attr == "w":
                hit = _where(k, self.w_raw(code), 0)
            elif attr == "date":
                hit = _where(k, self.c.col(code, "date"), 0)
            else:  # received / end: cut when after as_of
                v = self.c.col(code, attr)
                hit = _where(k & (v <= self.as_of), v, 0)
            self._kcols[key] = hit
        return hit

    def on_or_after(self, code: str, d: np.ndarray, strict: bool = False) -> np.ndarray:
        w = self.kw(code)
        ok = (w > d) if strict else (w >= d)
        return _where((w != 0) & ok & (d != 0), w, 0)

    # ---------------------------------------------------------------- parameters
    def _groups(self, by: str | None) -> list[tuple[str | None, np.ndarray | None]]:
        """The cases by parameter key: (key, rows) with rows None = every case."""
        hit = self._group_cache.get(by)
        if hit is None:
            if by == "regime":
                keys, ix = [None, *self.regime_codes], self.regime + 1
            elif by == "measure":
                keys, ix = list(MEASURES), _where(self.c.measure < 0, 0, self.c.measure)
            else:
                keys, ix = [None], np.zeros(self.c.n, dtype=np.int64)
            counts = np.bincount(ix, minlength=len(keys))
            if (counts == self.c.n).any():
                hit = [(keys[int(np.argmax(counts))], None)]
            else:
                order = np.argsort(ix, kind="stable")
                bounds = np.concatenate(([0], np.cumsum(counts)))
                hit = [(keys[i], order[bounds[i]:bounds[i + 1]]) for i in range(len(keys)) if counts[i]]
            self._group_cache[by] = hit
        return hit

    def param(self, rule: RuleDef, name: str, on: np.ndarray) -> np.ndarray:
        """engine._param's ParamValue per case (index into self.pv; -1 = no value)."""
        out = np.full(self.c.n, -1, dtype=np.int64)
        p = rule.params.get(name)
        if p is None:
            return out
        for key, rows in self._groups(p.by):
            node = p.nodes.get(key) if p.by else None
            if node is None:
                node = p.nodes.get("*")
                if node is None:
                    continue
            ords, vals = node
            o = on if rows is None else on[rows]
            if len(ords) == 1:
                got = _where(o >= ords[0], self.pv.index(vals[0]), -1)
            else:
                idx = np.array([-1] + [self.pv.index(v) for v in vals], dtype=np.int64)
                got = idx[np.searchsorted(np.asarray(ords, dtype=np.int64), o, "right")]
            if rows is None:
                out = got
            else:
                out[rows] = got
        return out

    def pname(self, name: str) -> int:
        i = self._pname_ix.get(name)
        if i is None:
            i = self._pname_ix[name] = len(self.pnames)
            self.pnames.append(name)
        return i

    def _frozen(self):
        if getattr(self.pv, "frozen_n", -1) != len(self.pv.items):
            self.pv.freeze()
        return self.pv

    def usable(self, pvi: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(has a non-null integer value, the value) — else engine._param says why, or int() raises."""
        pv = self._frozen()
        i = _where(pvi < 0, pv.none, pvi)
        return (pvi >= 0) & ~pv.null[i] & pv.int_ok[i], pv.int[i]

    # ---------------------------------------------------------------- dates
    def due(self, unit: str | None, start: np.ndarray, n: np.ndarray, m: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """engine._due on the rows m (others: 0); calendar misses go to the engine."""
        cal = self.cal
        s = _where(m, start, cal.base)
        nn = _where(m, n, 1)  # (1 outside m keeps add_wd on its fast path)
        if unit == "WD":
            d, bad = cal.add_wd(s, nn)
            raw = d
        elif unit == "M":
            d, bad = cal.add_months(s, nn)
            raw = d
        else:
            raw = s + nn
            d, bad = cal.next_wd(raw)
        self.fb |= m & bad
        return _where(m, d, 0), _where(m, raw, 0)

    # ---------------------------------------------------------------- the effective date
    def effective(self) -> tuple[np.ndarray, np.ndarray]:
        """(date, estimated) of engine._compute_effective; date 0 = none (or the engine raises)."""
        if self._eff is not None:
            return self._eff
        n = self.c.n
        rec = self.known("effective")
        eff = _where(rec, self.kw("effective"), 0)
        est = np.zeros(n, dtype=bool)
        chal = np.zeros(n, dtype=bool)
        for code in E.CHALLENGE_CODES:
            chal |= self.known(code)
        dd = self.kw_date_decision()
        comp = ~rec & ~chal & (dd != 0)
        rule = self.rs.by_id.get("decision.effective")
        if rule is not None and comp.any():
            ok, after = self.usable(self.param(rule, "days_after", dd))
            nmax = np.zeros(n, dtype=np.int64)
            for wid in rule.extra.get("windows", ()):
                wr = self.rs.by_id.get(wid)
                if wr is None:
                    continue
                applies = np.ones(n, dtype=bool)
                if wr.applies_to == "adult":
                    applies = ~self.minor
                elif wr.applies_to == "minor":
                    applies = self.minor
                w_ok, w_n = self.usable(self.param(wr, "period", dd))
                ok &= ~applies | w_ok
                nmax = _where(applies & w_ok, np.maximum(nmax, w_n), nmax)
            m = comp & ok
            e, bad = self.cal.add_wd(_where(m, dd, self.cal.base), _where(m, nmax, 1))
            self.fb |= m & bad
            eff = _where(m, e + after, eff)
            est = m
        self._eff = (eff, est)
        return self._eff

    def kw_date_decision(self) -> np.ndarray:
        return self._k("decision", "date")

    # ---------------------------------------------------------------- judging
    def missing_mode(self, rule: RuleDef, act_code: str | None = None) -> tuple[np.ndarray, np.ndarray, bool]:
        """(may be overdue, may be due_soon, due_soon_only) per case: engine._missing_mode."""
        n = self.c.n
        if rule.kind == "due_soon_only":
            return np.zeros(n, dtype=bool), np.ones(n, dtype=bool), True
        if rule.overdue == "never":
            z = np.zeros(n, dtype=bool)
            return z, z, False
        t = self.c.tracks(act_code or rule.act or "")
        return t, t, False

    def judge(self, rule: RuleDef, m: np.ndarray, pvi: np.ndarray, pname: str, start: np.ndarray, n: np.ndarray,
              due: np.ndarray, raw: np.ndarray, act: np.ndarray, missing: tuple, *, flags: np.ndarray | int = 0,
              act_flags: np.ndarray | int = 0, unverified: np.ndarray | bool = False, alt: np.ndarray | None = None,
              note: np.ndarray | int = 0, note_date: np.ndarray | int = 0, label: np.ndarray | int = LBL_RULE,
              no_violation: bool = False, unit: str | None = None) -> None:
        over_ok, soon_ok, _ = missing
        has = act != 0
        late_due = ~has & (self.as_of > due)
        st = (late_due & over_ok) * ST_OVERDUE + (~has & ~late_due & (due <= self.soon) & soon_ok) * ST_DUE_SOON
        if not no_violation:
            st += (has & (act > due)) * ST_VIOLATION
        st *= m
        keep = np.zeros(self.c.n, dtype=bool)
        for s in self.keep:
            keep |= st == s
        rows = np.flatnonzero(keep)
        if not len(rows):
            return
        pick = lambda x: np.broadcast_to(np.asarray(x), (self.c.n,))[rows]  # noqa: E731
        s_act, s_due, s_start = act[rows], due[rows], start[rows]
        s_st = st[rows]
        cal = self.cal
        unit = unit or rule.unit
        if unit == "WD":
            late, bad = cal.wd_between(s_due, np.maximum(s_act, s_due))
            late = np.maximum(1, late)
            self.fb[rows[bad & (s_st == ST_VIOLATION)]] = True
        else:
            late = s_act - s_due
        late = _where(s_st == ST_VIOLATION, late, 0)
        pvs = self._frozen()
        verified = ~pick(unverified).astype(bool)
        fl = np.zeros(len(rows), dtype=np.int64)
        if rule.reading_status != "V":
            unv = np.ones(len(rows), dtype=bool)
        else:
            unv = ~pvs.v[pvi[rows]]
        fl |= _where(unv, FL_UNVERIFIED, 0)
        verified &= ~unv
        end = _where((s_act != 0) & (s_act > s_due), s_act, s_due)
        prov = cal.crosses_provisional(np.minimum(s_start, end), end)
        fl |= _where(prov, FL_PROVISIONAL, 0)
        verified &= ~prov
        fl |= pick(flags)
        af = pick(act_flags)
        fl |= _where(s_act != 0, af, 0)
        verified &= ~((s_act != 0) & (af != 0))
        self.out.append({
            "row": rows, "rule": np.full(len(rows), self.rule_ix), "status": s_st, "due": s_due, "actual": s_act,
            "late": late, "verified": verified, "flags": fl, "pv": pvi[rows], "pname": np.full(len(rows), self.pname(pname)),
            "start": s_start, "raw": raw[rows], "n": pick(n), "alt": np.zeros(len(rows), np.int64) if alt is None else alt[rows],
            "note": pick(note), "note_date": pick(note_date), "label": pick(label),
            "act_flags": af, "kind": np.full(len(rows), KIND_JUDGE),
        })

    def fact(self, rule: RuleDef, m: np.ndarray, pvi: np.ndarray, pname: str, actual: np.ndarray, kind: int,
             n: np.ndarray | int = 0) -> None:
        """A violated fact check (engine._fact)."""
        if ST_VIOLATION not in self.keep:
            return
        rows = np.flatnonzero(m)
        if not len(rows):
            return
        pvs = self._frozen()
        verified = pvs.v[pvi[rows]] & (rule.reading_status == "V")
        k = len(rows)
        z = np.zeros(k, dtype=np.int64)
        self.out.append({
            "row": rows, "rule": np.full(k, self.rule_ix), "status": np.full(k, ST_VIOLATION), "due": z,
            "actual": actual[rows], "late": z, "verified": verified, "flags": _where(verified, 0, FL_UNVERIFIED),
            "pv": pvi[rows], "pname": np.full(k, self.pname(pname)), "start": z, "raw": z,
            "n": np.broadcast_to(np.asarray(n), (self.c.n,))[rows], "alt": z, "note": z, "note_date": z, "label": z,
            "act_flags": z, "kind": np.full(k, kind),
        })

    # ---------------------------------------------------------------- handlers (engine._h_*)
    def _start_pv(self, rule: RuleDef, name: str, start: np.ndarray) -> np.ndarray:
        return self.param(rule, name, _where(start != 0, start, self.rd))

    def h_generic(self, rule: RuleDef, m: np.ndarray) -> None:
        start = self.kw(rule.start) if rule.start else np.zeros(self.c.n, np.int64)
        pvi = self._start_pv(rule, "period", start)
        ok, n = self.usable(pvi)
        m = m & ok & (start != 0)
        act = self.kw(rule.act) if rule.act else np.zeros(self.c.n, np.int64)
        if rule.overdue == "both_recorded":
            m &= act != 0
        due, raw = self.due(rule.unit, start, n, m)
        self.judge(rule, m, pvi, "period", start, n, due, raw, act, self.missing_mode(rule))

    h_review_transfer = h_generic  # ldtb_returned (the supplement branch) goes to the engine

    def h_accept(self, rule: RuleDef, m: np.ndarray) -> None:
        """engine._h_accept: a dossier the Court returned, not accepted and not received again since
        the (last) return, is not waiting to be accepted — no alert. Two returns or two receipts:
        the engine (W_DUP), so the first date of each is its only one."""
        ret, rec = self.kw("court_returned"), self.kw("court_received")
        waiting_again = (ret == 0) | self.known("accepted") | ((rec != 0) & (rec > ret))
        self.h_generic(rule, m & waiting_again)

    def h_notify(self, rule: RuleDef, m: np.ndarray) -> None:
        start = self.kw("accepted")
        pvi = self._start_pv(rule, "period", start)
        ok, n = self.usable(pvi)
        m = m & ok & (start != 0)
        d, r = self._k("acceptance_notice", "date"), self._k("acceptance_notice", "received")
        act = _where(d != 0, d, r)
        af = _where((d == 0) & (r != 0), FL_VKS, 0)
        due, raw = self.due(rule.unit, start, n, m)
        self.judge(rule, m, pvi, "period", start, n, due, raw, act, self.missing_mode(rule), act_flags=af)

    def h_send_decision(self, rule: RuleDef, m: np.ndarray) -> None:
        start = self.kw_date_decision()
        pvi = self._start_pv(rule, "period", start)
        ok, n = self.usable(pvi)
        m = m & ok & (start != 0)
        sent = self.on_or_after("decision_sent", start)
        rec = self._k("decision", "received")
        act = _where(sent != 0, sent, rec)
        af = _where((sent == 0) & (rec != 0), FL_VKS, 0)
        due, raw = self.due(rule.unit, start, n, m)
        self.judge(rule, m, pvi, "period", start, n, due, raw, act, self.missing_mode(rule, "decision_sent"),
                   act_flags=af)

    def h_decide(self, rule: RuleDef, m: np.ndarray) -> None:
        start = self.kw("accepted")
        pv15 = self._start_pv(rule, "period", start)
        ok15, n15 = self.usable(pv15)
        m = m & ok15 & (start != 0)
        act = self.kw("decision")
        missing = self.missing_mode(rule)
        pv30 = self.param(rule, "complex_period", start)
        ok30, n30 = self.usable(pv30)
        cx = self.complex
        mc = m & cx & ok30
        due, raw = self.due("D", start, n30, mc)
        self.judge(rule, mc, pv30, "complex_period", start, n30, due, raw, act, missing, note=NOTE_COMPLEX,
                   unit=rule.unit)
        ms = m & ~cx
        due, raw = self.due("D", start, n15, ms)
        # pv30 null: no exception flag; pv30 not an integer: int() raises -> not_evaluable
        pvs = self._frozen()
        p30 = _where(pv30 < 0, pvs.none, pv30)
        has30 = (pv30 >= 0) & ~pvs.null[p30]
        ms &= ~has30 | pvs.int_ok[p30]
        due30, _ = self.due("D", start, n30, ms & has30)
        probe = _where(act != 0, act, self.as_of)
        exc = ms & has30 & (due < probe) & (probe <= due30)
        self.judge(rule, ms, pv15, "period", start, n15, due, raw, act, missing, flags=_where(exc, FL_COMPLEX, 0),
                   unverified=exc, unit=rule.unit)

    def h_hold_session(self, rule: RuleDef, m: np.ndarray) -> None:
        start = self.kw("session_order")
        pvi = self._start_pv(rule, "period", start)
        ok, n = self.usable(pvi)
        m = m & ok & (start != 0)
        act = self.on_or_after("session_held", start)
        due, raw = self.due(rule.unit, start, n, m)
        self.judge(rule, m, pvi, "period", start, n, due, raw, act, self.missing_mode(rule))

    def h_without_procurator(self, rule: RuleDef, m: np.ndarray) -> None:
        sit = self.kw("session_held")
        pvi = self._start_pv(rule, "basis", sit)
        pvs = self._frozen()
        p = _where(pvi < 0, pvs.none, pvi)
        m = m & (pvi >= 0) & ~pvs.null[p] & (sit != 0)
        absent = self.c.col("session_held", "present") == 1
        self.fact(rule, m & absent, pvi, "basis", sit, KIND_PRESENCE)

    def h_term(self, rule: RuleDef, m: np.ndarray) -> None:
        dd = self.kw_date_decision()
        pvi = self._start_pv(rule, "range", dd)
        pvs = self._frozen()
        p = _where(pvi < 0, pvs.none, pvi)
        has_dec = self.known("decision")
        t = self.c.col("decision", "term")
        term = t - 32768
        m = m & (pvi >= 0) & ~pvs.null[p] & has_dec & ~self.blocked & (t != 0) & pvs.range_ok[p]
        outside = (term < pvs.lo[p]) | (term > pvs.hi[p])
        self.fact(rule, m & outside, pvi, "range", self.kw("decision"), KIND_TERM, n=term)

    def h_send_for_execution(self, rule: RuleDef, m: np.ndarray) -> None:
        m = m & ~self.blocked
        s = self.kw("sent_for_execution")
        p = self.kw("police_received")
        act = _where(s != 0, s, p)
        af = _where((s == 0) & (p != 0), FL_POLICE, 0)
        eff, est = self.effective()
        pvi = self._start_pv(rule, "period", eff)
        ok, n = self.usable(pvi)
        m = m & ok & (act != 0) & (eff != 0)
        due, raw = self.due(rule.unit, eff, n, m)
        self.judge(rule, m, pvi, "period", eff, n, due, raw, act, (np.zeros(self.c.n, bool),) * 2 + (False,),
                   flags=_where(est, FL_ESTIMATED, 0), act_flags=af, unverified=est,
                   label=_where(est, LBL_EST, LBL_RULE))

    def exec_adjust(self, start: np.ndarray, act: np.ndarray):
        """engine._exec_adjust: (start, closed, note, note_date)."""
        closed = self.known("execution_exempted") & (act == 0)
        done = closed.copy()
        s = start.copy()
        note = np.zeros(self.c.n, dtype=np.int64)
        note_d = np.zeros(self.c.n, dtype=np.int64)
        for code, nc in (("evasion", NOTE_EVASION), ("execution_postponed", NOTE_POSTPONED)):
            w = self.kw(code)
            end = self._k(code, "end")
            consider = ~done & (w != 0) & ~((act != 0) & (w >= act))
            stop = consider & (end == 0) & (act == 0)
            closed |= stop
            done |= stop
            restart = consider & (end != 0) & (end > s)
            s = _where(restart, end, s)
            note = _where(restart, nc, note)
            note_d = _where(restart, end, note_d)
        return s, closed, note, note_d

    def h_deliver(self, rule: RuleDef, m: np.ndarray) -> None:
        m = m & ~self.blocked
        start = self.kw("police_received")
        pvi = self._start_pv(rule, "period", start)
        ok, n = self.usable(pvi)
        m = m & ok & (start != 0)
        act = self.kw("delivered")
        s2, closed, note, note_d = self.exec_adjust(start, act)
        m &= ~closed
        due, raw = self.due(rule.unit, s2, n, m)
        self.judge(rule, m, pvi, "period", s2, n, due, raw, act, self.missing_mode(rule), note=note, note_date=note_d)

    def h_limitation(self, rule: RuleDef, m: np.ndarray) -> None:
        m = m & ~self.blocked
        eff, est = self.effective()
        pvi = self._start_pv(rule, "period", eff)
        ok, n = self.usable(pvi)
        m = m & ok & (eff != 0)
        act = self.kw("delivered")
        start, closed, note, note_d = self.exec_adjust(eff, act)
        m &= ~closed
        due, raw = self.due("M", start, n, m)
        alt, bad = self.cal.next_wd(_where(m, due, self.cal.base))
        self.fb |= m & bad
        alt = _where(m & (alt != due), alt, 0)
        at_eff = start == eff
        flagged = est & at_eff
        label = _where(at_eff, _where(flagged, LBL_EST, LBL_EFFECT), LBL_RESTART)
        self.judge(rule, m, pvi, "period", start, n, due, due, act, self.missing_mode(rule),
                   flags=_where(flagged, FL_ESTIMATED, 0), unverified=flagged, alt=alt, note=note, note_date=note_d,
                   label=label)

    def h_protest(self, rule: RuleDef, m: np.ndarray) -> None:
        src = self.rs.by_id.get(rule.extra.get("period_from") or "")
        if src is None:
            return
        start = self.kw_date_decision()
        pvi = self._start_pv(src, "period", start)
        ok, n = self.usable(pvi)
        m = m & ok & (start != 0)
        act = self.on_or_after("protest", start)
        due, raw = self.due(rule.unit, start, n, m)
        self.judge(rule, m, pvi, f"{src.id}.period", start, n, due, raw, act, self.missing_mode(rule),
                   no_violation=True)

    def h_archive(self, rule: RuleDef, m: np.ndarray) -> None:
        start = self.kw("delivered")
        start = _where(start != 0, start, self.kw("execution_exempted"))
        dec_out = _where(self.known("decision"), self.c.col("decision", "outcome"), 0)
        need = (start == 0) & self.known("decision") & (dec_out != 0) & (dec_out != _APPLY_IX)
        if need.any():
            eff, _ = self.effective()
            start = _where(need, eff, start)
        pvi = self._start_pv(rule, "period", start)
        ok, n = self.usable(pvi)
        m = m & ok & (start != 0)
        act = self.on_or_after("archived", start)
        due, raw = self.due(rule.unit, start, n, m)
        self.judge(rule, m, pvi, "period", start, n, due, raw, act, self.missing_mode(rule), label=LBL_END)

    def h_never(self, rule: RuleDef, m: np.ndarray) -> None:
        """Handlers that never give an alert (dossier_complete without a checklist, reply)."""

    # ---------------------------------------------------------------- the plan
    def run(self) -> None:
        handlers = {
            E._h_generic: self.h_generic, E._h_accept: self.h_accept,
            E._h_notify: self.h_notify, E._h_decide: self.h_decide,
            E._h_hold_session: self.h_hold_session, E._h_without_procurator: self.h_without_procurator,
            E._h_send_decision: self.h_send_decision, E._h_send_for_execution: self.h_send_for_execution,
            E._h_term: self.h_term, E._h_review_transfer: self.h_review_transfer, E._h_deliver: self.h_deliver,
            E._h_limitation: self.h_limitation, E._h_protest: self.h_protest, E._h_archive: self.h_archive,
            E._h_dossier_complete: self.h_never, E._h_reply: self.h_never,
        }
        keep = frozenset(STATUS_NAMES[s] for s in self.keep)
        rule_ix = {id(r): i for i, r in enumerate(self.rs.rules)}
        for rule, h, ap, req in E._plan(self.rs, keep, False):
            m = self.visible.copy()
            if h is None:  # engine: not_evaluable, never an alert
                continue
            if ap != "all":  # engine._evaluate: skipped when (ap == "adult") == minor
                m &= ~self.minor if ap == "adult" else self.minor
            if req is not None:
                for group in req:
                    g = np.zeros(self.c.n, dtype=bool)
                    for code in group:
                        g |= self.known(code)
                    m &= g
            if not m.any():
                continue
            vh = handlers.get(h)
            if vh is None:  # not repeated here: the engine decides these cases
                self.fb |= m
                continue
            self.rule_ix = rule_ix[id(rule)]
            vh(rule, m)


def evaluate(cols: Columns, ruleset: Ruleset, calendar: WorkCalendar, as_of: dt.date, due_soon_wd: int = 2,
             statuses: Iterable[str] = (E.VIOLATION, E.OVERDUE, E.DUE_SOON), soon_until: dt.date | None = None,
             shared: _Shared | None = None, canonical: bool = False) -> Hits:
    """The alerts of every case of `cols` that is not `fallback`, as engine.evaluate(…, statuses=…)
    would give them (statuses: a subset of violation / overdue / due_soon).

    `shared`: the parameter numbering to use (a caller that evaluates some cases again later keeps
    one, so the hits of both number the parameter values alike). `canonical`: the hits by case row,
    then the ruleset's order (a case's hits of one rule as the evaluator gives them) — so an
    evaluation of some cases gives exactly their part of a full one."""
    keep = frozenset(statuses)
    if not keep <= ALERTS:
        raise ValueError("the columnar scan gives only violation, overdue and due_soon")
    if soon_until is None:
        soon_until = calendar.add_wd(as_of, due_soon_wd)
    shared = shared if shared is not None else _Shared()
    parts, fbs = [], []
    for a in range(0, max(cols.n, 1), BLOCK):  # blocks of cases that stay in the processor's caches
        ev = _Eval(cols.block(a, min(a + BLOCK, cols.n)), ruleset, calendar, as_of, soon_until, keep, shared)
        ev.run()
        for p in ev.out:
            p["row"] = p["row"] + a
            parts.append(p)
        fbs.append(ev.fb)
    fb = np.concatenate(fbs) if len(fbs) > 1 else fbs[0]
    if parts:
        cols_out = {k: np.concatenate([p[k] for p in parts]) for k in parts[0]}
    else:
        cols_out = {k: np.zeros(0, dtype=np.int64) for k in (*_FIELDS, "act_flags")}
    drop = fb[cols_out["row"]]
    if drop.any():
        cols_out = {k: v[~drop] for k, v in cols_out.items()}
    if canonical:
        nrules = len(ruleset.rules) + 1
        o = np.argsort(cols_out["row"].astype(np.int64) * nrules + cols_out["rule"], kind="stable")
        cols_out = {k: v[o] for k, v in cols_out.items()}
    return Hits(rows=cols_out["row"], cols=cols_out, fallback=fb, ruleset=ruleset, calendar=calendar, as_of=as_of,
                pvs=shared.pv.items, pnames=shared.pnames, rule_pos={r.id: i for i, r in enumerate(ruleset.rules)})


def scan_facts(cases: Sequence[CaseFacts], ruleset: Ruleset, calendar: WorkCalendar, as_of: dt.date,
               due_soon_wd: int = 2, statuses: Iterable[str] = (E.VIOLATION, E.OVERDUE, E.DUE_SOON)
               ) -> list[tuple[CaseFacts, E.Finding]]:
    """engine.scan's result for CaseFacts, through the columns (+ the engine for fallback cases)."""
    keep = frozenset(statuses)
    soon = calendar.add_wd(as_of, due_soon_wd)
    hits = evaluate(Columns.from_facts(cases), ruleset, calendar, as_of, due_soon_wd, keep, soon)
    per_case: dict[int, list[E.Finding]] = {}
    for r, f in zip(hits.rows.tolist(), hits.findings(np.arange(len(hits))), strict=True):
        per_case.setdefault(r, []).append(f)
    out = []
    for r, c in enumerate(cases):
        if hits.fallback[r]:
            out += [(c, f) for f in E.evaluate(c, ruleset, calendar, as_of, due_soon_wd, statuses=keep, soon_until=soon)]
        else:
            out += [(c, f) for f in per_case.get(r, ())]
    return out
