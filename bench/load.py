"""Load test: N concurrent staff on loopback against `kiemsat serve` (waitress), realistic reads and writes.

    uv run python bench/load.py [--data-dir DIR] [--cases 100000] [--users 20] [--minutes 5] [--port 8765]

Creates the demo instance in DIR if it has no database (demo-data --cases N), starts
`kiemsat serve` in a subprocess, then runs N client threads (http.client, one session each, logged
in as the demo accounts). Each user loops: think 0.5–2 s, then one action —

    35 %  open the register (random page or a name search)
    25 %  open a case (detail page)
    15 %  dashboard
    10 %  violations register (filtered)
    15 %  write: record an event on a case (leaders) — a "yêu cầu bổ sung tài liệu" with today's date

Reports, per action and overall: count, errors (HTTP ≥ 500, connection errors, unexpected status),
"database is locked" occurrences (server log + responses), p50/p95/max latency; the server
process's CPU time per request (Linux).
"""

from __future__ import annotations

import argparse
import datetime as dt
import http.client
import os
import random
import re
import subprocess
import sys
import threading
import time
import urllib.parse
from collections import defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import machine, pct  # noqa: E402

PASSWORD = "kiemsat-demo-2025"
LEADERS = ["lanhdao", "phovt"]
STAFF = ["ksv1", "ksv2", "ktv1", "cv1", "thihanh"]
CSRF_RE = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
FAMILY = ["Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Vũ", "Đặng", "Bùi", "Đỗ", "Ngô"]


def next_request(rnd: random.Random, case_ids: list[int], leader: bool) -> tuple[str, str]:
    """(action, path) of a user's next request, in the benchmark's mix: register pages and name
    searches ("register_q") 35 %, a case page 25 %, the dashboard 15 %, the violations 10 %, and
    15 % recording an event ("event_add", leaders; the others open a case page). Shared with
    bench/load_profile.py, which replays the same mix in-process."""
    r = rnd.random()
    if r < 0.35:
        if rnd.random() < 0.5:
            return "register", f"/so-thu-ly/?page={rnd.randint(1, 200)}"
        return "register_q", "/so-thu-ly/?q=" + urllib.parse.quote(rnd.choice(FAMILY) + " " + rnd.choice(["Văn", "Thị", "Đức"]))
    if r < 0.60:
        return "case_detail", f"/vu-viec/{rnd.choice(case_ids)}/"
    if r < 0.75:
        return "dashboard", "/"
    if r < 0.85:
        return "violations", "/vi-pham/?status=overdue"
    if not leader:
        return "case_detail", f"/vu-viec/{rnd.choice(case_ids)}/"
    return "event_add", f"/vu-viec/{rnd.choice(case_ids)}/su-kien/them/"


class Client:
    def __init__(self, host: str, port: int):
        self.host, self.port = host, port
        self.cookies: dict[str, str] = {}
        self.conn = http.client.HTTPConnection(host, port, timeout=60)

    def request(self, method: str, path: str, form: dict | None = None) -> tuple[int, str, dict]:
        headers = {"Host": f"{self.host}:{self.port}", "Connection": "keep-alive"}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        body = None
        if form is not None:
            body = urllib.parse.urlencode(form).encode()
            headers["Content-Type"] = "application/x-www-form-urlencoded"
            headers["Referer"] = f"http://{self.host}:{self.port}{path}"
        for attempt in (1, 2):
            try:
                self.conn.request(method, path, body=body, headers=headers)
                resp = self.conn.getresponse()
                data = resp.read().decode("utf-8", "replace")
                break
            except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError):
                self.conn.close()
                self.conn = http.client.HTTPConnection(self.host, self.port, timeout=60)
                if attempt == 2:
                    raise
        for k, v in resp.getheaders():
            if k.lower() == "set-cookie":
                name, _, rest = v.partition("=")
                self.cookies[name.strip()] = rest.split(";", 1)[0]
        return resp.status, data, dict(resp.getheaders())

    def login(self, username: str) -> None:
        status, html, _ = self.request("GET", "/dang-nhap/")
        token = CSRF_RE.search(html).group(1)
        status, html, headers = self.request("POST", "/dang-nhap/", {"csrfmiddlewaretoken": token, "username": username,
                                                                    "password": PASSWORD, "next": "/"})
        if status != 302:
            raise RuntimeError(f"login {username}: HTTP {status}")


