"""The backup file format, independent of Django.

A backup is ONE file in the age format (https://age-encryption.org/v1), encrypted either with a
passphrase (scrypt) or for an age public key (X25519). Decrypted, it is a plain POSIX tar archive:

    manifest.json          what is inside, with the sha256 of every other member
    db/kiemsat.sqlite3     SQLite: a consistent snapshot taken with the SQLite backup API
    db/kiemsat.pgdump      PostgreSQL: `pg_dump --format=custom` of schema public
    files/...              every file under the instance's files folder (MEDIA_ROOT)

So a backup can be opened without this product: `age -d -o backup.tar FILE && tar xf backup.tar`.
"""

from __future__ import annotations

import hashlib
import io
import json
import tarfile
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

import pyrage
from pyrage import passphrase as age_passphrase
from pyrage import x25519

FORMAT = "kiemsat-backup"
FORMAT_VERSION = 1
MANIFEST = "manifest.json"
AGE_MAGIC = b"age-encryption.org/v1"
SUFFIX = ".kiemsat.age"


class BackupError(Exception):
    """A problem the user must read (Vietnamese message)."""


@dataclass
class Key:
    """How a backup is encrypted / decrypted: a passphrase, or age public key(s) / private identities."""

    passphrase: str | None = None
    recipients: list[str] = field(default_factory=list)  # age1… public keys (encrypt)
    identities: list[str] = field(default_factory=list)  # AGE-SECRET-KEY-1… (decrypt)

    @property
    def can_decrypt(self) -> bool:
        return bool(self.passphrase) or bool(self.identities)


def read_passphrase_file(path: str | Path) -> str:
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        raise BackupError(f"Không đọc được tệp mật khẩu {path}: {exc.strerror or exc}.") from exc
    pw = text.splitlines()[0] if text.splitlines() else ""
    if not pw:
        raise BackupError(f"Tệp mật khẩu {path} trống.")
    return pw


def read_identity_file(path: str | Path) -> list[str]:
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        raise BackupError(f"Không đọc được tệp khóa bí mật {path}: {exc.strerror or exc}.") from exc
    keys = [ln.strip() for ln in text.splitlines() if ln.strip().startswith("AGE-SECRET-KEY-")]
    if not keys:
        raise BackupError(f"Tệp {path} không chứa khóa bí mật age (AGE-SECRET-KEY-…).")
    return keys


def sha256_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def build_tar(manifest: dict, members: list[tuple[str, Path]]) -> bytes:
    """manifest gets `members` (path, size, sha256) filled in; returns the tar bytes."""
    listed = []
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.PAX_FORMAT) as tf:
        for arcname, path in members:
            listed.append({"path": arcname, "size": path.stat().st_size, "sha256": sha256_file(path)})
            info = tf.gettarinfo(str(path), arcname=arcname)
            info.uid = info.gid = 0
            info.uname = info.gname = ""
            info.mode = 0o600
            with open(path, "rb") as fh:
                tf.addfile(info, fh)
        manifest = {**manifest, "members": listed}
        body = json.dumps(manifest, ensure_ascii=False, indent=2, sort_keys=True).encode("utf-8")
        info = tarfile.TarInfo(MANIFEST)
        info.size = len(body)
        info.mode = 0o600
        tf.addfile(info, io.BytesIO(body))
    return buf.getvalue()


def encrypt(plain: bytes, key: Key) -> bytes:
    if key.recipients:
        try:
            rs = [x25519.Recipient.from_str(r.strip()) for r in key.recipients]
        except Exception as exc:  # pyrage.RecipientError and friends
            raise BackupError("Khóa công khai age không hợp lệ (phải có dạng age1…).") from exc
        return pyrage.encrypt(plain, rs)
    if not key.passphrase:
        raise BackupError("Cần mật khẩu sao lưu hoặc khóa công khai age.")
    return age_passphrase.encrypt(plain, key.passphrase)


