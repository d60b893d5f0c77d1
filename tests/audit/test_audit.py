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


# ---------------------------------------------------------------------------- the daily report
def _chain_on_days(days):
    """One entry per moment in `days` (local datetimes), chained in that order."""
    import datetime as dt

    from django.utils import timezone

    out = []
    prev = services.GENESIS
    for i, (when, action, username) in enumerate(days):
        e = AuditEntry(at=timezone.make_aware(when).astimezone(dt.timezone.utc), username=username, action=action, summary=f"việc {i}",
                       prev_hash=prev, changes={})
        e.hash = services._digest(prev, services._payload(e))
        e.save()
        prev = e.hash
        out.append(e)
    return out


def test_the_daily_report_counts_the_day_and_gives_the_head_at_its_end(db):
    import datetime as dt

    from kiemsat.audit import daily

    es = _chain_on_days([
        (dt.datetime(2026, 11, 24, 16, 0), "login", "ksv1"),
        (dt.datetime(2026, 11, 25, 0, 0, 1), "login_failed", ""),
        (dt.datetime(2026, 11, 25, 8, 0), "login", "ksv1"),
        (dt.datetime(2026, 11, 25, 9, 30), "case.update", "ksv1"),
        (dt.datetime(2026, 11, 25, 23, 59, 59), "audit.export", "lanhdao"),
        (dt.datetime(2026, 11, 26, 0, 0, 0), "case.view", "ksv1"),
    ])
    r = daily.daily_report(dt.date(2026, 11, 25))
    assert r.entries == 4 and r.failed_logins == 1
    assert r.head_id == es[4].pk and r.head_hash == es[4].hash and r.total == 5
    assert dict(r.users) == {"ksv1": 2, "lanhdao": 1, "(không đăng nhập)": 1}
    groups = dict(r.groups)
    assert groups["Đăng nhập sai"] == 1 and groups["Xuất dữ liệu"] == 1 and groups["Thay đổi dữ liệu"] == 1
    assert r.intact is True
    text = daily.as_text(r, "VKSND khu vực 3")
    assert "NGÀY 25/11/2026" in text and es[4].hash in text and "NGUYÊN VẸN" in text
    # a day with nothing: the head is the last entry before its end
    empty = daily.daily_report(dt.date(2026, 11, 20))
    assert empty.entries == 0 and empty.head_hash == "" and empty.total == 0


def test_the_report_of_a_day_whose_head_was_cut_off_says_so(db):
    import datetime as dt

    from kiemsat.audit import daily

    es = _chain_on_days([(dt.datetime(2026, 11, 25, 8, 0), "login", "a"), (dt.datetime(2026, 11, 25, 9, 0), "login", "b"),
                         (dt.datetime(2026, 11, 26, 9, 0), "login", "c")])
    filed = daily.daily_report(dt.date(2026, 11, 25)).head_hash
    assert filed == es[1].hash
    _drop_guard()
    with connection.cursor() as c:
        c.execute("UPDATE audit_auditentry SET summary = %s WHERE id = %s", ["viết lại", es[1].pk])
    r = daily.daily_report(dt.date(2026, 11, 26))
    assert r.intact is False and "CÓ SAI LỆCH" in daily.as_text(r)
    with pytest.raises(CommandError, match="bị thay đổi"):
        call_command("audit", "verify", "--expect-head", filed)


def test_daily_page_for_leaders_download_is_audited_and_bad_dates_are_messages(client, users):
    import datetime as dt

    from django.utils import timezone

    services.record("case.view", None, "Xem hồ sơ", user=users["prosecutor"])
    services.record("case.view", None, "Việc của đơn vị khác", user=users["other_leader"])
    client.force_login(users["leader"])
    url = reverse("audit_daily")
    r = client.get(url)
    html = r.content.decode()
    today = timezone.localdate().strftime("%d/%m/%Y")
    assert r.status_code == 200 and f"Báo cáo nhật ký ngày {today}" in html
    assert services.head()["hash"] in html and users["prosecutor"].username in html
    assert users["other_leader"].username not in html  # the other unit's staff are not counted here
    head = services.head()["hash"]
    r = client.get(url, {"ngay": today, "tai": "1"})
    assert r.status_code == 200 and r["Content-Type"].startswith("text/plain")
    assert f"bao-cao-nhat-ky-{timezone.localdate():%Y-%m-%d}.txt" in r["Content-Disposition"]
    text = r.content.decode("utf-8")
    assert head in text and "NGUYÊN VẸN" in text
    e = AuditEntry.objects.get(action="audit.daily_export")
    assert e.user == users["leader"] and e.changes == {"head": head}
    r = client.get(url, {"ngay": "31/02/2026"})
    assert r.status_code == 200 and "Ngày không hợp lệ" in r.content.decode()
    tomorrow = (timezone.localdate() + dt.timedelta(days=1)).strftime("%d/%m/%Y")
    r = client.get(url, {"ngay": tomorrow, "tai": "1"})
    assert r.status_code == 200 and "Chưa đến ngày này" in r.content.decode()
    assert AuditEntry.objects.filter(action="audit.daily_export").count() == 1
    client.force_login(users["prosecutor"])
    assert client.get(url).status_code == 403


def test_the_daily_command_prints_or_writes_the_report(db, tmp_path):
    import datetime as dt

    from django.utils import timezone

    _entries(3)
    out = io.StringIO()
    call_command("audit", "daily", stdout=out)
    assert services.head()["hash"] in out.getvalue() and "Số bản ghi trong ngày: 3" in out.getvalue()
    call_command("audit", "daily", "--date", timezone.localdate().strftime("%d/%m/%Y"), "--to", str(tmp_path / "usb"),
                 stdout=io.StringIO())
    f = tmp_path / "usb" / f"bao-cao-nhat-ky-{timezone.localdate():%Y-%m-%d}.txt"
    assert services.head()["hash"] in f.read_text(encoding="utf-8")
    for bad, msg in [("32/13/2026", "không hợp lệ"), ((timezone.localdate() + dt.timedelta(days=1)).strftime("%d/%m/%Y"),
                                                     "Chưa đến ngày")]:
        with pytest.raises(CommandError, match=msg):
            call_command("audit", "daily", "--date", bad)
