"""Back up, verify and restore an instance (database + files), using the format in `archive`.

- create_backup: consistent snapshot while the app runs (SQLite backup API; on PostgreSQL pg_dump
  inside an exported snapshot), all files under MEDIA_ROOT, a manifest; encrypt; write as
  `<name>.part` then rename; read the file back and verify it (decrypt + every hash) when the key
  allows decryption (a passphrase; for a public key only the private key can decrypt, so the
  plaintext is checked before encryption and the written bytes are checked against their sha256).
- verify_file: decrypt and check every hash; also `PRAGMA integrity_check` on a SQLite snapshot,
  `pg_restore --list` on a PostgreSQL dump.
- restore_*: only after a full verification; into an empty instance, or with replace=True the
  current database and files are moved aside (kept) before the restored ones are moved in.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
import sqlite3
import subprocess
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

from django.conf import settings
from django.db import connection, connections
from django.utils import timezone

from . import archive
from .archive import BackupError, Key

Progress = Callable[[int, str], None]

SQLITE_MEMBER = "db/kiemsat.sqlite3"
PG_MEMBER = "db/kiemsat.pgdump"


def _noop(pct: int, msg: str) -> None:
    pass


def app_version() -> str:
    try:
        return metadata.version("kiemsat")
    except metadata.PackageNotFoundError:
        return "0"


def vendor() -> str:
    return connection.vendor


# ---------------------------------------------------------------------------------- snapshot


def _sqlite_facts(db: sqlite3.Connection) -> dict:
    tables = [r[0] for r in db.execute(
        "SELECT name FROM sqlite_master WHERE type='table' AND name NOT LIKE 'sqlite_%' ORDER BY name")]
    counts = {t: db.execute(f'SELECT COUNT(*) FROM "{t}"').fetchone()[0] for t in tables}
    return {"row_counts": counts, **_facts_from(lambda sql: db.execute(sql).fetchall(), set(tables))}


def _facts_from(query, tables: set[str]) -> dict:
    migrations: dict[str, list[str]] = {}
    if "django_migrations" in tables:
        for app, name in query("SELECT app, name FROM django_migrations ORDER BY app, name"):
            migrations.setdefault(app, []).append(name)
    head = {"hash": "", "entries": 0, "id": None}
    if "audit_auditentry" in tables:
        row = query("SELECT id, hash FROM audit_auditentry ORDER BY id DESC LIMIT 1")
        n = query("SELECT COUNT(*) FROM audit_auditentry")[0][0]
        if row:
            head = {"hash": row[0][1], "entries": n, "id": row[0][0]}
    return {"migrations": migrations, "audit_head": head}


def snapshot_sqlite(dest: Path) -> dict:
    """Copy the live database into dest with the SQLite online backup API (consistent, the app keeps running)."""
    connection.ensure_connection()
    src = connection.connection
    out = sqlite3.connect(dest)
    try:
        src.backup(out)
        out.execute("PRAGMA journal_mode=DELETE")
        facts = _sqlite_facts(out)
    finally:
        out.close()
    return facts


def _pg_params(sd: dict | None = None) -> tuple[dict, dict]:
    sd = sd or connection.settings_dict
    env = {**os.environ}
    if sd.get("PASSWORD"):
        env["PGPASSWORD"] = str(sd["PASSWORD"])
    args = {"dbname": sd["NAME"], "user": sd.get("USER") or "", "host": sd.get("HOST") or "",
            "port": str(sd.get("PORT") or "")}
    return {k: v for k, v in args.items() if v}, env


def _pg_cli_args(params: dict) -> list[str]:
    out = []
    for k, flag in (("host", "-h"), ("port", "-p"), ("user", "-U")):
        if k in params:
            out += [flag, params[k]]
    return out


def _pg_tool(name: str) -> str:
    path = shutil.which(name)
    if not path:
        raise BackupError(f"Không tìm thấy công cụ {name} của PostgreSQL (cần cài PostgreSQL client).")
    return path


def snapshot_postgres(dest: Path) -> dict:
    """pg_dump of schema public inside an exported snapshot; facts (counts, migrations, audit head)
    are read in the same snapshot, so they describe exactly what was dumped."""
    import psycopg

    params, env = _pg_params()
    with psycopg.connect(**params) as pg:
        pg.execute("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
        snap = pg.execute("SELECT pg_export_snapshot()").fetchone()[0]
        tables = [r[0] for r in pg.execute(
            "SELECT tablename FROM pg_tables WHERE schemaname='public' ORDER BY tablename").fetchall()]
        counts = {t: pg.execute(f'SELECT COUNT(*) FROM public."{t}"').fetchone()[0] for t in tables}
        facts = {"row_counts": counts, **_facts_from(lambda sql: pg.execute(sql).fetchall(), set(tables))}
        facts["extensions"] = [r[0] for r in pg.execute(
            "SELECT extname FROM pg_extension WHERE extname <> 'plpgsql' ORDER BY extname").fetchall()]
        try:
            _pg_dump_to(dest, params, env, snapshot=snap)
        finally:
            pg.execute("COMMIT")
    return facts


def media_files(root: Path) -> list[tuple[str, Path]]:
    if not root.is_dir():
        return []
    out = []
    for p in sorted(root.rglob("*")):
        if p.is_file() and not p.is_symlink():
            out.append(("files/" + p.relative_to(root).as_posix(), p))
    return out


# ---------------------------------------------------------------------------------- create


@dataclass
class Result:
    path: Path
    size: int
    sha256: str
    verified: bool
    head_hash: str
    manifest: dict
    note: str = ""


def default_name(now: dt.datetime | None = None) -> str:
    now = timezone.localtime(now or timezone.now())
    return f"kiemsat-{now:%Y%m%d-%H%M%S}{archive.SUFFIX}"


def create_backup(to_dir: str | Path, key: Key, progress: Progress = _noop, name: str | None = None) -> Result:
    to_dir = Path(to_dir)
    try:
        to_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise BackupError(f"Không tạo được thư mục {to_dir}: {exc.strerror or exc}.") from exc
    if not os.access(to_dir, os.W_OK):
        raise BackupError(f"Không ghi được vào thư mục {to_dir} (USB bị khóa ghi hoặc không có quyền).")
    target = to_dir / (name or default_name())
    with tempfile.TemporaryDirectory(prefix="kiemsat-backup-") as tmp:
        tmp = Path(tmp)
        progress(5, "Chụp cơ sở dữ liệu")
        if vendor() == "postgresql":
            db_file, member = tmp / "kiemsat.pgdump", PG_MEMBER
            facts = snapshot_postgres(db_file)
        else:
            db_file, member = tmp / "kiemsat.sqlite3", SQLITE_MEMBER
            facts = snapshot_sqlite(db_file)
        progress(30, "Gom các tệp đính kèm")
        files = media_files(Path(settings.MEDIA_ROOT))
        manifest = {
            "format": archive.FORMAT,
            "format_version": archive.FORMAT_VERSION,
            "created_at": timezone.now().isoformat(),
            "app_version": app_version(),
            "database": {"vendor": vendor(), "member": member},
            "data_dir": str(settings.DATA_DIR),
            "encryption": "recipient" if key.recipients else "passphrase",
            **facts,
        }
        tar_bytes = archive.build_tar(manifest, [(member, db_file), *files])
        progress(45, "Kiểm tra nội dung trước khi mã hóa")
        opened = archive.check_tar(tar_bytes)
        progress(55, "Mã hóa (age)")
        blob = archive.encrypt(tar_bytes, key)
        del tar_bytes
    digest = archive.sha256_bytes(blob)
    progress(70, "Ghi ra thư mục đích")
    part = target.with_name(target.name + ".part")
    try:
        with open(part, "wb") as fh:
            fh.write(blob)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(part, target)
    except OSError as exc:
        part.unlink(missing_ok=True)
        raise BackupError(f"Không ghi được tệp sao lưu vào {to_dir}: {exc.strerror or exc} (USB đầy?).") from exc
    del blob
    progress(85, "Đọc lại và kiểm tra bản sao lưu")
    written = target.read_bytes()
    if archive.sha256_bytes(written) != digest:
        raise BackupError("Tệp sao lưu đọc lại khác với tệp đã ghi (USB lỗi?). Hãy sao lưu lại sang thiết bị khác.")
    note = ""
    if key.can_decrypt:
        verify_bytes(written, key)
    else:
        note = ("Mã hóa bằng khóa công khai: đã kiểm tra nội dung trước khi mã hóa và tệp đã ghi; "
                "kiểm tra giải mã đầy đủ cần khóa bí mật (kiemsat backup verify TỆP --identity-file KHÓA).")
    progress(100, "Hoàn tất")
    return Result(target, len(written), digest, True, facts["audit_head"]["hash"], opened.manifest, note)


# ---------------------------------------------------------------------------------- verify


def verify_bytes(blob: bytes, key: Key) -> archive.Opened:
    opened = archive.check_tar(archive.decrypt(blob, key))
    _check_database(opened)
    return opened


def read_backup_file(path: str | Path) -> bytes:
    try:
        return Path(path).read_bytes()
    except FileNotFoundError as exc:
        raise BackupError(f"Không tìm thấy tệp sao lưu {path}.") from exc
    except OSError as exc:
        raise BackupError(f"Không đọc được tệp sao lưu {path}: {exc.strerror or exc}.") from exc


def verify_file(path: str | Path, key: Key) -> archive.Opened:
    return verify_bytes(read_backup_file(path), key)


def _check_database(opened: archive.Opened) -> None:
    member = opened.manifest.get("database", {}).get("member")
    if member not in opened.members():
        raise BackupError("Bản sao lưu không chứa cơ sở dữ liệu.")
    with tempfile.TemporaryDirectory(prefix="kiemsat-verify-") as tmp:
        import io
        import tarfile

        with tarfile.open(fileobj=io.BytesIO(opened.tar_bytes), mode="r:") as tf:
            data = tf.extractfile(member).read()
        p = Path(tmp) / "db"
        p.write_bytes(data)
        if member == SQLITE_MEMBER:
            db = sqlite3.connect(p)
            try:
                ok = db.execute("PRAGMA integrity_check").fetchone()[0]
            except sqlite3.DatabaseError as exc:
                raise BackupError("Cơ sở dữ liệu trong bản sao lưu bị hỏng.") from exc
            finally:
                db.close()
            if ok != "ok":
                raise BackupError(f"Cơ sở dữ liệu trong bản sao lưu bị hỏng: {ok}")
        elif shutil.which("pg_restore"):
            r = subprocess.run(["pg_restore", "--list", str(p)], capture_output=True, text=True)
            if r.returncode != 0:
                raise BackupError("Bản kết xuất PostgreSQL trong bản sao lưu bị hỏng.")


# ---------------------------------------------------------------------------------- restore


@dataclass
class Restored:
    manifest: dict
    aside: Path | str | None  # where the replaced data was kept


def _sqlite_has_tables(path: Path) -> bool:
    if not path.exists() or path.stat().st_size == 0:
        return False
    db = sqlite3.connect(path)
    try:
        return db.execute("SELECT COUNT(*) FROM sqlite_master WHERE type='table'").fetchone()[0] > 0
    finally:
        db.close()


def _has_files(root: Path) -> bool:
    return root.is_dir() and any(p.is_file() for p in root.rglob("*"))


def restore_sqlite(opened: archive.Opened, db_path: Path, media_root: Path, replace: bool = False) -> Restored:
    """Put the verified backup's database file and files in place; keep any current data aside."""
    if opened.manifest["database"]["vendor"] != "sqlite":
        raise BackupError("Bản sao lưu này lấy từ PostgreSQL; hãy khôi phục vào một cơ sở PostgreSQL (DATABASE_URL).")
    data_dir = db_path.parent
    data_dir.mkdir(parents=True, exist_ok=True)
    occupied = _sqlite_has_tables(db_path) or _has_files(media_root)
    if occupied and not replace:
        raise BackupError(f"Thư mục dữ liệu {data_dir} đã có dữ liệu. Hãy khôi phục vào một thư mục trống "
                          "(--data-dir THƯ_MỤC_MỚI) hoặc thêm --replace để thay dữ liệu hiện tại (dữ liệu cũ được giữ lại riêng).")
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M%S")
    stage = Path(tempfile.mkdtemp(prefix=".khoi-phuc-", dir=data_dir))
    aside = None
    try:
        archive.extract(opened, stage)
        db = sqlite3.connect(stage / SQLITE_MEMBER)
        try:
            if db.execute("PRAGMA integrity_check").fetchone()[0] != "ok":
                raise BackupError("Cơ sở dữ liệu trong bản sao lưu bị hỏng.")
        finally:
            db.close()
        connections.close_all()
        if occupied or db_path.exists():
            aside = data_dir / f"truoc-khoi-phuc-{stamp}"
            aside.mkdir()
            for suffix in ("", "-wal", "-shm", "-journal"):
                p = Path(str(db_path) + suffix)
                if p.exists():
                    os.replace(p, aside / p.name)
            if media_root.exists():
                os.replace(media_root, aside / media_root.name)
        os.replace(stage / SQLITE_MEMBER, db_path)
        if (stage / "files").is_dir():
            if media_root.exists():
                shutil.rmtree(media_root)
            os.replace(stage / "files", media_root)
        else:
            media_root.mkdir(exist_ok=True)
    finally:
        shutil.rmtree(stage, ignore_errors=True)
    return Restored(opened.manifest, aside)