def decrypt(blob: bytes, key: Key) -> bytes:
    if not blob.startswith(AGE_MAGIC):
        raise BackupError("Tệp này không phải bản sao lưu kiemsat (không đúng định dạng age).")
    try:
        if key.identities:
            ids = [x25519.Identity.from_str(i) for i in key.identities]
            return pyrage.decrypt(blob, ids)
        if not key.passphrase:
            raise BackupError("Cần mật khẩu sao lưu (hoặc khóa bí mật age) để giải mã.")
        return age_passphrase.decrypt(blob, key.passphrase)
    except BackupError:
        raise
    except pyrage.IdentityError as exc:
        raise BackupError("Khóa bí mật age không hợp lệ.") from exc
    except pyrage.DecryptError as exc:
        msg = str(exc)
        if key.passphrase and not key.identities and msg != "Decryption failed":
            # pyrage's own limit on the scrypt work factor, or a damaged file: read it by the spec
            return decrypt_passphrase_spec(blob, key.passphrase)
        if msg in ("Decryption failed", "No matching keys found"):
            raise BackupError("Sai mật khẩu sao lưu (hoặc tệp được mã hóa bằng khóa khác). Không có gì bị ghi đè.") from exc
        raise BackupError("Tệp sao lưu bị hỏng hoặc không đầy đủ (có thể bị cắt cụt khi chép ra USB). "
                          "Không có gì bị ghi đè.") from exc


@dataclass
class Opened:
    manifest: dict
    tar_bytes: bytes

    def members(self) -> dict[str, dict]:
        return {m["path"]: m for m in self.manifest.get("members", [])}


def _safe_name(name: str) -> bool:
    p = PurePosixPath(name)
    return bool(name) and not p.is_absolute() and ".." not in p.parts and "\\" not in name


def check_tar(tar_bytes: bytes) -> Opened:
    """Every member listed in the manifest is present with its size and sha256, and nothing else."""
    try:
        tf = tarfile.open(fileobj=io.BytesIO(tar_bytes), mode="r:")
    except tarfile.TarError as exc:
        raise BackupError("Nội dung bản sao lưu bị hỏng (không đọc được gói tar).") from exc
    with tf:
        try:
            infos = tf.getmembers()
            names = {i.name: i for i in infos}
            if MANIFEST not in names:
                raise BackupError("Bản sao lưu thiếu tệp mô tả manifest.json.")
            manifest = json.loads(tf.extractfile(names[MANIFEST]).read().decode("utf-8"))
        except (tarfile.TarError, ValueError, AttributeError) as exc:
            raise BackupError("Nội dung bản sao lưu bị hỏng (manifest không đọc được).") from exc
        if manifest.get("format") != FORMAT:
            raise BackupError("Tệp này không phải bản sao lưu kiemsat.")
        if int(manifest.get("format_version", 0)) > FORMAT_VERSION:
            raise BackupError("Bản sao lưu được tạo bởi phiên bản kiemsat mới hơn; hãy cập nhật phần mềm.")
        listed = {m["path"]: m for m in manifest.get("members", [])}
        for i in infos:
            if i.name == MANIFEST:
                continue
            if not _safe_name(i.name) or not i.isfile():
                raise BackupError(f"Bản sao lưu chứa mục không hợp lệ: {i.name}")
            if i.name not in listed:
                raise BackupError(f"Bản sao lưu chứa tệp không có trong manifest: {i.name}")
        for path, m in listed.items():
            info = names.get(path)
            if info is None:
                raise BackupError(f"Bản sao lưu thiếu tệp {path}.")
            data = tf.extractfile(info).read()
            if len(data) != m["size"] or sha256_bytes(data) != m["sha256"]:
                raise BackupError(f"Tệp {path} trong bản sao lưu không khớp mã băm (đã bị sửa hoặc hỏng).")
    return Opened(manifest, tar_bytes)


def extract(opened: Opened, dest: Path) -> None:
    """Write every member under dest (names already checked by check_tar)."""
    with tarfile.open(fileobj=io.BytesIO(opened.tar_bytes), mode="r:") as tf:
        for info in tf.getmembers():
            if info.name == MANIFEST:
                continue
            target = dest / PurePosixPath(info.name)
            target.parent.mkdir(parents=True, exist_ok=True)
            with tf.extractfile(info) as src, open(target, "wb") as out:
                while chunk := src.read(1 << 20):
                    out.write(chunk)
        (dest / MANIFEST).write_text(json.dumps(opened.manifest, ensure_ascii=False, indent=2), encoding="utf-8")


