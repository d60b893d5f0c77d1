"""Numbers under concurrency: several people issue at once — no gap, no duplicate, and a letter
issued twice at the same moment gets one number.

PostgreSQL: threads in-process on the test database (SELECT … FOR UPDATE on the counter row).
SQLite: the test database is in memory with a shared cache (table locks a unit's PC never sees),
so the same code runs in a subprocess on a fresh file database with the product's settings (WAL,
IMMEDIATE transactions, busy timeout)."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.db import connection

from . import race

ROOT = Path(__file__).resolve().parents[2]
N, SAME = 10, 3


def check(numbers, errors, stored, counter):
    assert sorted(numbers) == list(range(1, N + 1)), (numbers, errors)
    assert stored == list(range(1, N + 1))
    assert counter == [N]
    # the SAME letters issued twice at once: the second attempt is refused, nothing consumed
    assert len(errors) == SAME and all("không ban hành được" in e for e in errors), errors


@pytest.mark.django_db(transaction=True)
def test_issuing_at_once_gives_no_gap_and_no_duplicate(tmp_path):
    if connection.vendor == "postgresql":
        from kiemsat.letters.models import Letter, LetterCounter

        ids = race.setup_letters(N, SAME)
        numbers, errors = race.issue_at_once(ids)
        stored = sorted(Letter.objects.exclude(number=None).values_list("number", flat=True))
        check(numbers, errors, stored, list(LetterCounter.objects.values_list("last", flat=True)))
        return
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    env["KIEMSAT_DATA_DIR"] = str(tmp_path / "race")
    r = subprocess.run([sys.executable, str(ROOT / "tests" / "letters" / "race.py"), str(N), str(SAME)], cwd=ROOT,
                       env=env, capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr[-3000:]
    out = json.loads(r.stdout.strip().splitlines()[-1])
    check(out["numbers"], out["errors"], out["stored"], out["counter"])
