"""The backup / verify / restore commands end to end on isolated SQLite instances (subprocesses,
as an administrator runs them from a USB stick)."""

import hashlib
import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

PW = "mat-khau-sao-luu-2026"


def run(*args, data_dir=None):
    env = {k: v for k, v in os.environ.items() if k not in ("KIEMSAT_DATA_DIR", "DATABASE_URL")}
    cmd = [sys.executable, "-m", "kiemsat"]
    if data_dir is not None:
        cmd += ["--data-dir", str(data_dir)]
    return subprocess.run([*cmd, *args], capture_output=True, text=True, env=env, timeout=180)


def counts(db: Path) -> dict:
    con = sqlite3.connect(db)
    try:
        tables = [r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type='table' AND name NOT LIKE 'sqlite_%'")]
        return {t: con.execute(f'SELECT COUNT(*) FROM "{t}"').fetchone()[0] for t in tables}
    finally:
        con.close()


def file_hashes(root: Path) -> dict:
    return {p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(root.rglob("*")) if p.is_file()}


@pytest.fixture(scope="module")
def instance(tmp_path_factory):
    """A demo instance with attached files, and one passphrase backup of it."""
    base = tmp_path_factory.mktemp("backup")
    src = base / "src"
    r = run("demo-data", "--cases", "25", data_dir=src)
    assert r.returncode == 0, r.stderr
    (src / "files" / "imports").mkdir(parents=True)
    (src / "files" / "imports" / "sổ 2024.xlsx").write_bytes(os.urandom(5000))
    (src / "files" / "ghi-chú.txt").write_text("Nguyễn Văn Đức", encoding="utf-8")
    pwf = base / "pw.txt"
    pwf.write_text(PW + "\n", encoding="utf-8")
    usb = base / "usb"
    r = run("backup", "--to", str(usb), "--passphrase-file", str(pwf), data_dir=src)
    assert r.returncode == 0, r.stderr
    assert "Đã sao lưu và kiểm tra" in r.stdout
    files = list(usb.glob("*.kiemsat.age"))
    assert len(files) == 1 and not list(usb.glob("*.part"))
    return {"base": base, "src": src, "pw": pwf, "file": files[0]}


def test_round_trip_restores_identical_rows_and_files(instance):
    dest = instance["base"] / "restored"
    r = run("restore", str(instance["file"]), "--passphrase-file", str(instance["pw"]), data_dir=dest)
    assert r.returncode == 0, r.stderr
    assert "Đã khôi phục" in r.stdout and "nguyên vẹn" in r.stdout
    before, after = counts(instance["src"] / "kiemsat.sqlite3"), counts(dest / "kiemsat.sqlite3")
    # the source got one audit entry after the snapshot (backup.create), the copy one (backup.restore)
    assert before == after
    assert before["cases_case"] == 25
    assert file_hashes(instance["src"] / "files") == file_hashes(dest / "files")
    con = sqlite3.connect(dest / "kiemsat.sqlite3")
    assert con.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    actions = [a for (a,) in con.execute("SELECT action FROM audit_auditentry ORDER BY id")]
    assert actions[-1] == "backup.restore"
    r = run("audit", "verify", data_dir=dest)
    assert r.returncode == 0, r.stdout + r.stderr


def test_verify_reports_an_intact_backup_with_its_audit_head(instance):
    r = run("backup", "verify", str(instance["file"]), "--passphrase-file", str(instance["pw"]))
    assert r.returncode == 0, r.stderr
    assert "nguyên vẹn" in r.stdout
    con = sqlite3.connect(instance["src"] / "kiemsat.sqlite3")
    head = con.execute("SELECT changes FROM audit_auditentry WHERE action='backup.create'").fetchone()[0]
    assert head.split('"audit_head": "')[1][:64] in r.stdout


def test_wrong_passphrase_is_reported_and_nothing_is_written(instance):
    bad = instance["base"] / "bad.txt"
    bad.write_text("khong-phai-mat-khau", encoding="utf-8")
    dest = instance["base"] / "wrong"
    r = run("restore", str(instance["file"]), "--passphrase-file", str(bad), data_dir=dest)
    assert r.returncode != 0
    assert "Sai mật khẩu" in r.stderr
    assert "Traceback" not in r.stderr
    assert not (dest / "kiemsat.sqlite3").exists()


def test_truncated_backup_is_reported_and_current_data_is_untouched(instance):
    cut = instance["base"] / "cut.kiemsat.age"
    data = instance["file"].read_bytes()
    cut.write_bytes(data[: len(data) * 2 // 3])
    before = counts(instance["src"] / "kiemsat.sqlite3")
    r = run("restore", str(cut), "--passphrase-file", str(instance["pw"]), "--replace", data_dir=instance["src"])
    assert r.returncode != 0 and "hỏng hoặc không đầy đủ" in r.stderr and "Không có gì bị ghi đè" in r.stderr
    assert counts(instance["src"] / "kiemsat.sqlite3") == before
    assert not list(instance["src"].glob("truoc-khoi-phuc-*"))


def test_postgresql_round_trip(tmp_path):
    """On PostgreSQL (CI's second run): pg_dump snapshot → restore into an empty database, then --replace."""
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith("postgres"):
        pytest.skip("runs on the PostgreSQL pass of the suite (DATABASE_URL)")
    import psycopg

    base = url.rsplit("/", 1)[0]
    admin = f"{base}/postgres"  # DATABASE_URL's own database need not exist (the suite uses test_<name>)
    names = [f"ksbk_{os.getpid()}_{i}" for i in (1, 2)]
    with psycopg.connect(admin, autocommit=True) as pg:
        for n in names:
            pg.execute(f'DROP DATABASE IF EXISTS "{n}"')
            pg.execute(f'CREATE DATABASE "{n}"')
    try:
        def kiemsat(db, data_dir, *args):
            env = {k: v for k, v in os.environ.items() if k != "KIEMSAT_DATA_DIR"}
            env["DATABASE_URL"] = f"{base}/{db}"
            return subprocess.run([sys.executable, "-m", "kiemsat", "--data-dir", str(data_dir), *args],
                                  capture_output=True, text=True, env=env, timeout=180)

        idf = tmp_path / "key.txt"
        from pyrage import x25519

        ident = x25519.Identity.generate()
        idf.write_text(str(ident) + "\n")
        src, dst = tmp_path / "src", tmp_path / "dst"
        assert kiemsat(names[0], src, "demo-data", "--cases", "15").returncode == 0
        (src / "files").mkdir(exist_ok=True)
        (src / "files" / "a.txt").write_text("tệp đính kèm", encoding="utf-8")
        r = kiemsat(names[0], src, "backup", "--to", str(tmp_path / "usb"), "--recipient", str(ident.to_public()))
        assert r.returncode == 0, r.stderr
        f = next((tmp_path / "usb").glob("*.age"))
        for extra in ([], ["--replace"]):
            r = kiemsat(names[1], dst, "restore", str(f), "--identity-file", str(idf), *extra)
            assert r.returncode == 0, r.stderr
            rows = json.loads(kiemsat(names[1], dst, "cases", "--json").stdout)
            assert len(rows) == 15
        assert list(dst.glob("truoc-khoi-phuc-*/kiemsat.pgdump"))
        assert file_hashes(src / "files") == file_hashes(dst / "files")
        r = kiemsat(names[1], dst, "restore", str(f), "--identity-file", str(idf))
        assert r.returncode != 0 and "đã có dữ liệu" in r.stderr
    finally:
        with psycopg.connect(admin, autocommit=True) as pg:
            for n in names:
                pg.execute(f'DROP DATABASE IF EXISTS "{n}" WITH (FORCE)')
