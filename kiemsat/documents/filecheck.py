"""What a file is, by its content (never its name), and whether it is safe to keep.

`check(path, name)` returns a `Checked` (kind, pages) or raises `Refused` with a message in
Vietnamese: unknown or mismatched content (a .pdf that is not a PDF), polyglots (a file that is two
formats at once, e.g. an image with a ZIP or PDF inside), 0-byte files, files over the size limit,
DOCX zip bombs, decompression-bomb images, active content in a PDF, names with path separators.
"""

from __future__ import annotations

import re
import unicodedata
import warnings
import zipfile
from dataclasses import dataclass
from pathlib import Path

from . import conf

EXTENSIONS = {
    "pdf": "pdf", "jpg": "jpeg", "jpeg": "jpeg", "jpe": "jpeg", "png": "png", "tif": "tiff", "tiff": "tiff",
    "docx": "docx",
}
LABELS = {"pdf": "PDF", "jpeg": "ảnh JPEG", "png": "ảnh PNG", "tiff": "ảnh TIFF", "docx": "văn bản Word (DOCX)"}
ACCEPT = ".pdf,.jpg,.jpeg,.png,.tif,.tiff,.docx"


class Refused(ValueError):
    """The file is refused; str(exc) says why, in Vietnamese."""


@dataclass
class Checked:
    kind: str
    pages: int | None


def sniff(head: bytes) -> str | None:
    """The kind of a file from its first bytes (magic numbers), or None."""
    if head.startswith(b"%PDF-"):
        return "pdf"
    if head.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if head.startswith((b"II*\x00", b"MM\x00*", b"II+\x00", b"MM\x00+")):
        return "tiff"
    if head.startswith(b"PK\x03\x04"):
        return "zip"
    return None


_BAD_NAME = re.compile(r"[\x00-\x1f\x7f]")


def clean_name(name: str) -> str:
    """The display name of an upload (NFC, trimmed); refuses path separators, '..', control
    characters and empty names. The name is only ever shown, never used to store the file."""
    n = unicodedata.normalize("NFC", str(name or "")).strip()
    if not n:
        raise Refused("Tệp không có tên.")
    if "/" in n or "\\" in n or n in (".", "..") or n.startswith(".."):
        raise Refused(f"Tên tệp “{n[:80]}” chứa dấu phân cách thư mục (/ hoặc \\) — hãy đổi tên tệp rồi tải lại.")
    if _BAD_NAME.search(n):
        raise Refused("Tên tệp chứa ký tự điều khiển — hãy đổi tên tệp rồi tải lại.")
    if len(n) > 255:
        raise Refused("Tên tệp dài quá 255 ký tự.")
    return n


def extension_kind(name: str) -> str:
    ext = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    kind = EXTENSIONS.get(ext)
    if kind is None:
        what = f"Không nhận loại tệp “.{ext}”" if ext else "Tệp không có đuôi (.pdf, .jpg…)"
        raise Refused(f"{what} — chỉ nhận PDF, JPEG, PNG, TIFF, DOCX.")
    return kind


def _tail(path: Path, n: int = 65536) -> bytes:
    size = path.stat().st_size
    with path.open("rb") as fh:
        fh.seek(max(0, size - n))
        return fh.read()


def _polyglot(path: Path, kind: str, head: bytes) -> str | None:
    """Why the file looks like two formats at once, or None."""
    tail = _tail(path)
    if kind != "docx" and b"PK\x05\x06" in tail:
        return "có một tệp nén ZIP gắn kèm"
    if kind != "pdf" and b"%PDF-" in head[:4096] + tail:
        return "có một tệp PDF gắn kèm"
    low = (head[:4096] + tail).lower()
    if kind != "docx" and any(s in low for s in (b"<script", b"<html", b"<?php", b"<svg")):
        return "có mã HTML/JavaScript bên trong"
    return None


def _check_pdf(path: Path) -> int:
    import pypdf
    from pypdf.errors import PdfReadError

    tail = _tail(path, 4096)
    if b"%%EOF" not in tail:
        raise Refused("Tệp PDF không trọn vẹn (thiếu phần kết thúc %%EOF) — có thể tải lên chưa xong.")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            reader = pypdf.PdfReader(str(path), strict=False)
            if reader.is_encrypted:
                raise Refused("Tệp PDF có mật khẩu — hãy bỏ mật khẩu rồi tải lại.")
            n = len(reader.pages)
    except Refused:
        raise
    except (PdfReadError, ValueError, KeyError, TypeError, OSError, RecursionError) as exc:
        raise Refused(f"Tệp PDF bị hỏng, không đọc được ({type(exc).__name__}).") from exc
    if n == 0:
        raise Refused("Tệp PDF không có trang nào.")
    # active content: a scanned dossier never needs it
    with path.open("rb") as fh:
        data = fh.read(conf.max_bytes() + 1)
    if re.search(rb"/(JavaScript|JS|Launch|EmbeddedFile|RichMedia)\b", data):
        raise Refused("Tệp PDF chứa mã lệnh hoặc tệp nhúng (JavaScript, Launch, EmbeddedFile) — không nhận "
                      "vì lý do an toàn; hãy in lại thành PDF thường.")
    return n


