"""Page thumbnails of a stored PDF (pypdfium2) or image (Pillow), made on first request and cached
under MEDIA_ROOT/thumbs/ (derived data: safe to delete)."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from . import conf, storage


def thumbnail(doc, page: int, width: int) -> Path:
    if doc.kind == "docx":
        raise ValueError("DOCX has no page images")
    if page < 1 or (doc.pages and page > doc.pages):
        raise ValueError("page out of range")
    out = storage.thumb_path(doc.sha256, page, width)
    if out.exists():
        return out
    src = storage.path_for(doc.sha256)
    from PIL import Image

    if doc.kind == "pdf":
        import pypdfium2 as pdfium

        pdf = pdfium.PdfDocument(str(src))
        try:
            if page > len(pdf):
                raise ValueError("page out of range")
            p = pdf[page - 1]
            w_pt = p.get_width() or 1
            img = p.render(scale=min(4.0, width / w_pt)).to_pil()
        finally:
            pdf.close()
    else:
        old = Image.MAX_IMAGE_PIXELS
        Image.MAX_IMAGE_PIXELS = conf.max_image_pixels()
        try:
            with Image.open(src) as im:
                if page > 1:
                    im.seek(page - 1)
                im.draft("RGB", (width, width * 2))
                img = im.convert("RGB")
                img.thumbnail((width, width * 3))
        finally:
            Image.MAX_IMAGE_PIXELS = old
    out.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=out.parent, suffix=".png")
    os.close(fd)
    img.save(tmp, "PNG", optimize=True)
    os.replace(tmp, out)
    return out
