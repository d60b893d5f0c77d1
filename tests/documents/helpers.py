"""Files for the tests, made on the fly (nothing copied from samples)."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path


def pdf_bytes(lines: list[str] | None = None, pages: int = 1) -> bytes:
    """A small valid PDF; `lines` (ASCII) become its text layer (Helvetica) on each page."""
    lines = lines or []
    objs: list[bytes] = []
    kids = []
    content = "BT /F1 14 Tf 50 780 Td 16 TL " + " ".join(
        "(" + s.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)") + ") '" for s in lines) + " ET"
    # 1 catalog, 2 pages, 3 font, then per page: page, content
    n_first = 4
    for i in range(pages):
        kids.append(f"{n_first + 2 * i} 0 R")
    objs.append(b"<< /Type /Catalog /Pages 2 0 R >>")
    objs.append(f"<< /Type /Pages /Kids [{' '.join(kids)}] /Count {pages} >>".encode())
    objs.append(b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>")
    for i in range(pages):
        objs.append(f"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 3 0 R >> >> "
                    f"/Contents {n_first + 2 * i + 1} 0 R >>".encode())
        data = content.encode("latin-1")
        objs.append(b"<< /Length " + str(len(data)).encode() + b" >>\nstream\n" + data + b"\nendstream")
    out = io.BytesIO()
    out.write(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for i, o in enumerate(objs, 1):
        offsets.append(out.tell())
        out.write(f"{i} 0 obj\n".encode() + o + b"\nendobj\n")
    xref = out.tell()
    out.write(f"xref\n0 {len(objs) + 1}\n0000000000 65535 f \n".encode())
    for off in offsets:
        out.write(f"{off:010d} 00000 n \n".encode())
    out.write(f"trailer\n<< /Size {len(objs) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode())
    return out.getvalue()


def image_bytes(fmt: str = "PNG", size=(60, 40), color=(200, 30, 30), frames: int = 1) -> bytes:
    from PIL import Image

    out = io.BytesIO()
    im = Image.new("RGB", size, color)
    if frames > 1:
        more = [Image.new("RGB", size, (i * 40 % 255, 90, 90)) for i in range(frames - 1)]
        im.save(out, fmt, save_all=True, append_images=more)
    else:
        im.save(out, fmt)
    return out.getvalue()


def docx_bytes(paragraphs: list[str]) -> bytes:
    import docx

    d = docx.Document()
    for p in paragraphs:
        d.add_paragraph(p)
    out = io.BytesIO()
    d.save(out)
    return out.getvalue()


def zip_bomb_docx(mb: int = 400) -> bytes:
    """A DOCX-shaped zip whose one member unpacks to `mb` megabytes of zeros."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("word/document.xml", "<w:document/>")
        with z.open("word/media/bomb.bin", "w", force_zip64=True) as fh:
            block = b"\0" * (1 << 20)
            for _ in range(mb):
                fh.write(block)
    return out.getvalue()


def font_path() -> str | None:
    for p in ("/usr/share/fonts/truetype/liberation2/LiberationSans-Regular.ttf",
              "/usr/share/fonts/truetype/liberation/LiberationSans-Regular.ttf",
              "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"):
        if Path(p).exists():
            return p
    return None


def vietnamese_scan(lines: list[str]) -> bytes:
    """A white PNG 'scan' with black Vietnamese text (for OCR)."""
    from PIL import Image, ImageDraw, ImageFont

    fp = font_path()
    assert fp, "cần một phông chữ TrueType có tiếng Việt (fonts-liberation2)"
    font = ImageFont.truetype(fp, 44)
    im = Image.new("L", (1700, 120 + 80 * len(lines)), 255)
    d = ImageDraw.Draw(im)
    for i, s in enumerate(lines):
        d.text((60, 60 + 80 * i), s, font=font, fill=0)
    out = io.BytesIO()
    im.save(out, "PNG", dpi=(300, 300))
    return out.getvalue()
