#!/usr/bin/env python3
"""Set up, run and test kiemsat — the same on Linux and Windows.

    python3 scripts/dev.py setup   # create .venv from uv.lock
    python3 scripts/dev.py run     # setup, migrate, demo data on first start, serve on 127.0.0.1:8000
    python3 scripts/dev.py test    # setup, run the whole test suite

Windows: py -3 scripts\\dev.py run
Environment: KIEMSAT_DATA_DIR (default ./var), DATABASE_URL (PostgreSQL), PORT (default 8000).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VENV = ROOT / ".venv"
TOOLS = ROOT / ".venv-tools"
BIN = "Scripts" if os.name == "nt" else "bin"
EXE = ".exe" if os.name == "nt" else ""


def sh(*cmd, **kw) -> None:
    print("+", " ".join(str(c) for c in cmd), flush=True)
    r = subprocess.run([str(c) for c in cmd], cwd=ROOT, **kw)
    if r.returncode != 0:
        sys.exit(r.returncode)


def uv() -> str:
    found = shutil.which("uv")
    if found:
        return found
    local = TOOLS / BIN / f"uv{EXE}"
    if not local.exists():
        sh(sys.executable, "-m", "venv", TOOLS)
        sh(TOOLS / BIN / f"python{EXE}", "-m", "pip", "install", "--quiet", "uv")
    return str(local)


def setup() -> None:
    env = {**os.environ, "UV_PROJECT_ENVIRONMENT": str(VENV)}
    sh(uv(), "sync", "--frozen", "--quiet", "--python", sys.executable, env=env)


def kiemsat(*args) -> None:
    sh(VENV / BIN / f"kiemsat{EXE}", *args)


def run() -> None:
    setup()
    os.environ.setdefault("KIEMSAT_DATA_DIR", str(ROOT / "var"))
    kiemsat("first-run")
    kiemsat("serve", "--port", os.environ.get("PORT", "8000"))


def test(extra: list[str]) -> None:
    setup()
    if not any(a == "-n" or a.startswith("-n") or a == "-p" for a in extra):
        extra = ["-n", str(min(os.cpu_count() or 1, 4)), *extra]  # pytest-xdist: one worker per core
    sh(VENV / BIN / f"python{EXE}", "-m", "pytest", *extra)


def main() -> None:
    cmd = sys.argv[1] if len(sys.argv) > 1 else "run"
    if cmd == "setup":
        setup()
    elif cmd == "run":
        run()
    elif cmd == "test":
        test(sys.argv[2:])
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main()