def _pg_dump_to(path: Path, params: dict, env: dict, snapshot: str | None = None) -> None:
    args = [_pg_tool("pg_dump"), "--format=custom", "--no-owner", "--no-privileges", "--schema=public",
            "-f", str(path), *_pg_cli_args(params)]
    if snapshot:
        args.append(f"--snapshot={snapshot}")
    r = subprocess.run([*args, params["dbname"]], env=env, capture_output=True, text=True)
    if r.returncode != 0:
        raise BackupError(f"pg_dump không thành công: {r.stderr.strip()[:500]}")


def restore_postgres(opened: archive.Opened, media_root: Path, replace: bool = False) -> Restored:
    """Replace schema public of the configured database with the backup's, in ONE transaction (psql
    --single-transaction): it all happens or nothing does. With replace, the current data is first
    dumped next to the data folder (truoc-khoi-phuc-….pgdump) and the files moved aside."""
    import io
    import tarfile

    import psycopg

    if opened.manifest["database"]["vendor"] != "postgresql":
        raise BackupError("Bản sao lưu này lấy từ SQLite; hãy khôi phục vào một thư mục dữ liệu SQLite (không đặt DATABASE_URL).")
    params, env = _pg_params()
    connections.close_all()
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M%S")
    data_dir = media_root.parent
    aside = None
    with tempfile.TemporaryDirectory(prefix="kiemsat-restore-") as tmp:
        tmp = Path(tmp)
        dump = tmp / "kiemsat.pgdump"
        with tarfile.open(fileobj=io.BytesIO(opened.tar_bytes), mode="r:") as tf:
            dump.write_bytes(tf.extractfile(PG_MEMBER).read())
        with psycopg.connect(**params, autocommit=True) as pg:
            n = pg.execute("SELECT COUNT(*) FROM pg_tables WHERE schemaname='public'").fetchone()[0]
        occupied = bool(n) or _has_files(media_root)
        if occupied and not replace:
            raise BackupError("Cơ sở dữ liệu PostgreSQL hoặc thư mục tệp đã có dữ liệu. Hãy khôi phục vào cơ sở trống "
                              "hoặc thêm --replace (dữ liệu cũ được giữ lại riêng).")
        if n:
            aside = data_dir / f"truoc-khoi-phuc-{stamp}"
            aside.mkdir(parents=True)
            _pg_dump_to(aside / "kiemsat.pgdump", params, env)
        sql = tmp / "restore.sql"
        r = subprocess.run([_pg_tool("pg_restore"), "--no-owner", "--no-privileges", "-f", str(sql), str(dump)],
                           capture_output=True, text=True)
        if r.returncode != 0:
            raise BackupError(f"Bản kết xuất PostgreSQL không đọc được: {r.stderr.strip()[:400]}")
        extensions = [e for e in opened.manifest.get("extensions", []) if e.replace("_", "").isalnum()]
        create_ext = "".join(f'CREATE EXTENSION IF NOT EXISTS "{e}" WITH SCHEMA public;\n' for e in extensions)
        wrapper = tmp / "run.sql"
        with open(wrapper, "w", encoding="utf-8") as out, open(sql, encoding="utf-8") as src:
            out.write("DROP SCHEMA IF EXISTS public CASCADE;\n")
            injected = False
            for line in src:
                out.write(line)
                if not injected and line.strip() == "CREATE SCHEMA public;":
                    out.write(create_ext)
                    injected = True
            if not injected:  # the dump did not create the schema: do it first
                raise BackupError("Bản kết xuất PostgreSQL không tạo schema public; không khôi phục được.")
        r = subprocess.run([_pg_tool("psql"), "-X", "-q", "-v", "ON_ERROR_STOP=1", "--single-transaction",
                            "-f", str(wrapper), *_pg_cli_args(params), "-d", params["dbname"]],
                           env=env, capture_output=True, text=True)
        if r.returncode != 0:
            raise BackupError(f"Khôi phục PostgreSQL không thành công; dữ liệu hiện tại giữ nguyên. {r.stderr.strip()[:400]}")
    stage = Path(tempfile.mkdtemp(prefix=".khoi-phuc-", dir=data_dir))
    try:
        archive.extract(opened, stage)
        if media_root.exists():
            if _has_files(media_root):
                aside = aside or data_dir / f"truoc-khoi-phuc-{stamp}"
                aside.mkdir(parents=True, exist_ok=True)
                os.replace(media_root, aside / media_root.name)
            else:
                shutil.rmtree(media_root)
        if (stage / "files").is_dir():
            os.replace(stage / "files", media_root)
        else:
            media_root.mkdir(exist_ok=True)
    finally:
        shutil.rmtree(stage, ignore_errors=True)
    return Restored(opened.manifest, aside)


