"""Settings of the digitised dossiers (each may be overridden in the Django settings)."""

from __future__ import annotations

from django.conf import settings


def max_bytes() -> int:
    """The largest file accepted (bytes)."""
    return int(getattr(settings, "KIEMSAT_DOCUMENT_MAX_BYTES", 100 * 1024 * 1024))


def max_image_pixels() -> int:
    """The largest image accepted (pixels): larger ones are refused as decompression bombs."""
    return int(getattr(settings, "KIEMSAT_DOCUMENT_MAX_PIXELS", 120_000_000))


def max_docx_unzipped() -> int:
    """The largest total uncompressed size of a DOCX (bytes): more is treated as a zip bomb."""
    return int(getattr(settings, "KIEMSAT_DOCUMENT_MAX_DOCX_UNZIPPED", 300 * 1024 * 1024))


def max_docx_ratio() -> int:
    """The largest compression ratio of one DOCX member (zip bombs compress thousands to one)."""
    return int(getattr(settings, "KIEMSAT_DOCUMENT_MAX_DOCX_RATIO", 200))


def ocr_dpi() -> int:
    return int(getattr(settings, "KIEMSAT_OCR_DPI", 300))


def ocr_max_pages() -> int:
    """Pages of one PDF scanned by OCR (a 500-page scan would hold the worker for an hour)."""
    return int(getattr(settings, "KIEMSAT_OCR_MAX_PAGES", 200))


def tesseract_cmd() -> str:
    return str(getattr(settings, "KIEMSAT_TESSERACT", "tesseract"))


def storage_root():
    from pathlib import Path

    return Path(settings.MEDIA_ROOT) / "documents"
