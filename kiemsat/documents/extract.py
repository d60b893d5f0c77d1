"""Reading the text of a stored file: a PDF's text layer (pypdf), a DOCX's paragraphs, and OCR of
scans in Vietnamese through the `tesseract` program (`-l vie`) where it is installed.

Runs only in the background worker (`worker.py`): a page never waits for it."""

from __future__ import annotations

import functools
import re
import shutil
import subprocess
import tempfile
import warnings
import zipfile
from dataclasses import dataclass
from pathlib import Path

from . import conf

MIN_TEXT_CHARS = 20  # fewer letters than this on a PDF's text layer: a scan, OCR it


@dataclass
class Extracted:
    text: str
    source: str  # pdf | docx | ocr | ""
    note: str = ""  # e.g. "chưa cài Tesseract"
    needs_ocr: bool = False  # a scan whose text could not be read because OCR is missing


@functools.lru_cache(maxsize=1)
def _ocr_probe(cmd: str) -> tuple[bool, str]:
    exe = shutil.which(cmd)
    if not exe:
        return False, "Chưa cài Tesseract OCR: văn bản scan chưa được nhận dạng chữ (cài gói tesseract-ocr, tesseract-ocr-vie)."
    try:
        out = subprocess.run([exe, "--list-langs"], capture_output=True, text=True, timeout=30)
    except (OSError, subprocess.SubprocessError):
        return False, "Không chạy được Tesseract OCR."
    langs = set((out.stdout + out.stderr).split())
    if "vie" not in langs:
        return False, "Tesseract OCR chưa có dữ liệu tiếng Việt (cài gói tesseract-ocr-vie)."
    return True, "Tesseract OCR (tiếng Việt) sẵn sàng."


def ocr_status() -> tuple[bool, str]:
    """(available, message in Vietnamese)."""
    return _ocr_probe(conf.tesseract_cmd())


def ocr_image_file(path: Path) -> str:
    ok, msg = ocr_status()
    if not ok:
        raise RuntimeError(msg)
    exe = shutil.which(conf.tesseract_cmd())
    res = subprocess.run([exe, str(path), "stdout", "-l", "vie", "--psm", "3"], capture_output=True, timeout=600)
    if res.returncode != 0:
        raise RuntimeError("Tesseract báo lỗi: " + res.stderr.decode("utf-8", "replace")[-300:])
    return res.stdout.decode("utf-8", "replace")


def _letters(s: str) -> int:
    return sum(1 for ch in s if ch.isalpha())


def pdf_text(path: Path) -> tuple[str, int]:
    import pypdf

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        reader = pypdf.PdfReader(str(path), strict=False)
        pages = []
        for p in reader.pages:
            try:
                pages.append(p.extract_text() or "")
            except Exception:  # noqa: BLE001 - one broken page must not lose the others
                pages.append("")
    return "\n\f".join(pages), len(pages)


def docx_text(path: Path) -> str:
    """The paragraphs of word/document.xml (bounded read; the file was checked for zip bombs)."""
    import html

    with zipfile.ZipFile(path) as z, z.open("word/document.xml") as fh:
        xml = fh.read(conf.max_docx_unzipped()).decode("utf-8", "replace")
    paras = []
    for p in re.findall(r"<w:p[ >].*?</w:p>", xml, flags=re.S):
        paras.append("".join(html.unescape(t) for t in re.findall(r"<w:t(?: [^>]*)?>([^<]*)</w:t>", p)))
    return "\n".join(x for x in paras if x.strip())


def _render_pdf_pages(path: Path, out_dir: Path, max_pages: int) -> list[Path]:
    import pypdfium2 as pdfium

    pdf = pdfium.PdfDocument(str(path))
    try:
        outs = []
        scale = conf.ocr_dpi() / 72
        for i in range(min(len(pdf), max_pages)):
            img = pdf[i].render(scale=scale).to_pil()
            p = out_dir / f"p{i:04d}.png"
            img.save(p)
            outs.append(p)
        return outs
    finally:
        pdf.close()


def _image_frames(path: Path, out_dir: Path, max_pages: int) -> list[Path]:
    from PIL import Image, ImageSequence

    outs = []
    with Image.open(path) as im:
        for i, frame in enumerate(ImageSequence.Iterator(im)):
            if i >= max_pages:
                break
            p = out_dir / f"f{i:04d}.png"
            frame.convert("RGB").save(p)
            outs.append(p)
    return outs


def extract(path: Path, kind: str) -> Extracted:
    """The text of a stored file. OCR only where the file has no text of its own."""
    if kind == "docx":
        return Extracted(docx_text(path), "docx")
    if kind == "pdf":
        text, _n = pdf_text(path)
        if _letters(text) >= MIN_TEXT_CHARS:
            return Extracted(text, "pdf")
    ok, msg = ocr_status()
    if not ok:
        return Extracted("", "", msg, needs_ocr=True)
    with tempfile.TemporaryDirectory(prefix="kiemsat-ocr-") as tmp:
        tmpd = Path(tmp)
        if kind == "pdf":
            pages = _render_pdf_pages(path, tmpd, conf.ocr_max_pages())
        elif kind == "tiff":
            pages = _image_frames(path, tmpd, conf.ocr_max_pages())
        else:
            pages = [path]
        text = "\n\f".join(ocr_image_file(p) for p in pages)
    return Extracted(text, "ocr")
