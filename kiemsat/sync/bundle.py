"""The bundle file: sign, then encrypt.

Plain content (a ZIP):
    manifest.json   format, origin code, unit, bundle id, export time, counts and the SHA-256 of
                    every other member
    manifest.sig    Ed25519 signature of manifest.json by the unit's key
    payload.json    cases with their events, findings summary, letters, documents' metadata
    files/<sha256>  the documents' files (only with --documents)
The ZIP is encrypted with age to the province's recipient key, so a lost USB stick shows nothing;
the signature (checked after decryption, against the key the province registered for that code)
proves which unit made it and that nothing was changed — anyone can encrypt to the province.
"""

from __future__ import annotations

import hashlib
import io
import json
import zipfile

import pyrage

FORMAT = "kiemsat-sync"
VERSION = 1
SUFFIX = ".kiemsat-sync"


class BundleError(ValueError):
    """A bundle that cannot be accepted; the message is for the user (Vietnamese)."""


def _json(obj) -> bytes:
    return json.dumps(obj, ensure_ascii=False, sort_keys=True, separators=(",", ":"), default=str).encode("utf-8")


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def build(manifest: dict, payload: dict, files: dict[str, bytes], signing_key, recipient) -> bytes:
    """The encrypted bundle. `manifest` is completed with the members' hashes before signing."""
    body = _json(payload)
    members = {"payload.json": sha256(body)}
    for sha, data in files.items():
        members[f"files/{sha}"] = sha256(data)
    manifest = {**manifest, "format": FORMAT, "version": VERSION, "members": members}
    mbytes = _json(manifest)
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("manifest.json", mbytes)
        z.writestr("manifest.sig", signing_key.sign(mbytes))
        z.writestr("payload.json", body)
        for sha, data in files.items():
            z.writestr(f"files/{sha}", data, compress_type=zipfile.ZIP_STORED)
    return pyrage.encrypt(buf.getvalue(), [recipient])


class Opened:
    """A decrypted bundle whose members match its manifest; the signature is not checked yet."""

    def __init__(self, manifest_bytes: bytes, signature: bytes, zf: zipfile.ZipFile):
        self.manifest_bytes, self.signature, self._zip = manifest_bytes, signature, zf
        self.manifest = json.loads(manifest_bytes)

    @property
    def origin(self) -> str:
        return str(self.manifest.get("origin", ""))

    def payload(self) -> dict:
        return json.loads(self._member("payload.json"))

    def file(self, sha: str) -> bytes | None:
        name = f"files/{sha}"
        return self._member(name) if name in self.manifest.get("members", {}) else None

    def _member(self, name: str) -> bytes:
        try:
            data = self._zip.read(name)
        except KeyError:
            raise BundleError(f"Gói thiếu phần {name}: tệp đã bị sửa hoặc hỏng.") from None
        if sha256(data) != self.manifest["members"].get(name):
            raise BundleError(f"Phần {name} của gói không khớp với bản kê đã ký: gói đã bị sửa, không nhập.")
        return data


def open_bundle(data: bytes, identity) -> Opened:
    try:
        plain = pyrage.decrypt(data, [identity])
    except Exception:  # pyrage.DecryptError and header parse errors
        raise BundleError("Không giải mã được tệp: đây không phải gói đồng bộ gửi cho Viện kiểm sát này, "
                          "hoặc tệp đã bị sửa hay hỏng.") from None
    try:
        zf = zipfile.ZipFile(io.BytesIO(plain))
        mbytes, sig = zf.read("manifest.json"), zf.read("manifest.sig")
        opened = Opened(mbytes, sig, zf)
    except (zipfile.BadZipFile, KeyError, ValueError):
        raise BundleError("Nội dung gói không đọc được (thiếu bản kê hoặc chữ ký).") from None
    m = opened.manifest
    if not isinstance(m, dict) or m.get("format") != FORMAT or not isinstance(m.get("members"), dict):
        raise BundleError("Tệp không phải gói đồng bộ của phần mềm.")
    if m.get("version") != VERSION:
        raise BundleError(f"Gói dùng định dạng phiên bản {m.get('version')}, phần mềm này đọc phiên bản {VERSION}: "
                          "hãy cập nhật phần mềm cho cùng phiên bản.")
    return opened
