"""Content-addressed file store: MEDIA_ROOT/documents/<sha256[:2]>/<sha256>. A file is written once
(to a temporary name in the same folder, then renamed) and never modified afterwards."""

from __future__ import annotations

import hashlib
import os
import re
import tempfile
from collections.abc import Iterable
from pathlib import Path

from . import conf

_HEX64 = re.compile(r"^[0-9a-f]{64}$")


def path_for(sha256: str) -> Path:
    if not _HEX64.match(sha256 or ""):
        raise ValueError("mã băm không hợp lệ")
    return conf.storage_root() / sha256[:2] / sha256


def spool(chunks: Iterable[bytes], limit: int) -> tuple[Path, str, int]:
    """Write chunks to a temporary file inside the store (never elsewhere), hashing as it goes.
    Returns (temp path, sha256, size); stops early (size = limit + 1) past `limit` bytes."""
    root = conf.storage_root() / "tmp"
    root.mkdir(parents=True, exist_ok=True)
    h = hashlib.sha256()
    size = 0
    fd, name = tempfile.mkstemp(dir=root, prefix="up-")
    with os.fdopen(fd, "wb") as out:
        for c in chunks:
            size += len(c)
            if size > limit:
                size = limit + 1
                break
            h.update(c)
            out.write(c)
    return Path(name), h.hexdigest(), size


def commit(tmp: Path, sha256: str) -> Path:
    """Move a spooled file to its content address (or drop it if that content is already stored)."""
    dest = path_for(sha256)
    dest.parent.mkdir(parents=True, exist_ok=True)
    if dest.exists():
        tmp.unlink(missing_ok=True)
    else:
        os.replace(tmp, dest)
        try:
            os.chmod(dest, 0o444)
        except OSError:
            pass
    return dest


def discard(tmp: Path) -> None:
    tmp.unlink(missing_ok=True)


def file_sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def thumb_path(sha256: str, page: int, width: int) -> Path:
    path_for(sha256)  # validates
    return conf.storage_root().parent / "thumbs" / sha256[:2] / f"{sha256}-{page}-{width}.png"