def _check_image(path: Path, kind: str) -> int:
    from PIL import Image, UnidentifiedImageError

    limit = conf.max_image_pixels()
    old = Image.MAX_IMAGE_PIXELS
    try:
        Image.MAX_IMAGE_PIXELS = limit
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(path) as im:
                fmt = (im.format or "").lower()
                if {"jpeg": "jpeg", "png": "png", "tiff": "tiff"}.get(fmt) != kind:
                    raise Refused("Nội dung ảnh không khớp với loại tệp.")
                frames = getattr(im, "n_frames", 1)
                w, h = im.size
                if w * h > limit:
                    raise Refused(f"Ảnh quá lớn ({w}×{h} điểm ảnh; tối đa {limit:,} điểm ảnh).".replace(",", "."))
                im.verify()
    except Refused:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise Refused(f"Ảnh quá lớn (vượt {limit:,} điểm ảnh) — có thể là “bom giải nén”; không nhận.".replace(",", ".")) from exc
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as exc:
        raise Refused(f"Ảnh bị hỏng, không đọc được ({type(exc).__name__}).") from exc
    finally:
        Image.MAX_IMAGE_PIXELS = old
    return frames


def _check_docx(path: Path) -> None:
    try:
        with zipfile.ZipFile(path) as z:
            infos = z.infolist()
            if len(infos) > 5000:
                raise Refused("Tệp DOCX có quá nhiều thành phần — không nhận (nghi tệp nén độc hại).")
            names = {i.filename for i in infos}
            if "[Content_Types].xml" not in names or "word/document.xml" not in names:
                raise Refused("Tệp .docx không phải văn bản Word (thiếu word/document.xml).")
            total = 0
            for i in infos:
                total += i.file_size
                if i.file_size > 10 * 1024 * 1024 and i.compress_size and i.file_size / i.compress_size > conf.max_docx_ratio():
                    raise Refused("Tệp DOCX nén bất thường (tỷ lệ nén quá cao) — nghi “bom nén”; không nhận.")
            if total > conf.max_docx_unzipped():
                raise Refused("Tệp DOCX khi giải nén quá lớn — nghi “bom nén”; không nhận.")
            bad = z.testzip()
            if bad is not None:
                raise Refused(f"Tệp DOCX bị hỏng (thành phần {bad}).")
    except Refused:
        raise
    except (zipfile.BadZipFile, OSError, ValueError, EOFError) as exc:
        raise Refused("Tệp DOCX bị hỏng, không đọc được.") from exc


def check(path: str | Path, name: str) -> Checked:
    """Check a stored-to-temp upload. Raises Refused."""
    path = Path(path)
    name = clean_name(name)
    size = path.stat().st_size
    if size == 0:
        raise Refused(f"Tệp “{name}” rỗng (0 byte).")
    if size > conf.max_bytes():
        raise Refused(f"Tệp “{name}” lớn quá giới hạn {conf.max_bytes() // (1024 * 1024)} MB.")
    expected = extension_kind(name)
    with path.open("rb") as fh:
        head = fh.read(8192)
    actual = sniff(head)
    if actual == "zip":
        actual = "docx"
    if actual is None:
        raise Refused(f"Tệp “{name}” có đuôi của {LABELS[expected]} nhưng nội dung không phải {LABELS[expected]} "
                      f"(cũng không phải loại tệp nào được nhận).")
    if actual != expected:
        raise Refused(f"Tệp “{name}” có đuôi của {LABELS[expected]} nhưng nội dung là {LABELS[actual]} — "
                      f"hãy kiểm tra lại tệp.")
    why = _polyglot(path, actual, head)
    if why:
        raise Refused(f"Tệp “{name}” {why} (tệp đa định dạng) — không nhận vì lý do an toàn.")
    if actual == "pdf":
        return Checked("pdf", _check_pdf(path))
    if actual == "docx":
        _check_docx(path)
        return Checked("docx", None)
    return Checked(actual, _check_image(path, actual))