def restore(path: str | Path, key: Key, replace: bool = False) -> Restored:
    """Verify fully, then restore into this instance (settings.DATA_DIR / DATABASE_URL)."""
    opened = verify_file(path, key)
    media = Path(settings.MEDIA_ROOT)
    if vendor() == "postgresql":
        return restore_postgres(opened, media, replace)
    return restore_sqlite(opened, Path(connection.settings_dict["NAME"]), media, replace)


# ---------------------------------------------------------------------------------- records


def last_verified():
    from .models import Backup

    return Backup.objects.filter(status=Backup.Status.OK, verified=True).order_by("-finished_at").first()


def run_recorded(rec, to_dir, key: Key) -> None:
    """Run a backup for a Backup row (web button: in a worker thread), updating its progress."""
    from kiemsat.audit.services import record

    from .models import Backup

    def progress(pct: int, msg: str) -> None:
        Backup.objects.filter(pk=rec.pk).update(progress=pct, step=msg[:200])

    try:
        res = create_backup(to_dir, key, progress)
    except BackupError as exc:
        Backup.objects.filter(pk=rec.pk).update(status=Backup.Status.FAILED, message=str(exc), finished_at=timezone.now())
        record("backup.failed", rec, f"Sao lưu không thành công: {exc}"[:300], user=rec.user)
        return
    except Exception as exc:  # noqa: BLE001 — the page must show a message, never hang at "running"
        Backup.objects.filter(pk=rec.pk).update(status=Backup.Status.FAILED, finished_at=timezone.now(),
                                                message=f"Lỗi không lường trước: {type(exc).__name__}: {exc}"[:2000])
        raise
    Backup.objects.filter(pk=rec.pk).update(
        status=Backup.Status.OK, progress=100, step="Hoàn tất", path=str(res.path), size=res.size, sha256=res.sha256,
        verified=res.verified, head_hash=res.head_hash, message=res.note, finished_at=timezone.now(),
        encryption=res.manifest.get("encryption", ""))
    rec.refresh_from_db()
    record("backup.create", rec, f"Sao lưu {res.path.name} ({res.size} byte), đã kiểm tra",
           {"file": str(res.path), "sha256": res.sha256, "audit_head": res.head_hash}, user=rec.user)
