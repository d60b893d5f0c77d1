"""`kiemsat import-excel` and `kiemsat export-excel` on isolated data dirs, as other tools use them."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys

import pytest
from django.core.management import CommandError, call_command

from kiemsat.cases.export import flat_cases
from kiemsat.cases.models import Case
from kiemsat.imports.models import ImportBatch

from .conftest import BOOKS, expected_cases, make_book, sample_path


def run(*args, data_dir):
    env = {k: v for k, v in os.environ.items() if k not in ("KIEMSAT_DATA_DIR", "DATABASE_URL")}
    return subprocess.run([sys.executable, "-m", "kiemsat", "--data-dir", str(data_dir), *args],
                          capture_output=True, text=True, env=env, timeout=300)


@pytest.fixture(scope="module", params=BOOKS)
def imported(request, tmp_path_factory):
    """A fresh data dir with one sample imported: (name, data dir, --json report, cases --json)."""
    name = request.param
    path = sample_path(name)
    d = tmp_path_factory.mktemp(name)
    r = run("import-excel", str(path), "--json", data_dir=d)
    assert r.returncode == 0, r.stderr
    report = json.loads(r.stdout)
    c = run("cases", "--json", data_dir=d)
    assert c.returncode == 0, c.stderr
    return name, d, report, json.loads(c.stdout)


def test_cases_json_is_exactly_the_sample(imported):
    name, _d, _report, cases = imported
    assert cases == expected_cases(name)


def test_the_json_report_lists_every_row(imported):
    name, _d, report, _cases = imported
    expected = expected_cases(name)
    assert report["counts"]["imported"] == len(expected) == len([r for r in report["rows"] if r["status"] == "imported"])
    assert report["counts"]["skipped"] == 0 and not report["dry_run"] and report["batch"]
    assert report["as_of"] and report["unit"].startswith("Viện kiểm sát nhân dân")
    names = [r["name"] for r in report["rows"] if r["status"] == "imported"]
    assert sorted(names) == sorted(e["name"] for e in expected)
    assert all(r["case"] and isinstance(r["warnings"], list) for r in report["rows"])


def _call(*args) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command("import-excel", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_reimport_and_dry_run_change_nothing(db):
    path = sample_path(BOOKS[1])
    out, _ = _call(str(path))
    assert "nhập mới" in out
    cases = flat_cases()
    rep = json.loads(_call(str(path), "--dry-run", "--json")[0])
    assert rep["dry_run"] and rep["batch"] is None
    assert rep["counts"]["existing"] == len(cases) and rep["counts"]["imported"] == 0
    out, _ = _call(str(path))
    assert f"{len(cases)} đã có" in out
    assert flat_cases() == cases


def test_export_command_round_trip(db, tmp_path):
    path = sample_path(BOOKS[0])
    _call(str(path))
    cases = flat_cases()
    out = tmp_path / "so.xlsx"
    call_command("export-excel", str(out), stdout=io.StringIO())
    Case.objects.all().delete()
    ImportBatch.objects.all().delete()
    rep = json.loads(_call(str(out), "--json")[0])
    assert rep["counts"]["imported"] == len(cases)
    key = lambda o: o["so_thu_ly"]  # noqa: E731
    assert sorted(flat_cases(), key=key) == sorted(cases, key=key)
    with pytest.raises(CommandError, match="lần nhập"):
        call_command("export-excel", str(out), "--batch", "999", stdout=io.StringIO())


def test_bad_files_fail_with_a_clear_message(db, tmp_path):
    bad = tmp_path / "so.xlsx"
    bad.write_bytes(b"%PDF-1.4 not a workbook")
    with pytest.raises(CommandError, match="Không đọc được tệp so.xlsx"):
        _call(str(bad))
    with pytest.raises(CommandError, match="Không tìm thấy tệp"):
        _call(str(tmp_path / "khong-co.xlsx"))
    listing = make_book(tmp_path / "ds.xlsx", ["Danh sách"], [["a"]])
    with pytest.raises(CommandError, match="Không tìm thấy trang dữ liệu"):
        _call(str(listing), "--json")
    with pytest.raises(CommandError, match="hồ sơ ánh xạ"):
        _call(str(sample_path(BOOKS[0])), "--profile", "không có")
    assert flat_cases() == []


def test_a_bad_file_on_the_real_command_line_is_one_line_not_a_traceback(tmp_path):
    bad = tmp_path / "so.xlsx"
    bad.write_bytes(b"")
    r = run("import-excel", str(bad), data_dir=tmp_path / "d")
    assert r.returncode != 0
    assert "rỗng" in r.stderr and "Traceback" not in r.stderr
