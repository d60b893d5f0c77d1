"""Benchmark of the everyday pages at scale (issue 10): register, case page, dashboard — server time with
Django's test client, in-process — and the full findings scan, on SQLite or PostgreSQL.

    # SQLite, 100,000 cases (one unit): made in DIR when empty
    uv run python bench/pages.py --data-dir /tmp/bench100k --cases 100000
    # PostgreSQL, 1,000,000 cases (10 units × 100,000: `kiemsat demo-data --units 10`)
    uv run python bench/pages.py --database-url postgres://postgres@127.0.0.1:55432/bench1m --data-dir /tmp/bench1m_data

Each page is measured for two users in a NEW process: the leader of one unit (lanhdao, or kv1.lanhdao
in the multi-unit demo: that unit and the unit it succeeded) and the provincial leader (tinh.lanhdao, every
unit; added when missing). For each page: the first request of the process (cold), then --requests
requests (p50 / p95). Pages:

  register        /so-thu-ly/ (first page, default sort), its page 2, and a filtered page (year + stage)
  register-deep   /so-thu-ly/?page=N near the end (the slowest page of a big register)
  case            /vu-viec/<pk>/ of a different random visible case for every request
  dashboard       / (home: overdue / due soon, execution countdowns, violations by body)

Then the full findings scan of every case (legal.services.scan — the columnar scan `kiemsat findings`
uses), in a new process: cold (first) and warm (second) run.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import machine, make_demo, pct, run_child, setup_django  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]


def setup(args) -> None:
    setup_django(args.data_dir, args.database_url)


def _env(args) -> dict:
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    if args.database_url:
        env["DATABASE_URL"] = args.database_url
    return env


# ------------------------------------------------------------------------------ children
def child_info(args) -> dict:
    setup(args)
    from django.db import connection

    from kiemsat.__main__ import ensure_migrated
    from kiemsat.cases.models import Case, Event

    ensure_migrated()
    _provincial_user()
    version = connection.cursor().connection.info.server_version if connection.vendor == "postgresql" else None
    return {"cases": Case.objects.count(), "events": Event.objects.count(), "vendor": connection.vendor,
            "pg": version}


def _provincial_user():
    from kiemsat.cases.demo import ensure_provincial_unit
    from kiemsat.org.models import User

    u = User.objects.filter(username="tinh.lanhdao").first()
    if u is None:
        ensure_provincial_unit()
        u = User.objects.get(username="tinh.lanhdao")
    return u


def _unit_user():
    from kiemsat.org.models import User

    return User.objects.filter(username__in=["kv1.lanhdao", "lanhdao"]).order_by("-username").first()


def child_pages(args) -> dict:
    setup(args)
    from django.test import Client

    from kiemsat.cases import selectors

    user = _provincial_user() if args.who == "provincial" else _unit_user()
    client = Client()
    client.force_login(user)
    rng = random.Random(7)
    visible = selectors.visible_cases(user)
    n = visible.count()
    last_page = max(1, (n + 49) // 50)
    years = selectors.years(user)
    year = years[1] if len(years) > 1 else (years[0] if years else "")
    ids = list(visible.order_by("?").values_list("pk", flat=True)[:max(50, args.requests * 2)]) \
        if args.database_url else _sample_ids(visible, args.requests * 2, rng)
    pages = {
        "register": lambda i: "/so-thu-ly/",
        "register p2": lambda i: "/so-thu-ly/?page=2",
        "register filtered": lambda i: f"/so-thu-ly/?year={year}&stage=decided",
        "register search": lambda i: "/so-thu-ly/?q=nguyen+van+hung",
        "register deep": lambda i: f"/so-thu-ly/?page={last_page - 1 - i % 5}",
        "case": lambda i: f"/vu-viec/{ids[i % len(ids)]}/",
        "dashboard": lambda i: "/",
    }
    only = set(args.pages.split(",")) if args.pages else None
    out = {"who": user.username, "visible": n, "pages": {}}
    for name, url in pages.items():
        if only and name not in only:
            continue
        t = time.perf_counter()
        r = client.get(url(0))
        first = time.perf_counter() - t
        assert r.status_code == 200, (url(0), r.status_code)
        times, cpu = [], []
        for i in range(1, args.requests + 1):
            u = url(i)
            t, c = time.perf_counter(), time.process_time()
            r = client.get(u)
            times.append(time.perf_counter() - t)
            cpu.append(time.process_time() - c)
            assert r.status_code == 200, (u, r.status_code)
        out["pages"][name] = {"first": first, "times": times, "cpu": cpu, "bytes": len(r.content)}
    out["load"] = os.getloadavg()[0]
    return out


def _sample_ids(qs, k, rng) -> list[int]:
    lo_hi = qs.order_by("pk").values_list("pk", flat=True)
    lo, hi = lo_hi.first(), qs.order_by("-pk").values_list("pk", flat=True).first()
    ids = set()
    while len(ids) < k and lo is not None:
        pk = rng.randint(lo, hi)
        got = qs.filter(pk__gte=pk).order_by("pk").values_list("pk", flat=True).first()
        if got:
            ids.add(got)
    return list(ids)


def child_scan(args) -> dict:
    setup(args)
    from kiemsat.cases.models import Case
    from kiemsat.legal import services

    out = []
    for _ in range(2):
        t, c = time.perf_counter(), time.process_time()
        res = services.scan(Case.objects.all())
        n = len(res)
        out.append({"seconds": time.perf_counter() - t, "cpu": time.process_time() - c, "findings": n,
                    "steps": getattr(res, "timings", {})})
    return {"runs": out, "load": os.getloadavg()[0]}


def _child(mode: str, args, *extra: str) -> dict:
    return run_child(__file__, mode, ["--data-dir", args.data_dir, "--requests", str(args.requests),
                                      "--database-url", args.database_url, "--pages", args.pages, *extra], env=_env(args))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data-dir", default="")
    ap.add_argument("--database-url", default="", help="postgres://… (default: SQLite in the data dir)")
    ap.add_argument("--cases", type=int, default=100_000, help="SQLite: demo cases to make when the instance is empty")
    ap.add_argument("--requests", type=int, default=20)
    ap.add_argument("--pages", default="", help="comma-separated subset of the pages")
    ap.add_argument("--who", default="", help="unit | provincial (default: both)")
    ap.add_argument("--no-scan", action="store_true")
    ap.add_argument("--only-scan", action="store_true", help="only the full findings scan (no page)")
    ap.add_argument("--child", default="", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        print(json.dumps({"info": child_info, "pages": child_pages, "scan": child_scan}[args.child](args), default=str))
        return

    args.data_dir = args.data_dir or f"/tmp/kiemsat-bench-{args.cases}"
    Path(args.data_dir).mkdir(parents=True, exist_ok=True)
    print(f"machine: {machine()}")
    info = _child("info", args)
    if info["cases"] == 0 and not args.database_url:
        make_demo(args.data_dir, args.cases)
        info = _child("info", args)
    db = f"PostgreSQL {info['pg'] // 10000}" if info["pg"] else "SQLite"
    print(f"instance: {db}, {info['cases']:,} cases, {info['events']:,} events")
    for who in [] if args.only_scan else ([args.who] if args.who else ["unit", "provincial"]):
        d = _child("pages", args, "--who", who)
        print(f"\n{who} ({d['who']}, {d['visible']:,} visible cases), server time, load average {d['load']:.2f}:")
        for name, p in d["pages"].items():
            ts = p["times"]
            print(f"  {name:<18} first {p['first'] * 1000:6.0f} ms | {len(ts)} requests: p50 {pct(ts, 0.5) * 1000:5.0f} ms,"
                  f" p95 {pct(ts, 0.95) * 1000:5.0f} ms, max {max(ts) * 1000:5.0f} ms; CPU median "
                  f"{statistics.median(p['cpu']) * 1000:4.0f} ms ({p['bytes'] / 1e3:.0f} kB)")
    if not args.no_scan:
        s = _child("scan", args)
        cold, warm = s["runs"]
        print(f"\nfull findings scan of every case (new process), load average {s['load']:.2f}:")
        print(f"  cold {cold['seconds']:.2f} s (CPU {cold['cpu']:.2f} s), warm {warm['seconds']:.2f} s; "
              f"{cold['findings']:,} alerts")
        if cold["steps"]:
            print("  steps (cold): " + ", ".join(f"{k} {v:,}" if isinstance(v, int) else f"{k} {v * 1000:.0f} ms"
                                                for k, v in cold["steps"].items()))


if __name__ == "__main__":
    main()
