"""Bringing in the files a workbook links to (D:\\SoHoa\\…): the user points at a copy of the folder;
files are checked and attached to the case of their row; missing files are listed."""

import datetime as dt

import openpyxl
import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from kiemsat.documents import links
from kiemsat.documents.models import Document

from .helpers import image_bytes, pdf_bytes

D = dt.date


@pytest.fixture
def book(tmp_path, make_case, users):
    a = make_case("Đào Đức Hoà", birth_year=1990, events=[{"code": "accepted", "date": D(2024, 3, 12), "number": "05/2024/TLHS-XLHC"}])
    b = make_case("Lê Thị Thủy", birth_year=1988, events=[{"code": "accepted", "date": D(2024, 4, 2), "number": "06/2024/TLHS-XLHC"}])
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["STT", "Họ và tên", "Năm sinh", "Biện pháp", "Số thụ lý", "Ngày thụ lý", "Hồ sơ số hóa"])
    ws.append([1, "Đào Đức Hoà", 1990, "CSCNBB", "05/2024/TLHS-XLHC", dt.datetime(2024, 3, 12), r"D:\SoHoa\2024\HS_005.pdf"])
    ws.append([2, "Lê Thị Thủy", 1988, "CSCNBB", "06/2024/TLHS-XLHC", dt.datetime(2024, 4, 2), r"D:\SoHoa\2024\hs_006.PNG"])
    ws.append([3, "Lê Thị Thủy", 1988, "CSCNBB", "06/2024/TLHS-XLHC", dt.datetime(2024, 4, 2), r"D:\SoHoa\2024\HS_404.pdf"])
    ws.append([4, "Không Có Ai", 1970, "CSCNBB", "99/2024/TLHS-XLHC", dt.datetime(2024, 5, 2), r"D:\SoHoa\2024\HS_099.pdf"])
    ws.append([5, "Đào Đức Hoà", 1990, "CSCNBB", "05/2024/TLHS-XLHC", dt.datetime(2024, 3, 12), r"..\..\secret.pdf"])
    path = tmp_path / "so.xlsx"
    wb.save(path)
    folder = tmp_path / "copy-of-SoHoa"
    (folder / "2024").mkdir(parents=True)
    (folder / "2024" / "HS_005.pdf").write_bytes(pdf_bytes(["Ho so 005"]))
    (folder / "2024" / "HS_006.png").write_bytes(image_bytes("PNG"))
    (folder / "2024" / "HS_099.pdf").write_bytes(pdf_bytes(["Ho so 099"]))
    (tmp_path / "secret.pdf").write_bytes(pdf_bytes(["secret"]))
    return path, folder, a, b


def test_dry_run_then_import(book, users):
    path, folder, a, b = book
    rep = links.import_links(actor=users["leader"], workbook=path, folder=folder, dry_run=True)
    assert [r.status for r in rep.rows] == ["would_attach", "would_attach", "missing_file", "no_case", "missing_file"]
    assert not Document.objects.exists()
    rep = links.import_links(actor=users["leader"], workbook=path, folder=folder, dry_run=False)
    assert [r.status for r in rep.rows] == ["attached", "attached", "missing_file", "no_case", "missing_file"]
    assert {(d.case_id, d.name, d.source) for d in Document.objects.all()} == {(a.pk, "HS_005.pdf", "link"),
                                                                            (b.pk, "HS_006.png", "link")}
    assert [r.link for r in rep.missing] == [r"D:\SoHoa\2024\HS_404.pdf", r"D:\SoHoa\2024\HS_099.pdf", r"..\..\secret.pdf"]
    again = links.import_links(actor=users["leader"], workbook=path, folder=folder, dry_run=False)
    assert [r.status for r in again.rows][:2] == ["duplicate", "duplicate"]


def test_resolve_never_leaves_the_folder(tmp_path):
    folder = tmp_path / "f"
    folder.mkdir()
    (tmp_path / "outside.pdf").write_bytes(b"x")
    (folder / "link.pdf").symlink_to(tmp_path / "outside.pdf")
    assert links.resolve(r"..\outside.pdf", folder) is None
    assert links.resolve("/etc/passwd", folder) is None
    assert links.resolve(r"D:\x\link.pdf", folder) is None  # a symlink out of the folder


def test_only_leaders_and_a_real_folder(book, users):
    path, folder, _a, _b = book
    with pytest.raises(PermissionDenied):
        links.import_links(actor=users["prosecutor"], workbook=path, folder=folder)
    with pytest.raises(ValidationError):
        links.import_links(actor=users["leader"], workbook=path, folder=folder / "khong-co")


def test_the_page(book, users, client):
    path, folder, _a, _b = book
    client.force_login(users["leader"])
    r = client.post(reverse("documents_import_links"), {"workbook": SimpleUploadedFile("so.xlsx", path.read_bytes()),
                                                         "folder": str(folder), "action": "dry"})
    html = r.content.decode()
    assert "Sẽ gắn" in html and "Thiếu tệp" in html and 'name="token"' in html
    token = r.context["token"]
    r = client.post(reverse("documents_import_links"), {"token": token, "folder": str(folder), "action": "run"})
    assert Document.objects.count() == 2
    client.force_login(users["prosecutor"])
    assert client.get(reverse("documents_import_links")).status_code == 403
