"""CPU per request of the load test's mix (bench/load.py), in one process, under cProfile.

    uv run python bench/load_profile.py --data-dir DIR [--requests 600] [--top 30] [--sort tottime]

Replays the same actions as bench/load.py (register page or name search, case page, dashboard,
violations register, a leader recording an event) with Django's test client, one request after
another, and prints per action: count, CPU ms per request (mean, p95), SQL queries per request, then
the cProfile of the whole replay. "dashboard*" is a dashboard read right after a write (the caches
patch themselves). Writes go to DIR: use a copy of the load test's directory (cp -a).
"""

from __future__ import annotations

import argparse
import cProfile
import datetime as dt
import pstats
import random
import sys
import time
from collections import defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import machine, pct, setup_django  # noqa: E402
from load import LEADERS, STAFF, next_request  # noqa: E402  (the same users and mix as the load test)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data-dir", required=True)
    ap.add_argument("--requests", type=int, default=600)
    ap.add_argument("--warm", type=int, default=60, help="requests before measuring (fills the caches)")
    ap.add_argument("--top", type=int, default=35)
    ap.add_argument("--sort", default="tottime")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--only", default="", help="profile only this action (e.g. dashboard*)")
    args = ap.parse_args()
    setup_django(args.data_dir)

    from django.db import connection
    from django.test import Client

    from kiemsat.org.models import User

    unit = User.objects.get(username="lanhdao").unit
    from kiemsat.cases.selectors import visible_cases

    ids = list(visible_cases(User.objects.get(username="lanhdao")).values_list("pk", flat=True))
    users = []
    for i in range(20):
        leader = i % 4 == 0
        name = LEADERS[i % 2] if leader else STAFF[i % len(STAFF)]
        c = Client()
        c.force_login(User.objects.get(username=name))
        users.append((c, leader))
    today = dt.date.today().strftime("%d/%m/%Y")
    rnd = random.Random(args.seed)
    cpu: dict[str, list[float]] = defaultdict(list)
    queries: dict[str, list[int]] = defaultdict(list)
    prof = cProfile.Profile()
    last_write = False
    print(f"{len(ids)} cases of unit {unit} — {machine()}", flush=True)
    for n in range(args.warm + args.requests):
        c, leader = users[rnd.randrange(len(users))]
        action, path = next_request(rnd, ids, leader)
        if action == "dashboard" and last_write:
            action = "dashboard*"
        measuring = n >= args.warm
        profiling = measuring and (not args.only or args.only == action)
        n_queries = [0]

        def count(execute, sql, params, many, context, n_queries=n_queries):
            n_queries[0] += 1
            return execute(sql, params, many, context)

        with connection.execute_wrapper(count):
            t0 = time.process_time()
            if profiling:
                prof.enable()
            if action == "event_add":
                resp = c.get(path)
                assert resp.status_code == 200, (path, resp.status_code)
                resp = c.post(path, {"code": "document_request", "date": today, "note": "Kiểm tra tải (bench/load.py)"})
                ok = resp.status_code == 302
            else:
                resp = c.get(path)
                ok = resp.status_code == 200
            if profiling:
                prof.disable()
            secs = time.process_time() - t0
        if not ok:
            print(f"HTTP {resp.status_code} {path}", file=sys.stderr)
            return 1
        last_write = action == "event_add" or (last_write and action != "dashboard*")
        if measuring:
            cpu[action].append(secs)
            queries[action].append(n_queries[0])
    print(f"{'action':<14}{'n':>6}{'cpu ms':>9}{'p95 ms':>9}{'queries':>9}")
    tot = []
    for a, xs in sorted(cpu.items()):
        tot += xs
        print(f"{a:<14}{len(xs):>6}{sum(xs) / len(xs) * 1000:>9.1f}{pct(xs, .95) * 1000:>9.1f}"
              f"{sum(queries[a]) / len(queries[a]):>9.1f}")
    print(f"{'ALL':<14}{len(tot):>6}{sum(tot) / len(tot) * 1000:>9.1f}{pct(tot, .95) * 1000:>9.1f}")
    if args.top and (not args.only or args.only in cpu):
        pstats.Stats(prof).sort_stats(args.sort).print_stats(args.top)
    return 0


if __name__ == "__main__":
    sys.exit(main())
