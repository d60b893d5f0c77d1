"""The `kiemsat` command on an isolated data dir, as scripts and other tools use it."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from kiemsat.cases.demo import make_demo_data
from kiemsat.cases.models import Case
from kiemsat.domain.stage import Stage

SAMPLES = Path(__file__).resolve().parents[1].parent / "shared" / "samples"


def run(*args, data_dir):
    env = {k: v for k, v in os.environ.items() if k not in ("KIEMSAT_DATA_DIR", "DATABASE_URL")}
    return subprocess.run([sys.executable, "-m", "kiemsat", "--data-dir", str(data_dir), *args],
                          capture_output=True, text=True, env=env, timeout=120)


def test_a_new_data_dir_is_created_migrated_and_filled(tmp_path):
    d = tmp_path / "instance"
    r = run("demo-data", "--cases", "40", data_dir=d)
    assert r.returncode == 0, r.stderr
    assert "Đã tạo 40 vụ việc" in r.stdout
    assert (d / "kiemsat.sqlite3").exists()
    r = run("cases", "--json", data_dir=d)
    assert r.returncode == 0, r.stderr
    rows = json.loads(r.stdout)
    assert len(rows) == 40
    sample_keys = set(json.loads((SAMPLES / "so-theo-doi-xlhc-2024.cases.json").read_text())[0])
    assert set(rows[0]) == sample_keys
    # the other instance is untouched
    r = run("cases", "--json", data_dir=tmp_path / "empty")
    assert json.loads(r.stdout) == []


def test_first_run_loads_demo_once_and_says_how_to_log_in(tmp_path):
    d = tmp_path / "i"
    r = run("first-run", data_dir=d)
    assert r.returncode == 0, r.stderr
    assert "lanhdao" in r.stdout and "mật khẩu" in r.stdout
    r2 = run("first-run", data_dir=d)
    assert "Đã tạo" not in r2.stdout
    assert len(json.loads(run("cases", "--json", data_dir=d).stdout)) == 70


def test_demo_data_covers_every_stage_and_some_late_steps(db):
    import datetime as dt

    make_demo_data(300, seed=7, today=dt.date(2026, 11, 26))
    stages = set(Case.objects.values_list("stage", flat=True))
    assert stages == {s.value for s in Stage}
    assert Case.objects.filter(measure="TGD").exists() and Case.objects.filter(measure="CSGDBB").exists()
    assert Case.objects.filter(complex=True).exists()
    assert Case.objects.filter(unit__valid_to__isnull=False).exists()  # cases kept by the pre-2025 unit


@pytest.mark.parametrize("argv", [["--help"], ["help"]])
def test_help_works(tmp_path, argv):
    assert run(*argv, data_dir=tmp_path).returncode == 0
