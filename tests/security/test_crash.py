"""Crash safety: an import killed with SIGKILL at random points leaves an intact database holding
the whole import or none of it (SQLite file database in WAL mode, as on a unit's PC).

A "zygote" process loads Django once; for each trial it forks a child that imports the book into
a fresh copy of an empty, migrated instance, and the test SIGKILLs the child at a random moment."""

import os
import random
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

SAMPLES = Path(__file__).resolve().parents[2].parent / "shared" / "samples"

ZYGOTE = r"""
import os, sys
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kiemsat.settings")
import django
django.setup()
from django.core.management import call_command
print("READY", flush=True)
for line in sys.stdin:
    db, book = line.rstrip("\n").split("\t")
    pid = os.fork()
    if pid == 0:
        from django.db import connections
        connections["default"].settings_dict["NAME"] = db
        sys.stdout = open(os.devnull, "w")
        os.write(1, f"STARTED {os.getpid()}\n".encode())
        try:
            call_command("import-excel", book)
            os._exit(0)
        except BaseException:
            os._exit(3)
    _, status = os.waitpid(pid, 0)
    print(f"EXIT {status}", flush=True)
"""


def _env(data_dir):
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL",)}
    env["KIEMSAT_DATA_DIR"] = str(data_dir)
    return env


def _state(db):
    con = sqlite3.connect(db)
    try:
        return con.execute("PRAGMA integrity_check").fetchone()[0], con.execute("SELECT COUNT(*) FROM cases_case").fetchone()[0]
    finally:
        con.close()


@pytest.mark.skipif(not hasattr(os, "fork"), reason="SIGKILL / fork are POSIX")
def test_sigkill_during_import_leaves_all_or_nothing(tmp_path):
    tpl = tmp_path / "tpl"
    book = SAMPLES / "so-theo-doi-xlhc-2022-2025.xlsx"  # a unit's real-shaped book (test fixture)
    r = subprocess.run([sys.executable, "-m", "kiemsat", "--data-dir", str(tpl), "migrate", "-v0"],
                       capture_output=True, text=True, env=_env(tpl), timeout=180)
    assert r.returncode == 0, r.stderr
    z = subprocess.Popen([sys.executable, "-c", ZYGOTE], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
                         env=_env(tpl))
    try:
        assert z.stdout.readline().strip() == "READY"

        def trial(n, kill_after):
            d = tmp_path / f"t{n}"
            shutil.copytree(tpl, d)
            db = d / "kiemsat.sqlite3"
            z.stdin.write(f"{db}\t{book}\n")
            z.stdin.flush()
            line = z.stdout.readline().split()
            assert line[0] == "STARTED", line
            t0 = time.perf_counter()
            if kill_after is not None:
                time.sleep(kill_after)
                try:
                    os.kill(int(line[1]), signal.SIGKILL)
                except ProcessLookupError:
                    pass
            status = z.stdout.readline().split()
            assert status[0] == "EXIT"
            return db, time.perf_counter() - t0, int(status[1])

        db, span, status = trial(0, None)  # one full run: how long, how many cases
        assert status == 0
        ok, n_all = _state(db)
        assert ok == "ok" and n_all > 50

        rnd = random.Random(int(os.environ.get("KIEMSAT_CRASH_SEED", "0")) or None)
        seen = {"none": 0, "all": 0}
        deadline = time.monotonic() + 20
        n = 0
        while n < 8 or (time.monotonic() < deadline and n < 40):
            n += 1
            db, _, status = trial(n, rnd.uniform(0, span * 1.1))
            ok, count = _state(db)
            assert ok == "ok", f"trial {n}: integrity_check {ok}"
            assert count in (0, n_all), f"trial {n}: {count} of {n_all} cases — a partial import survived the crash"
            seen["all" if count else "none"] += 1
            con = sqlite3.connect(db, timeout=1)  # still writable: WAL recovered, no stale lock
            con.execute("BEGIN IMMEDIATE")
            con.rollback()
            con.close()
            shutil.rmtree(db.parent, ignore_errors=True)
        assert seen["none"] >= 1, seen  # kills did land inside the import
        print(f"{n} kills: {seen}; import takes {span:.2f} s")
    finally:
        z.stdin.close()
        z.wait(timeout=30)
