"""The keys of the file sync, kept as files under DATA_DIR/sync (conf.key_dir), never in the database.

- A unit signs its bundles with an Ed25519 key (`unit-<code>.ed25519`, PEM, readable by its owner
  only); the province registers the public half, written as "ed25519:<base64 of the 32 bytes>".
- The province decrypts bundles with an age X25519 identity (`province.age`); units encrypt to its
  public recipient ("age1…").
"""

from __future__ import annotations

import base64
import hashlib
import os
import re
from pathlib import Path

import pyrage
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from .conf import key_dir

PUBLIC_PREFIX = "ed25519:"
CODE_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,39}$")


class KeyError_(ValueError):
    """A key that cannot be read (the message is Vietnamese, for the user)."""


def _write_secret(path: Path, data: bytes) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as f:
        f.write(data)


# ---------------------------------------------------------------- unit: signing key
def signing_key_path(code: str) -> Path:
    return key_dir() / f"unit-{code}.ed25519"


def signing_key(code: str, create: bool = True) -> Ed25519PrivateKey:
    path = signing_key_path(code)
    if not path.exists():
        if not create:
            raise KeyError_(f"Chưa có khóa ký của đơn vị (tệp {path}).")
        key = Ed25519PrivateKey.generate()
        _write_secret(path, key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                              serialization.NoEncryption()))
        return key
    key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    if not isinstance(key, Ed25519PrivateKey):
        raise KeyError_(f"Tệp {path} không phải khóa Ed25519.")
    return key


def public_text(key: Ed25519PrivateKey | Ed25519PublicKey) -> str:
    pub = key.public_key() if isinstance(key, Ed25519PrivateKey) else key
    raw = pub.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return PUBLIC_PREFIX + base64.b64encode(raw).decode("ascii")


def parse_public(text: str) -> Ed25519PublicKey:
    text = (text or "").strip()
    if not text.startswith(PUBLIC_PREFIX):
        raise KeyError_("Khóa công khai phải có dạng ed25519:… (do đơn vị đọc ở trang Đồng bộ qua tệp).")
    try:
        raw = base64.b64decode(text[len(PUBLIC_PREFIX):], validate=True)
        return Ed25519PublicKey.from_public_bytes(raw)
    except (ValueError, TypeError):
        raise KeyError_("Khóa công khai không đúng (phải là 32 byte mã hóa base64).") from None


def fingerprint(public: str) -> str:
    """A short, readable fingerprint to compare over the phone: 4 groups of 4 hex digits."""
    h = hashlib.sha256(public.strip().encode("ascii", "ignore")).hexdigest()[:16].upper()
    return " ".join(h[i:i + 4] for i in range(0, 16, 4))


def verify(public: str, signature: bytes, data: bytes) -> bool:
    try:
        parse_public(public).verify(signature, data)
        return True
    except (InvalidSignature, KeyError_):
        return False


# ---------------------------------------------------------------- province: age identity
def province_identity_path() -> Path:
    return key_dir() / "province.age"


def province_identity(create: bool = True) -> pyrage.x25519.Identity:
    path = province_identity_path()
    if not path.exists():
        if not create:
            raise KeyError_("Máy này chưa có khóa giải mã của Viện kiểm sát cấp tỉnh.")
        ident = pyrage.x25519.Identity.generate()
        _write_secret(path, (str(ident) + "\n").encode("ascii"))
        return ident
    return pyrage.x25519.Identity.from_str(path.read_text(encoding="ascii").strip())


def province_recipient() -> str:
    return str(province_identity().to_public())


def parse_recipient(text: str) -> pyrage.x25519.Recipient:
    try:
        return pyrage.x25519.Recipient.from_str((text or "").strip())
    except Exception:  # pyrage raises its own RecipientError (a ValueError subclass on some versions)
        raise KeyError_("Khóa nhận của Viện kiểm sát cấp tỉnh không đúng (phải bắt đầu bằng age1…).") from None
