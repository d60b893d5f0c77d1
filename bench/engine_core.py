"""Benchmark of the pure-Python engine core: a findings scan of N cases.

    uv run python bench/engine_core.py [N]

Cases are the two sample books' cases, repeated with their dates shifted by whole weeks so that
they are distinct objects with distinct dates. Prints the cold scan (first evaluation of every
case) and the warm scan (same as_of again: findings are memoized per case).
"""

from __future__ import annotations

import datetime as dt
import json
import sys
import time
from dataclasses import replace
from pathlib import Path

from kiemsat.domain.calendar import WorkCalendar
from kiemsat.domain.engine import scan
from kiemsat.domain.facts import CaseFacts, facts_from_flat
from kiemsat.domain.rules import Ruleset

SAMPLES = Path(__file__).resolve().parents[1] / ".." / "shared" / "samples"


def shifted(c: CaseFacts, weeks: int) -> CaseFacts:
    delta = dt.timedelta(weeks=weeks)
    evs = [
        replace(
            e,
            date=e.date + delta if e.date else None,
            received=e.received + delta if e.received else None,
            end=e.end + delta if e.end else None,
        )
        for e in c.events
    ]
    return replace(c, events=evs, key=f"{c.key}#{weeks}")


def main(n: int = 100_000) -> None:
    base = []
    for book in ("so-theo-doi-xlhc-2024", "so-theo-doi-xlhc-2022-2025"):
        base += [facts_from_flat(o) for o in json.loads((SAMPLES / f"{book}.cases.json").read_text(encoding="utf-8"))]
    cases = [shifted(base[i % len(base)], (i // len(base)) % 52) for i in range(n)]
    rs, cal = Ruleset.default(), WorkCalendar.default()
    as_of = dt.date(2025, 12, 31)
    for label in ("cold", "warm"):
        t = time.perf_counter()
        k = sum(1 for _ in scan(cases, rs, cal, as_of))
        s = time.perf_counter() - t
        print(f"{label}: {n} cases, {k} findings (violation/overdue/due_soon) in {s:.3f} s ({s / n * 1e6:.1f} µs/case)")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 100_000)