class Stats:
    def __init__(self):
        self.lock = threading.Lock()
        self.times: dict[str, list[float]] = defaultdict(list)
        self.errors: dict[str, int] = defaultdict(int)
        self.rejected: dict[str, int] = defaultdict(int)
        self.locked = 0
        self.samples: list[str] = []

    def add(self, action: str, secs: float, ok: bool, locked: bool = False, note: str = "", rejected: bool = False):
        with self.lock:
            self.times[action].append(secs)
            if not ok:
                self.errors[action] += 1
                if len(self.samples) < 10:
                    self.samples.append(f"{action}: {note}")
            if rejected:
                self.rejected[action] += 1
            if locked:
                self.locked += 1


def user_loop(i: int, args, case_ids: list[int], stop_at: float, stats: Stats) -> None:
    rnd = random.Random(i)
    leader = i % 4 == 0  # 5 of 20 users are leaders (they write); the rest read and write less
    username = LEADERS[i % 2] if leader else STAFF[i % len(STAFF)]
    c = Client(args.host, args.port)
    try:
        c.login(username)
    except Exception as exc:  # noqa: BLE001 — a user who cannot log in is an error, not a silent dead thread
        stats.add("login", 0.0, False, note=repr(exc))
        return
    today = dt.date.today().strftime("%d/%m/%Y")
    while time.time() < stop_at:
        time.sleep(rnd.uniform(0.5, 2.0))
        form = None
        action, path = next_request(rnd, case_ids, leader)
        if action == "register_q":  # counted with the register pages
            action = "register"
        t0 = time.perf_counter()
        try:
            if action == "event_add":
                status, html, _ = c.request("GET", path)
                m = CSRF_RE.search(html)
                if status == 200 and m:
                    form = {"csrfmiddlewaretoken": m.group(1), "code": "document_request", "date": today,
                            "note": "Kiểm tra tải (bench/load.py)"}
                    status, html, _ = c.request("POST", path, form)
            else:
                status, html, _ = c.request("GET", path)
        except Exception as exc:  # noqa: BLE001
            stats.add(action, time.perf_counter() - t0, False, note=repr(exc))
            c = Client(args.host, args.port)
            try:
                c.login(username)
            except Exception as exc2:  # noqa: BLE001
                stats.add("login", 0.0, False, note=repr(exc2))
                return
            continue
        secs = time.perf_counter() - t0
        locked = "database is locked" in html
        ok = status in (200, 302) and not locked
        stats.add(action, secs, ok, locked, f"HTTP {status} {path}", rejected=(form is not None and status == 200))


