"""Benchmark of the findings scan and the dashboard on demo data (issue 3, "Performance").

    uv run python bench/engine.py                      # 100,000 cases in /tmp/kiemsat-bench-100000
    uv run python bench/engine.py --cases 1000000      # 1,000,000 cases (demo data takes ~6 min, ~2 GB)
    uv run python bench/engine.py --data-dir DIR       # reuse (or fill) an instance
    uv run python bench/engine.py --check              # also run the engine on every case and compare

1. The instance: a SQLite data dir holding `kiemsat demo-data --cases N` (made when empty, reused
   otherwise).
2. Full findings scan, cold: each run is a NEW process (empty caches: no parsed ruleset or calendar,
   no SQLite page cache) that times `legal.services.scan(Case.objects.all(), as_of)` — reading the
   stored data, parsing the active ruleset and calendar, evaluating every rule on every case and
   counting the violation / overdue / due_soon findings. The median of --runs runs is reported,
   with its steps. Building every finding as a Python object (what `kiemsat findings --json`
   prints) is timed separately.
3. Dashboard: a new process logs in as a leader (`lanhdao`, every case of the unit visible) and
   GETs the home page with Django's test client: one warm-up request, then --requests requests
   (stopping early after --dash-budget seconds); p50 / p95 of the server time.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import statistics
import time
from pathlib import Path

from _common import machine, make_demo, pct, run_child, setup_django  # noqa: E402  (bench/ is on sys.path when run as a script)

ROOT = Path(__file__).resolve().parents[1]


# ---------------------------------------------------------------------------- child processes
def child_count(args) -> dict:
    setup_django(args.data_dir)
    from kiemsat.__main__ import ensure_migrated
    from kiemsat.cases.models import Case, CaseDigest, Event

    ensure_migrated()
    return {"cases": Case.objects.count(), "events": Event.objects.count(), "digests": CaseDigest.objects.count()}


def child_scan(args) -> dict:
    setup_django(args.data_dir)
    from kiemsat.cases.models import Case
    from kiemsat.legal import services

    as_of = dt.date.fromisoformat(args.as_of)
    c0, t0 = time.process_time(), time.perf_counter()
    res = services.scan(Case.objects.all(), as_of)
    n = len(res)
    t1, c1 = time.perf_counter(), time.process_time()
    out = {"seconds": t1 - t0, "cpu": c1 - c0, "findings": n, "steps": getattr(res, "timings", {}),
           "by_status": res.status_counts() if hasattr(res, "status_counts") else {}}
    if args.materialize:
        t = time.perf_counter()
        rows = [s.finding.to_json(s.facts) for s in res]
        out["materialize"] = time.perf_counter() - t
        assert len(rows) == n
    return out


def child_check(args) -> dict:
    """The engine on every case (the scalar path) and the comparison with the scan."""
    setup_django(args.data_dir)
    from kiemsat.cases.models import Case
    from kiemsat.domain import engine
    from kiemsat.legal import services

    as_of = dt.date.fromisoformat(args.as_of)
    t = time.perf_counter()
    _, rs = services.active_ruleset()
    _, cal = services.active_calendar()
    facts = services.facts_for(qs=Case.objects.all())
    ref = [(int(c.key), f) for c, f in engine.scan(facts, rs, cal, as_of, services.due_soon_wd())]
    scalar = time.perf_counter() - t

    def key(cid, f):
        return (cid, f.rule, f.status, f.due, f.actual, f.late, f.unit, f.responsible, f.citation, f.verified,
                tuple(f.flags), f.params, f.start, f.alt_due, f.explanation)

    want = sorted(key(c, f) for c, f in ref)
    got = sorted(key(s.case_id, s.finding) for s in services.scan(Case.objects.all(), as_of))
    return {"scalar_seconds": scalar, "findings": len(want), "same": want == got}


def child_dashboard(args) -> dict:
    setup_django(args.data_dir)
    from django.test import Client

    from kiemsat.org.models import User

    client = Client()
    client.force_login(User.objects.get(username="lanhdao"))
    t = time.perf_counter()
    r = client.get("/")
    first = time.perf_counter() - t
    assert r.status_code == 200, r.status_code
    times = []
    budget_end = time.perf_counter() + args.dash_budget
    for _ in range(args.requests):
        t = time.perf_counter()
        r = client.get("/")
        times.append(time.perf_counter() - t)
        assert r.status_code == 200
        if time.perf_counter() > budget_end:
            break
    return {"first": first, "times": times, "bytes": len(r.content)}


# ---------------------------------------------------------------------------- the parent
def _child(mode: str, args, *extra: str) -> dict:
    return run_child(__file__, mode, ["--data-dir", args.data_dir, "--as-of", args.as_of, "--requests", str(args.requests),
                                      "--dash-budget", str(args.dash_budget), *extra])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--cases", type=int, default=100_000)
    ap.add_argument("--data-dir", default="")
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--as-of", default=dt.date.today().isoformat())
    ap.add_argument("--requests", type=int, default=50)
    ap.add_argument("--dash-budget", type=float, default=600.0, help="stop the dashboard requests after this many seconds")
    ap.add_argument("--no-dashboard", action="store_true")
    ap.add_argument("--check", action="store_true", help="also run the engine on every case and compare")
    ap.add_argument("--child", default="", help=argparse.SUPPRESS)
    ap.add_argument("--materialize", action="store_true", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        out = {"count": child_count, "scan": child_scan, "check": child_check, "dashboard": child_dashboard}[args.child](args)
        print(json.dumps(out, default=str))
        return

    args.data_dir = args.data_dir or f"/tmp/kiemsat-bench-{args.cases}"
    Path(args.data_dir).mkdir(parents=True, exist_ok=True)
    if os.environ.get("DATABASE_URL"):
        print("note: DATABASE_URL is ignored, the benchmark runs on SQLite")
    print(f"machine: {machine()}")
    counts = _child("count", args)
    if counts["cases"] == 0:
        make_demo(args.data_dir, args.cases)
        counts = _child("count", args)
    elif counts["cases"] != args.cases:
        print(f"note: {args.data_dir} holds {counts['cases']:,} cases (not {args.cases:,}); measuring those")
    print(f"instance: {args.data_dir}: {counts['cases']:,} cases, {counts['events']:,} events, "
          f"{counts['digests']:,} digests; as of {args.as_of}")

    runs = [_child("scan", args) for _ in range(args.runs)]
    secs = [r["seconds"] for r in runs]
    med = statistics.median(secs)
    mid = sorted(runs, key=lambda r: r["seconds"])[len(runs) // 2]
    st = mid["steps"]
    print(f"\nfull findings scan, cold (new process each run), {len(runs)} runs:")
    print("  runs: " + ", ".join(f"{s:.3f}" for s in secs) + " s")
    print(f"  median {med:.3f} s (CPU {mid['cpu']:.3f} s) — {mid['findings']:,} findings {mid['by_status']}")
    if st:
        print(f"  steps of the median run: read {st['read']:.3f} s, columns {st['columns']:.3f} s, "
              f"engine for {st['engine_cases']:,} cases {st['engine']:.3f} s; "
              f"the rest (active ruleset and calendar) {mid['seconds'] - sum(st[k] for k in ('read', 'columns', 'engine')):.3f} s")
    mat = _child("scan", args, "--materialize")
    print(f"  building every finding as objects + to_json (as `kiemsat findings --json`): {mat['materialize']:.3f} s more")
    if args.check:
        chk = _child("check", args)
        print(f"  engine on every case (scalar path): {chk['scalar_seconds']:.1f} s, {chk['findings']:,} findings; "
              f"same findings: {chk['same']}")

    if not args.no_dashboard:
        d = _child("dashboard", args)
        ts = d["times"]
        print(f"\ndashboard (GET /, leader, server time), first request {d['first'] * 1000:.0f} ms, "
              f"then {len(ts)} requests: p50 {pct(ts, 0.5) * 1000:.0f} ms, p95 {pct(ts, 0.95) * 1000:.0f} ms "
              f"(page {d['bytes'] / 1e6:.1f} MB)")


if __name__ == "__main__":
    main()
