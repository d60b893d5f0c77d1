import json
from pathlib import Path

import openpyxl
import pytest

SAMPLES = Path(__file__).resolve().parents[2].parent / "shared" / "samples"
BOOKS = ["so-theo-doi-xlhc-2024", "so-theo-doi-xlhc-2022-2025"]


def sample_path(name: str) -> Path:
    p = SAMPLES / f"{name}.xlsx"
    if not p.exists():
        pytest.fail("shared samples not available")
    return p


def expected_cases(name: str) -> list[dict]:
    return json.loads((SAMPLES / f"{name}.cases.json").read_text(encoding="utf-8"))


def make_book(path: Path, headers: list[str], rows: list[list], titles: list[str] = (), sheet: str = "Theo dõi",
              extra_sheets: dict[str, list[list]] | None = None) -> Path:
    """A small one-header-row book written here in code."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = sheet
    for t in titles:
        ws.append([t])
    if titles:
        ws.append([])
    ws.append(headers)
    for r in rows:
        ws.append(r)
    for name, content in (extra_sheets or {}).items():
        s = wb.create_sheet(name)
        for r in content:
            s.append(r)
    wb.save(path)
    return path


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