def _cpu_seconds(pid: int) -> float:
    """CPU time (user + system) used so far by a process (Linux /proc; NaN elsewhere)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, IndexError, ValueError):
        return float("nan")


def ensure_instance(args) -> None:
    db = Path(args.data_dir) / "kiemsat.sqlite3"
    if db.exists():
        return
    print(f"creating demo instance with {args.cases} cases in {args.data_dir} …", flush=True)
    subprocess.run([sys.executable, "-m", "kiemsat", "--data-dir", args.data_dir, "demo-data", "--cases", str(args.cases)],
                   check=True, env=_env(args))


def _env(args):
    env = {k: v for k, v in os.environ.items() if k not in ("KIEMSAT_DATA_DIR", "DATABASE_URL")}
    env["KIEMSAT_LOG_LEVEL"] = "WARNING"
    return env


def case_ids(args) -> list[int]:
    import sqlite3

    con = sqlite3.connect(Path(args.data_dir) / "kiemsat.sqlite3")
    unit = con.execute("SELECT unit_id FROM org_user WHERE username='lanhdao'").fetchone()[0]
    ids = [r[0] for r in con.execute("SELECT id FROM cases_case WHERE unit_id = ? OR unit_id IN "
                                     "(SELECT id FROM org_unit WHERE successor_id = ?)", (unit, unit))]
    n = con.execute("SELECT COUNT(*) FROM cases_case").fetchone()[0]
    con.close()
    print(f"{n} cases in the database, {len(ids)} visible to the demo unit", flush=True)
    return ids


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data-dir", default="/tmp/kiemsat-load")
    ap.add_argument("--cases", type=int, default=100_000)
    ap.add_argument("--users", type=int, default=20)
    ap.add_argument("--minutes", type=float, default=5)
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--port", type=int, default=8765)
    ap.add_argument("--threads", type=int, default=8, help="waitress worker threads")
    args = ap.parse_args()
    ensure_instance(args)
    ids = case_ids(args)
    log = open(Path(args.data_dir) / "load-server.log", "w")
    server = subprocess.Popen([sys.executable, "-m", "kiemsat", "--data-dir", args.data_dir, "serve", "--host", args.host,
                               "--port", str(args.port), "--threads", str(args.threads)],
                              stdout=log, stderr=subprocess.STDOUT, env=_env(args))
    try:
        for _ in range(240):
            if server.poll() is not None:
                break
            try:
                http.client.HTTPConnection(args.host, args.port, timeout=2).request("GET", "/dang-nhap/")
                break
            except OSError:
                time.sleep(0.5)
        else:
            server.poll()
        if server.returncode is not None:
            log.flush()
            print("the server did not start:\n" + (Path(args.data_dir) / "load-server.log").read_text(errors="replace")[-3000:],
                  file=sys.stderr)
            return 2
        cpu_before = _cpu_seconds(server.pid)
        stats = Stats()
        stop_at = time.time() + args.minutes * 60
        threads = [threading.Thread(target=user_loop, args=(i, args, ids, stop_at, stats), daemon=True)
                   for i in range(args.users)]
        t0 = time.time()
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        wall = time.time() - t0
        cpu_used = _cpu_seconds(server.pid) - cpu_before
    finally:
        server.terminate()
        server.wait(timeout=30)
        log.close()
    server_log = (Path(args.data_dir) / "load-server.log").read_text(errors="replace")
    locked_log = server_log.count("database is locked")
    all_t = [x for v in stats.times.values() for x in v]
    if not all_t:
        print("no request was made", file=sys.stderr)
        for s in stats.samples:
            print("  error:", s, file=sys.stderr)
        return 1
    print(f"\n{args.users} users, {wall:.0f} s, {len(all_t)} requests ({len(all_t) / wall:.1f}/s) on {machine()}")
    print(f"{'action':<14}{'n':>7}{'errors':>8}{'p50 ms':>9}{'p95 ms':>9}{'max ms':>9}")
    for action, ts in sorted(stats.times.items()):
        print(f"{action:<14}{len(ts):>7}{stats.errors[action]:>8}{pct(ts, .5) * 1000:>9.0f}{pct(ts, .95) * 1000:>9.0f}"
              f"{max(ts) * 1000:>9.0f}" + (f"   ({stats.rejected[action]} form re-shown)" if stats.rejected[action] else ""))
    print(f"{'ALL':<14}{len(all_t):>7}{sum(stats.errors.values()):>8}{pct(all_t, .5) * 1000:>9.0f}"
          f"{pct(all_t, .95) * 1000:>9.0f}{max(all_t) * 1000:>9.0f}")
    print(f'"database is locked": {stats.locked} in responses, {locked_log} in the server log')
    if cpu_used == cpu_used:  # not NaN
        print(f"server CPU: {cpu_used:.0f} s in {wall:.0f} s ({cpu_used / wall * 100:.0f} % of one core), "
              f"{cpu_used / len(all_t) * 1000:.1f} ms per request; load average at the end "
              f"{os.getloadavg()[0]:.2f}")
    for s in stats.samples:
        print("  error:", s)
    return 1 if sum(stats.errors.values()) or stats.locked or locked_log else 0


if __name__ == "__main__":
    sys.exit(main())
