"""The sync page: who sees it, export as a download, register a unit, import an upload; and the CLI."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.urls import reverse

from kiemsat.cases.models import Case
from kiemsat.org.models import Role, Unit
from kiemsat.sync import keys
from kiemsat.sync.models import UnitKey


from .conftest import forget_unit_data


def _client(client, user):
    client.force_login(user)
    return client


def test_page_permissions(client, users):
    for who in ("prosecutor", "specialist", "execution"):
        client.logout()
        r = _client(client, users[who]).get(reverse("sync_index"))
        assert r.status_code == 403
    client.logout()
    r = _client(client, users["leader"]).get(reverse("sync_index"))
    assert r.status_code == 200 and "Gửi dữ liệu lên Viện kiểm sát cấp tỉnh" in r.content.decode()
    assert "Nhập gói của đơn vị" not in r.content.decode()  # a unit's leader does not import
    client.logout()
    r = _client(client, users["admin"]).get(reverse("sync_index"))
    assert "Nhập gói của đơn vị" in r.content.decode() and "age1" in r.content.decode()


def test_setup_export_register_import_in_pages(client, users, unit_cases, unit, province):
    c = _client(client, users["leader"])
    r = c.post(reverse("sync_identity"), {"unit": unit.pk, "code": "có dấu", "recipient": ""})
    assert r.status_code == 200 and "chữ không dấu" in r.content.decode()
    r = c.post(reverse("sync_identity"), {"unit": unit.pk, "code": "KV-AL", "recipient": keys.province_recipient()})
    assert r.status_code == 302
    page = c.get(reverse("sync_index")).content.decode()
    pub = keys.public_text(keys.signing_key("KV-AL"))
    assert pub in page and keys.fingerprint(pub) in page
    r = c.post(reverse("sync_export"), {"documents": ""})
    assert r.status_code == 200 and r["Content-Disposition"].startswith('attachment; filename="kiemsat-KV-AL-')
    data = r.content
    forget_unit_data(unit)
    client.logout()
    a = _client(client, users["admin"])
    up = lambda: SimpleUploadedFile("goi.kiemsat-sync", data)  # noqa: E731
    r = a.post(reverse("sync_import"), {"bundle": up()})
    assert r.status_code == 200 and "chưa được đăng ký" in r.content.decode()
    r = a.post(reverse("sync_register"), {"code": "KV-AL", "unit": unit.pk, "public_key": "ed25519:sai"})
    assert r.status_code == 200 and "32 byte" in r.content.decode()
    r = a.post(reverse("sync_register"), {"code": "KV-AL", "unit": unit.pk, "public_key": pub})
    assert r.status_code == 302 and UnitKey.objects.get(code="KV-AL").unit == unit
    r = a.post(reverse("sync_import"), {"bundle": up()}, follow=True)
    assert "2 mới" in r.content.decode() and Case.objects.filter(unit=unit).count() == 2
    r = a.post(reverse("sync_import"), {"bundle": up()}, follow=True)
    assert "không có thay đổi" in r.content.decode() and Case.objects.count() == 2


def test_provincial_leader_imports_but_does_not_export(client, make_user):
    prov = Unit.objects.create(name="Viện kiểm sát nhân dân thành phố Hải Phòng", is_provincial=True)
    u = make_user("tinh", Role.LEADER, prov)
    r = _client(client, u).get(reverse("sync_index")).content.decode()
    assert "Nhập gói của đơn vị" in r and "Gửi dữ liệu lên" not in r
    assert client.post(reverse("sync_export")).status_code == 403
    assert client.post(reverse("sync_register"), {}).status_code == 403  # registering keys: administrators


def test_cli_round_trip(unit, unit_cases, province, usb, capsys):
    call_command("sync", "unit-key", "--unit", str(unit.pk), "--code", "KV-AL", "--recipient", keys.province_recipient())
    out = capsys.readouterr().out
    pub = next(line.split(": ", 1)[1] for line in out.splitlines() if line.startswith("Khóa công khai"))
    call_command("sync", "export", "--to", str(usb))
    [path] = usb.iterdir()
    forget_unit_data(unit)
    with pytest.raises(CommandError, match="chưa được đăng ký"):
        call_command("sync", "import", str(path))
    call_command("sync", "register", "--code", "KV-AL", "--unit", unit.name, "--public-key", pub)
    call_command("sync", "import", str(path))
    assert "vụ việc: 2 mới" in capsys.readouterr().out
    call_command("sync", "import", str(path))
    assert "không có thay đổi" in capsys.readouterr().out
    with pytest.raises(CommandError, match="Không tìm thấy tệp"):
        call_command("sync", "import", str(usb / "khong-co.kiemsat-sync"))
