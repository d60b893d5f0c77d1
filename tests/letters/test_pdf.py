"""The PDF preview: rendered by LibreOffice where it is installed (CI installs it); the product
works without it and says so."""

import shutil
import subprocess

import pytest

from kiemsat.letters import render
from kiemsat.letters.models import Kind

from .conftest import draft, issue_all_the_way


def test_an_issued_letter_renders_to_pdf(sample, users, leader, tmp_path):
    if not render.pdf_available():
        pytest.fail("LibreOffice (soffice) chưa được cài: cài gói libreoffice-writer-nogui "
                    "(`apt-get install -y libreoffice-writer-nogui`) để chạy kiểm thử xuất PDF.")
    letter = issue_all_the_way(draft(users["prosecutor"], Kind.COURT, sample["as_of"]), users["prosecutor"], leader)
    pdf = render.to_pdf(bytes(letter.docx))
    assert pdf.startswith(b"%PDF")
    if shutil.which("pdftotext"):  # poppler-utils, when present: the first page says what it should
        (tmp_path / "a.pdf").write_bytes(pdf)
        text = subprocess.run(["pdftotext", "-l", "1", "-layout", str(tmp_path / "a.pdf"), "-"], capture_output=True,
                              text=True, check=True).stdout
        for s in ("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "Số: 01/KN-VKS-AL", "ngày 06 tháng 01 năm 2025", "KIẾN NGHỊ",
                  "Kính gửi: Chánh án Tòa án nhân dân huyện An Lạc"):
            assert s in text, s


def test_without_libreoffice_the_product_says_so(sample, users, leader, monkeypatch, client):
    monkeypatch.setattr(render, "soffice_path", lambda: None)
    with pytest.raises(render.PdfUnavailable, match="chưa cài LibreOffice"):
        render.to_pdf(b"x")
    letter = draft(users["prosecutor"], Kind.COURT, sample["as_of"])
    client.force_login(users["prosecutor"])
    r = client.get(f"/van-ban/{letter.pk}/pdf/")
    assert r.status_code == 200 and "chưa cài LibreOffice" in r.content.decode()
    assert "máy chưa cài LibreOffice" in client.get(f"/van-ban/{letter.pk}/").content.decode()
