"""Benchmark of the statistics report (issue 7): the year report's server time on demo data.

    uv run python bench/stats.py                       # 100,000 cases in /tmp/kiemsat-bench-100000
    uv run python bench/stats.py --data-dir DIR        # reuse (or fill) an instance
    uv run python bench/stats.py --cases 20000 --requests 5

1. The instance: a SQLite data dir holding `kiemsat demo-data --cases N` (made when empty with
   `python -m kiemsat --data-dir DIR demo-data --cases N`, reused otherwise).
2. A new process logs in as the demo leader (`lanhdao`: every case of the unit and of the unit it
   succeeded) and GETs the report page for the current reporting year (`/thong-ke/?ky=nam&nam=…`,
   01/12 → 30/11) with Django's test client: the first request of the process (cold: templates,
   ruleset and calendar parsed, SQLite page cache empty) and then --requests requests: p50 / p95
   of the server time, the CPU time of each request (all threads: a figure the machine's other load
   does not inflate much), and the steps of `stats.selectors.report` (database counts and findings
   scan run side by side, so the steps add up to more than the total).
3. The same for a provincial user (every unit, per-unit table): a provincial unit and its leader
   are added to the instance the first time.
4. The .xlsx and .docx exports of the same report, once each.

On PostgreSQL (issue 10: the year report at 1,000,000 cases ≤ 2 s):

    uv run python bench/stats.py --database-url postgres://…/kiemsat1m --requests 5

reads an instance already loaded (`kiemsat demo-data --units 10 --cases-per-unit 100000`, or any
register): nothing is created in it but, when it has no provincial account, one provincial unit and
user for the provincial run. The unit run uses `--leader` (default: `lanhdao`, else the first leader
of a unit that is not provincial).
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


def _setup(args) -> None:
    setup_django(args.data_dir, args.database_url)


READS = ("cases", "org", "legal", "letters", "stats", "audit", "auth", "contenttypes", "sessions")


def child_count(args) -> dict:
    _setup(args)
    from kiemsat.__main__ import ensure_migrated
    from kiemsat.cases.models import Case, Event

    pending = []
    if args.database_url:  # someone else's instance: migrate only when asked
        from django.db import connection
        from django.db.migrations.executor import MigrationExecutor

        ex = MigrationExecutor(connection)
        pending = [f"{m.app_label}.{m.name}" for m, _b in ex.migration_plan(ex.loader.graph.leaf_nodes())]
        if pending and args.migrate:
            from django.core.management import call_command

            call_command("migrate", verbosity=0)
            pending = []
    else:
        ensure_migrated()
    # migrations of apps the report does not read (e.g. a new table elsewhere) do not stop it
    needed = [m for m in pending if m.split(".")[0] in READS]
    if needed:
        return {"cases": 0, "events": 0, "pending": needed}
    return {"cases": Case.objects.count(), "events": Event.objects.count(), "pending": [], "other": pending}


def _provincial_user():
    from kiemsat.org.models import Role, Unit, User

    u = (User.objects.filter(username="bench-tinh").first()
         or User.objects.filter(is_active=True, unit__is_provincial=True).order_by("pk").first())
    if u is None:
        unit = Unit.objects.create(name="Viện kiểm sát nhân dân thành phố Hải Phòng (bench)", is_provincial=True)
        u = User.objects.create(username="bench-tinh", full_name="Bench tỉnh", role=Role.LEADER, unit=unit)
    return u


def _leader(name: str):
    from kiemsat.org.models import Role, User

    return (User.objects.filter(username=name).first()
            or User.objects.filter(is_active=True, role=Role.LEADER, unit__is_provincial=False).order_by("pk").first())


def child_report(args) -> dict:
    _setup(args)
    from django.test import Client

    from kiemsat.legal.services import local_today
    from kiemsat.stats import periods, selectors

    user = _provincial_user() if args.who == "provincial" else _leader(args.leader)
    year = periods.current("nam", local_today())
    url = f"/thong-ke/?ky=nam&nam={year.year}"
    client = Client()
    client.force_login(user)
    t = time.perf_counter()
    r = client.get(url)
    first = time.perf_counter() - t
    assert r.status_code == 200, r.status_code
    assert "Thống kê, báo cáo" in r.content.decode()
    times, cpu, warm = [], [], []
    for _ in range(args.requests):
        selectors.clear_cache()  # cold: every figure computed (the report's per-process cache emptied)
        t, c = time.perf_counter(), time.process_time()
        r = client.get(url)
        times.append(time.perf_counter() - t)
        cpu.append(time.process_time() - c)
        assert r.status_code == 200
        t = time.perf_counter()  # warm: the same report again, register unchanged
        assert client.get(url).status_code == 200
        warm.append(time.perf_counter() - t)
    steps = []
    for _ in range(min(3, args.requests)):
        selectors.clear_cache()
        rep = selectors.report(selectors.scope_for(user), year)
        steps.append(rep.timings)
    from django.db import connection

    out = {"first": first, "times": times, "cpu": cpu, "warm": warm, "load": os.getloadavg()[0], "bytes": len(r.content),
           "period": year.label, "who": user.username, "db": connection.vendor,
           "steps": min(steps, key=lambda s: s["total"]), "total": rep.total.get("total"),
           "violations": rep.total.get("violations"), "units": len(rep.by_unit)}
    if args.exports:
        for kind in ("xlsx", "docx"):
            t = time.perf_counter()
            r = client.get(f"/thong-ke/bao-cao.{kind}?ky=nam&nam={year.year}")
            out[kind] = time.perf_counter() - t
            assert r.status_code == 200
    return out


def _child(mode: str, args, *extra: str) -> dict:
    return run_child(__file__, mode, [
        "--data-dir", args.data_dir, "--requests", str(args.requests), "--leader", args.leader,
        *(("--database-url", args.database_url) if args.database_url else ()),
        *(("--migrate",) if args.migrate else ()), *extra])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--cases", type=int, default=100_000)
    ap.add_argument("--data-dir", default="")
    ap.add_argument("--requests", type=int, default=10)
    ap.add_argument("--no-provincial", action="store_true")
    ap.add_argument("--no-leader", action="store_true", help="only the provincial run")
    ap.add_argument("--database-url", default="", help="a PostgreSQL instance already loaded (nothing is made)")
    ap.add_argument("--leader", default="lanhdao", help="the unit leader's account")
    ap.add_argument("--migrate", action="store_true", help="apply missing migrations to --database-url")
    ap.add_argument("--child", default="", help=argparse.SUPPRESS)
    ap.add_argument("--who", default="leader", help=argparse.SUPPRESS)
    ap.add_argument("--exports", action="store_true", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        out = {"count": child_count, "report": child_report}[args.child](args)
        print(json.dumps(out, default=str))
        return

    args.data_dir = args.data_dir or f"/tmp/kiemsat-bench-{args.cases}"
    Path(args.data_dir).mkdir(parents=True, exist_ok=True)
    print(f"machine: {machine()}")
    counts = _child("count", args)
    if args.database_url:
        if counts.get("pending"):
            raise SystemExit("the PostgreSQL instance lacks migrations " + ", ".join(counts["pending"])
                             + ": run again with --migrate to apply them")
        if counts.get("other"):
            print("note: migrations not applied (apps the report does not read): " + ", ".join(counts["other"]))
        if counts["cases"] == 0:
            raise SystemExit("the PostgreSQL instance holds no case: load it first (kiemsat demo-data …)")
        print(f"instance: PostgreSQL {args.database_url.rsplit('@', 1)[-1]}: {counts['cases']:,} cases, "
              f"{counts['events']:,} events")
    elif counts["cases"] == 0:
        make_demo(args.data_dir, args.cases)
        counts = _child("count", args)
    if not args.database_url:
        print(f"instance: {args.data_dir}: {counts['cases']:,} cases, {counts['events']:,} events")

    for who in (() if args.no_leader else ("leader",)) + (() if args.no_provincial else ("provincial",)):
        d = _child("report", args, "--who", who, *(("--exports",) if who == ("provincial" if args.no_leader else "leader") else ()))
        ts = d["times"]
        st = d["steps"]
        print(f"\nyear report {d['period']}, {who} ({d['who']}; {d['total']:,} cases to resolve, "
              f"{d['violations']:,} violations{', %d units' % d['units'] if d['units'] else ''}), server time:")
        print(f"  first request (new process) {d['first'] * 1000:.0f} ms; then {len(ts)} cold requests (cache "
              f"emptied): p50 {pct(ts, 0.5) * 1000:.0f} ms, p95 {pct(ts, 0.95) * 1000:.0f} ms "
              f"(page {d['bytes'] / 1e3:.0f} kB)")
        w = d["warm"]
        print(f"  the same report again (register unchanged, per-process cache): p50 {pct(w, 0.5) * 1000:.0f} ms, "
              f"p95 {pct(w, 0.95) * 1000:.0f} ms")
        print(f"  CPU time per cold request (every thread of the process): median {statistics.median(d['cpu']) * 1000:.0f} ms;"
              f" load average during the run {d['load']:.2f} on {os.cpu_count()} cores")
        print("  report steps: " + ", ".join(f"{k} {v * 1000:.0f} ms" for k, v in st.items()))
        if "xlsx" in d:
            print(f"  exports: .xlsx {d['xlsx'] * 1000:.0f} ms, .docx {d['docx'] * 1000:.0f} ms")


if __name__ == "__main__":
    main()
