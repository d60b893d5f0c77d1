"""The audit log: hash chain, append-only table, the leaders' page, export and `kiemsat audit verify`."""

import io

import openpyxl
import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import DatabaseError, connection, transaction
from django.urls import reverse

from kiemsat.audit import services
from kiemsat.audit.models import AuditEntry


def _entries(n=5):
    return [services.record("case.update", None, f"Sửa vụ việc {i}", {"person_name": ["A", f"B{i}"]}) for i in range(n)]


def _drop_guard():
    """What an intruder with raw database access would do first."""
    with connection.cursor() as c:
        if connection.vendor == "sqlite":
            c.execute("DROP TRIGGER audit_auditentry_no_update")
            c.execute("DROP TRIGGER audit_auditentry_no_delete")
        else:
            c.execute("DROP TRIGGER audit_auditentry_append_only ON audit_auditentry")


def test_an_intact_chain_verifies(db):
    _entries()
    ok, n, msg = services.verify_chain()
    assert ok and n == 5 and "nguyên vẹn" in msg


def test_the_database_refuses_updates_and_deletes_of_audit_rows(db):
    e = _entries(2)[0]
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditEntry.objects.filter(pk=e.pk).update(summary="đã sửa")
    with pytest.raises(DatabaseError), transaction.atomic():
        with connection.cursor() as c:
            c.execute("DELETE FROM audit_auditentry WHERE id = %s", [e.pk])
    assert AuditEntry.objects.get(pk=e.pk).summary == "Sửa vụ việc 0"


def test_a_row_edited_with_raw_sql_breaks_the_chain(db):
    es = _entries()
    _drop_guard()
    with connection.cursor() as c:
        c.execute("UPDATE audit_auditentry SET summary = %s WHERE id = %s", ["Không có gì", es[2].pk])
    ok, n, msg = services.verify_chain()
    assert not ok and str(es[2].pk) in msg
    with pytest.raises(CommandError, match="bị thay đổi"):
        call_command("audit", "verify")


def test_a_deleted_row_breaks_the_chain_and_a_cut_tail_misses_the_recorded_head(db):
    es = _entries()
    head = services.head()["hash"]
    _drop_guard()
    with connection.cursor() as c:
        c.execute("DELETE FROM audit_auditentry WHERE id = %s", [es[4].pk])  # the newest: chain still links
    assert services.verify_chain()[0]
    ok, _, msg = services.verify_chain(expect_head=head)
    assert not ok and "mã băm cuối" in msg
    with connection.cursor() as c:
        c.execute("DELETE FROM audit_auditentry WHERE id = %s", [es[1].pk])
    assert not services.verify_chain()[0]


def test_audit_verify_command_prints_the_head(db, capsys):
    _entries(3)
    call_command("audit", "verify")
    out = capsys.readouterr().out
    assert "nguyên vẹn (3 bản ghi)" in out and services.head()["hash"] in out


def test_leaders_read_filter_and_export_the_log(client, users):
    client.force_login(users["leader"])
    services.record("case.view", users["prosecutor"], "Xem hồ sơ Nguyễn Văn Đức", user=users["prosecutor"])
    services.record("login_failed", None, "Đăng nhập không thành công: ai-do", ip="10.0.0.9")
    url = reverse("audit_log")
    r = client.get(url)
    html = r.content.decode()
    assert r.status_code == 200 and "Xem hồ sơ Nguyễn Văn Đức" in html and services.head()["hash"] in html
    r = client.get(url, {"group": "login_failed"})
    html = r.content.decode()
    assert "ai-do" in html and "Xem hồ sơ Nguyễn Văn Đức" not in html
    r = client.get(url, {"since": "32/13/2026"})
    assert r.status_code == 200 and "Ngày không hợp lệ" in r.content.decode()
    r = client.get(reverse("audit_export"), {"group": "view"})
    assert r.status_code == 200
    ws = openpyxl.load_workbook(io.BytesIO(r.content))["Nhật ký"]
    rows = list(ws.iter_rows(min_row=2, values_only=True))
    assert [row[8] for row in rows] == ["Xem hồ sơ Nguyễn Văn Đức"]
    assert AuditEntry.objects.filter(action="audit.export", user=users["leader"]).exists()
    r = client.get(reverse("audit_verify"))
    assert "nguyên vẹn" in r.content.decode()


@pytest.mark.parametrize("role", ["prosecutor", "inspector", "specialist", "execution"])
def test_staff_cannot_read_the_log(client, users, role):
    client.force_login(users[role])
    assert client.get(reverse("audit_log")).status_code == 403
    assert client.get(reverse("audit_export")).status_code == 403


def test_a_leader_does_not_see_another_units_staff(client, users):
    services.record("case.view", None, "Việc của đơn vị khác", user=users["other_leader"])
    client.force_login(users["leader"])
    assert "Việc của đơn vị khác" not in client.get(reverse("audit_log")).content.decode()
