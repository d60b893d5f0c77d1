"""The backup page (button + progress), the dashboard reminder, and the archive checks, in-process
on the test database (SQLite or PostgreSQL)."""

import datetime as dt
import io
import json
import tarfile

import pytest
from django.urls import reverse
from django.utils import timezone
from pyrage import x25519

from kiemsat.audit.models import AuditEntry
from kiemsat.audit.services import head
from kiemsat.backup import archive, services
from kiemsat.backup.archive import BackupError, Key
from kiemsat.backup.models import Backup

IDENTITY = x25519.Identity.generate()
RECIPIENT = str(IDENTITY.to_public())


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "files"
    (settings.MEDIA_ROOT / "imports").mkdir(parents=True)
    (settings.MEDIA_ROOT / "imports" / "sổ.xlsx").write_bytes(b"PK\x03\x04 workbook")
    settings.KIEMSAT_BACKUP_INLINE = True
    settings.KIEMSAT_BACKUP_RECIPIENT = RECIPIENT
    return settings.MEDIA_ROOT


pytestmark = pytest.mark.django_db(transaction=True)  # pg_dump reads committed data only


def _decrypt_tar(path):
    plain = archive.decrypt(path.read_bytes(), Key(identities=[str(IDENTITY)]))
    return tarfile.open(fileobj=io.BytesIO(plain))


def test_the_button_backs_up_verifies_and_records(client, users, make_case, media, tmp_path):
    make_case("Nguyễn Văn Đức")
    client.force_login(users["leader"])
    r = client.get(reverse("backup_index"))
    assert r.status_code == 200 and "Sao lưu ngay" in r.content.decode()
    usb = tmp_path / "usb"
    r = client.post(reverse("backup_index"), {"to_dir": str(usb), "use_recipient": "on"})
    assert r.status_code == 302
    rec = Backup.objects.get()
    assert rec.status == Backup.Status.OK and rec.verified and rec.user == users["leader"]
    assert rec.head_hash and rec.size == (usb / rec.filename).stat().st_size
    # the progress fragment stops polling once done
    frag = client.get(reverse("backup_progress", args=[rec.pk])).content.decode()
    assert "Đã sao lưu và kiểm tra" in frag and "hx-trigger" not in frag
    with _decrypt_tar(usb / rec.filename) as tf:
        manifest = json.load(tf.extractfile("manifest.json"))
        names = set(tf.getnames())
    assert "files/imports/sổ.xlsx" in names and manifest["database"]["member"] in names
    assert manifest["audit_head"]["hash"] == rec.head_hash
    assert manifest["row_counts"]["cases_case"] == 1
    assert AuditEntry.objects.filter(action="backup.create", user=users["leader"]).exists()


def test_progress_polls_while_running(client, users, media):
    rec = Backup.objects.create(user=users["leader"], progress=30, step="Gom các tệp đính kèm")
    client.force_login(users["leader"])
    frag = client.get(reverse("backup_progress", args=[rec.pk])).content.decode()
    assert 'hx-trigger="every 1s"' in frag and "30%" in frag


def test_bad_input_is_explained(client, users, media, settings, tmp_path):
    settings.KIEMSAT_BACKUP_RECIPIENT = ""
    client.force_login(users["admin"])
    r = client.post(reverse("backup_index"), {"to_dir": str(tmp_path / "u"), "passphrase": "ngan", "passphrase2": "ngan"})
    assert "ít nhất 12 ký tự" in r.content.decode() and not Backup.objects.exists()
    r = client.post(reverse("backup_index"), {"to_dir": str(tmp_path / "u"), "passphrase": "mat-khau-dai-du-1",
                                              "passphrase2": "mat-khau-khac-22"})
    assert "không khớp" in r.content.decode()
    blocker = tmp_path / "a-file"
    blocker.write_text("x")
    settings.KIEMSAT_BACKUP_RECIPIENT = RECIPIENT
    r = client.post(reverse("backup_index"), {"to_dir": str(blocker / "sub"), "use_recipient": "on"}, follow=True)
    rec = Backup.objects.get()
    assert rec.status == Backup.Status.FAILED and "Không tạo được thư mục" in rec.message
    assert "Sao lưu không thành công" in r.content.decode()


@pytest.mark.parametrize("role", ["prosecutor", "inspector", "specialist", "execution"])
def test_staff_cannot_back_up(client, users, role, media):
    client.force_login(users[role])
    assert client.get(reverse("backup_index")).status_code == 403
    assert client.post(reverse("backup_index"), {"to_dir": "/tmp"}).status_code == 403


def test_dashboard_reminds_when_the_last_verified_backup_is_old(client, users, media, settings):
    settings.KIEMSAT_BACKUP_REMIND_DAYS = 7
    client.force_login(users["leader"])
    html = client.get("/").content.decode()
    assert 'id="backup-reminder"' in html and "Chưa có bản sao lưu nào" in html
    rec = Backup.objects.create(status=Backup.Status.OK, verified=True, path="/usb/a.kiemsat.age")
    Backup.objects.filter(pk=rec.pk).update(finished_at=timezone.now() - dt.timedelta(days=8))
    html = client.get("/").content.decode()
    assert 'id="backup-reminder"' in html and "8 ngày" in html
    Backup.objects.filter(pk=rec.pk).update(finished_at=timezone.now() - dt.timedelta(days=2))
    assert 'id="backup-reminder"' not in client.get("/").content.decode()


def test_a_tampered_member_or_a_foreign_file_is_refused(media, tmp_path, users):
    res = services.create_backup(tmp_path / "usb", Key(recipients=[RECIPIENT]))
    key = Key(identities=[str(IDENTITY)])
    assert services.verify_file(res.path, key).manifest["audit_head"]["hash"] == head()["hash"]
    with _decrypt_tar(res.path) as tf:
        members = [(m, tf.extractfile(m).read()) for m in tf.getmembers()]
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w") as out:
        for m, data in members:
            if m.name.startswith("files/"):
                data = data.replace(b"workbook", b"WORKBOOK")
            out.addfile(m, io.BytesIO(data))
    forged = tmp_path / "forged.kiemsat.age"
    forged.write_bytes(archive.encrypt(buf.getvalue(), Key(recipients=[RECIPIENT])))
    with pytest.raises(BackupError, match="không khớp mã băm"):
        services.verify_file(forged, key)
    other = tmp_path / "other.age"
    other.write_bytes(b"not an age file at all")
    with pytest.raises(BackupError, match="không phải bản sao lưu"):
        services.verify_file(other, key)
    with pytest.raises(BackupError, match="Sai mật khẩu"):
        services.verify_file(res.path, Key(identities=[str(x25519.Identity.generate())]))


def test_verify_form_checks_a_file_on_the_page(client, users, media, tmp_path, settings):
    res = services.create_backup(tmp_path / "usb", Key(recipients=[RECIPIENT]))
    client.force_login(users["leader"])
    r = client.post(reverse("backup_verify"), {"path": str(res.path), "passphrase": "khong-dung-mat-khau"},
                    HTTP_HX_REQUEST="true")
    html = r.content.decode()
    assert r.status_code == 200 and 'id="verify-result"' in html and "alert-danger" in html
    assert "<html" not in html  # an htmx fragment
    r = client.post(reverse("backup_verify"), {"path": str(tmp_path / "nothing.age"), "passphrase": "x"})
    html = r.content.decode()
    assert "Không tìm thấy tệp sao lưu" in html and "<html" in html
    assert AuditEntry.objects.filter(action="backup.verify").count() == 2
