"""Benchmark of the execution register and the workload page (issue 6): server time on demo data.

    uv run python bench/execution.py                      # 100,000 cases in /tmp/kiemsat-bench-100000
    uv run python bench/execution.py --data-dir DIR       # reuse (or fill) an instance
    uv run python bench/execution.py --requests 30

1. The instance: a SQLite data dir holding `kiemsat demo-data --cases N` (made when empty, reused
   otherwise; any missing migration is applied first).
2. A new process logs in as the demo execution officer (`thihanh`) and GETs the execution register
   (`/thi-hanh/`, then its filters "chưa bàn giao", "hết thời hiệu trong 30 ngày", "đã hết thời hiệu"
   and a later page), then as the demo leader (`lanhdao`) the workload page (`/phan-cong/`), with
   Django's test client: the first request of each page (the first one of the process is cold:
   templates, ruleset and calendar parsed, the unit's execution table and findings scan built) and
   then --requests requests each: p50 / p95 of the server time (wall) and of the CPU time of each
   request (a figure the machine's other load inflates much less).
3. The cold build of the execution table (`execution.fast.table`) on its own, 3 times.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import time
from pathlib import Path

from _common import machine, make_demo, pct, run_child, setup_django  # noqa: E402  (bench/ is on sys.path when run as a script)

ROOT = Path(__file__).resolve().parents[1]
PAGES = [
    ("thihanh", "/thi-hanh/", "Sổ theo dõi thi hành quyết định"),
    ("thihanh", "/thi-hanh/?loc=chua-ban-giao", "Sổ theo dõi thi hành quyết định"),
    ("thihanh", "/thi-hanh/?loc=sap-het-thoi-hieu", "Sổ theo dõi thi hành quyết định"),
    ("thihanh", "/thi-hanh/?loc=het-thoi-hieu&page=5", "Sổ theo dõi thi hành quyết định"),
    ("lanhdao", "/phan-cong/", "Phân công, cân đối công việc"),
]


def _setup(args):
    setup_django(args.data_dir)
    from kiemsat.__main__ import ensure_migrated

    ensure_migrated()


def child_count(args) -> dict:
    _setup(args)
    from kiemsat.cases.models import Case, Event

    return {"cases": Case.objects.count(), "events": Event.objects.count()}


def child_pages(args) -> dict:
    _setup(args)
    from django.test import Client

    from kiemsat.org.models import User

    clients: dict[str, Client] = {}
    out = []
    for username, url, title in PAGES:
        c = clients.get(username)
        if c is None:
            c = clients[username] = Client()
            c.force_login(User.objects.get(username=username))
        t = time.perf_counter()
        r = c.get(url)
        first = time.perf_counter() - t
        assert r.status_code == 200, (url, r.status_code)
        assert title in r.content.decode(), url
        times, cpu = [], []
        for _ in range(args.requests):
            t, p = time.perf_counter(), time.process_time()
            r = c.get(url)
            times.append(time.perf_counter() - t)
            cpu.append(time.process_time() - p)
            assert r.status_code == 200
        out.append({"user": username, "url": url, "first": first, "times": times, "cpu": cpu,
                    "bytes": len(r.content)})
    return {"pages": out, "load": os.getloadavg()[0]}


def child_table(args) -> dict:
    _setup(args)
    from kiemsat.cases.selectors import visible_cases
    from kiemsat.execution import fast
    from kiemsat.legal import services as legal
    from kiemsat.org.models import User

    user = User.objects.get(username="thihanh")
    legal.active_ruleset(), legal.active_calendar()
    qs = visible_cases(user)
    times = []
    for _ in range(3):
        t = time.perf_counter()
        tb = fast.table(qs, legal.local_today())
        times.append(time.perf_counter() - t)
    return {"times": times, "rows": len(tb), "applying": int((tb.status >= 0).sum())}


def _child(mode: str, args) -> dict:
    return run_child(__file__, mode, ["--data-dir", args.data_dir, "--requests", str(args.requests)])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--cases", type=int, default=100_000)
    ap.add_argument("--data-dir", default="")
    ap.add_argument("--requests", type=int, default=20)
    ap.add_argument("--child", default="", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        out = {"count": child_count, "pages": child_pages, "table": child_table}[args.child](args)
        print(json.dumps(out, default=str))
        return

    args.data_dir = args.data_dir or f"/tmp/kiemsat-bench-{args.cases}"
    Path(args.data_dir).mkdir(parents=True, exist_ok=True)
    print(f"machine: {machine()}")
    counts = _child("count", args)
    if counts["cases"] == 0:
        make_demo(args.data_dir, args.cases)
        counts = _child("count", args)
    print(f"instance: {args.data_dir}: {counts['cases']:,} cases, {counts['events']:,} events")
    tb = _child("table", args)
    print(f"execution table (cold, in a new process): {tb['rows']:,} cases with a decision, "
          f"{tb['applying']:,} applying; " + ", ".join(f"{x * 1000:.0f}" for x in tb["times"]) + " ms")
    d = _child("pages", args)
    print(f"pages (server time, {args.requests} requests each after the first; load average {d['load']:.2f}):")
    worst = 0.0
    for p in d["pages"]:
        ts, cpu = p["times"], p["cpu"]
        worst = max(worst, pct(ts, 0.95))
        print(f"  {p['user']:8s} GET {p['url']:38s} first {p['first'] * 1000:6.0f} ms, "
              f"p50 {statistics.median(ts) * 1000:5.0f} ms, p95 {pct(ts, 0.95) * 1000:5.0f} ms "
              f"(CPU p50 {statistics.median(cpu) * 1000:4.0f} ms, p95 {pct(cpu, 0.95) * 1000:4.0f} ms), "
              f"{p['bytes'] / 1024:.0f} KB")
    print(f"target p95 ≤ 100 ms: {'met' if worst <= 0.100 else 'NOT met'} (worst p95 {worst * 1000:.0f} ms)")


if __name__ == "__main__":
    main()
