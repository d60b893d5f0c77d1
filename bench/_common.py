"""What the benchmark scripts share: percentiles and a line saying what machine measured."""

from __future__ import annotations

import os
import platform
from pathlib import Path


def pct(xs: list[float], q: float) -> float:
    """The q-quantile of xs (linear interpolation)."""
    xs = sorted(xs)
    if len(xs) == 1:
        return xs[0]
    k = (len(xs) - 1) * q
    lo = int(k)
    hi = min(lo + 1, len(xs) - 1)
    return xs[lo] + (xs[hi] - xs[lo]) * (k - lo)


def machine() -> str:
    model = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    import sqlite3

    import numpy

    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    return (f"{os.cpu_count()} cores ({model or platform.machine()}), Python {platform.python_version()}, "
            f"numpy {numpy.__version__}, SQLite {sqlite3.sqlite_version}, load average {load:.2f}")


ROOT = Path(__file__).resolve().parents[1]


def setup_django(data_dir: str | None, database_url: str = "") -> None:
    """Point Django at an instance and set it up: the SQLite database of data_dir, or the
    PostgreSQL database_url (data_dir then only holds the secret key and files)."""
    import sys

    if data_dir:
        os.environ["KIEMSAT_DATA_DIR"] = data_dir
    if database_url:
        os.environ["DATABASE_URL"] = database_url
    else:
        os.environ.pop("DATABASE_URL", None)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kiemsat.settings")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()


def run_child(script: str, mode: str, argv: list[str], env: dict | None = None) -> dict:
    """Run `script --child MODE ARGV…` in a new process (cold caches, its own database settings) and
    return the JSON object it prints last. Without env: this environment minus DATABASE_URL."""
    import json
    import subprocess
    import sys

    if env is None:
        env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    p = subprocess.run([sys.executable, script, "--child", mode, *argv], capture_output=True, text=True, env=env,
                       cwd=ROOT)
    if p.returncode != 0:
        sys.stderr.write(p.stdout + p.stderr)
        raise SystemExit(f"child {mode} failed")
    return json.loads(p.stdout.strip().splitlines()[-1])


def make_demo(data_dir: str, cases: int) -> None:
    """Fill an empty SQLite data dir with `kiemsat demo-data --cases N` (in a child process, on
    SQLite whatever DATABASE_URL says), saying so and how long it took."""
    import subprocess
    import sys
    import time

    print(f"making {cases:,} demo cases in {data_dir} …", flush=True)
    t = time.perf_counter()
    subprocess.run([sys.executable, "-m", "kiemsat", "--data-dir", data_dir, "demo-data", "--cases", str(cases)],
                   check=True, cwd=ROOT, env={k: v for k, v in os.environ.items() if k != "DATABASE_URL"})
    print(f"  done in {time.perf_counter() - t:.0f} s")