# --- age passphrase files, decrypted with `cryptography` ---------------------------------------
# pyrage refuses a scrypt work factor it judges too slow for the machine it runs on *now* (a busy
# or old PC, a backup made on a faster one): the backup would look "damaged". This reader follows
# the age v1 spec (scrypt stanza, header MAC, STREAM payload) with no such limit, and tells a wrong
# passphrase from a damaged file exactly.

_CHUNK = 64 * 1024
_TAG = 16


def _b64(s: str) -> bytes:
    import base64

    return base64.b64decode(s + "=" * (-len(s) % 4), validate=True)


def _hkdf(ikm: bytes, salt: bytes, info: bytes) -> bytes:
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.kdf.hkdf import HKDF

    return HKDF(algorithm=hashes.SHA256(), length=32, salt=salt, info=info).derive(ikm)


def decrypt_passphrase_spec(blob: bytes, passphrase: str) -> bytes:
    import hmac

    from cryptography.exceptions import InvalidTag
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives import hmac as chmac
    from cryptography.hazmat.primitives.ciphers.aead import ChaCha20Poly1305
    from cryptography.hazmat.primitives.kdf.scrypt import Scrypt

    damaged = BackupError("Tệp sao lưu bị hỏng hoặc không đầy đủ (có thể bị cắt cụt khi chép ra USB). "
                          "Không có gì bị ghi đè.")
    end = blob.find(b"\n--- ")
    nl = blob.find(b"\n", end + 5) if end >= 0 else -1
    if end < 0 or nl < 0:
        raise damaged
    header, mac_line = blob[: end + 4], blob[end + 5: nl]
    lines = header.decode("ascii", "replace").split("\n")
    try:
        if lines[0] != "age-encryption.org/v1":
            raise damaged
        stanzas, i = [], 1
        while i < len(lines) and lines[i].startswith("-> "):
            args = lines[i][3:].split(" ")
            body, i = "", i + 1
            while i < len(lines) and not lines[i].startswith(("-> ", "---")):
                body += lines[i]
                i += 1
            stanzas.append((args, body))
        scrypt = [(a, b) for a, b in stanzas if a[0] == "scrypt"]
        if len(scrypt) != 1 or len(stanzas) != 1:
            raise BackupError("Bản sao lưu này được mã hóa bằng khóa công khai, không phải mật khẩu: cần khóa bí mật "
                              "(--identity-file).")
        (_, salt64, log_n), body = scrypt[0]
        salt, wrapped, log_n = _b64(salt64), _b64(body), int(log_n)
        if len(salt) != 16 or not 1 <= log_n <= 30:
            raise damaged
    except (ValueError, IndexError) as exc:
        raise damaged from exc
    key = Scrypt(salt=b"age-encryption.org/v1/scrypt" + salt, length=32, n=2**log_n, r=8, p=1).derive(
        passphrase.encode("utf-8"))
    try:
        file_key = ChaCha20Poly1305(key).decrypt(b"\0" * 12, wrapped, None)
    except InvalidTag as exc:
        raise BackupError("Sai mật khẩu sao lưu (hoặc tệp được mã hóa bằng khóa khác). Không có gì bị ghi đè.") from exc
    h = chmac.HMAC(_hkdf(file_key, b"", b"header"), hashes.SHA256())
    h.update(header)
    try:
        if not hmac.compare_digest(h.finalize(), _b64(mac_line.decode("ascii"))):
            raise damaged
    except ValueError as exc:
        raise damaged from exc
    payload = blob[nl + 1:]
    if len(payload) < 16 + _TAG:
        raise damaged
    aead = ChaCha20Poly1305(_hkdf(file_key, payload[:16], b"payload"))
    data, out, n, pos = payload[16:], [], 0, 0
    step = _CHUNK + _TAG
    while True:
        chunk = data[pos: pos + step]
        last = pos + step >= len(data)
        try:
            out.append(aead.decrypt(n.to_bytes(11, "big") + (b"\1" if last else b"\0"), chunk, None))
        except InvalidTag as exc:
            raise damaged from exc
        if last:
            break
        pos += step
        n += 1
    return b"".join(out)
