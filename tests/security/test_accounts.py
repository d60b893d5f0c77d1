"""Accounts: lockout with a clear message, administrators unlock / reset / disable, idle timeout,
password policy, and people's names shown escaped (XSS)."""

import datetime as dt

import pytest
from django.conf import settings
from django.contrib.sessions.models import Session
from django.urls import reverse
from django.utils import timezone

from kiemsat.audit.models import AuditEntry
from kiemsat.org.models import User

from ..conftest import PASSWORD


def login(client, username, password=PASSWORD):
    return client.post(reverse("login"), {"username": username, "password": password})


def lock(client, username):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        login(client, username, "sai-mat-khau-12345")


def test_locked_account_message_says_why_and_for_how_long(client, users):
    lock(client, "ksv1")
    r = login(client, "ksv1")
    html = r.content.decode()
    assert r.status_code in (200, 403, 429) and "_auth_user_id" not in client.session
    assert "5 lần" in html and "15 phút" in html and "quản trị" in html


def test_admin_unlocks_a_locked_account(client, users):
    lock(client, "ksv1")
    admin = client.__class__()
    admin.force_login(users["admin"])
    r = admin.get("/quan-tri/org/user/")
    assert "Đang bị khóa" in r.content.decode()
    r = admin.post("/quan-tri/org/user/", {"action": "unlock", "_selected_action": [users["prosecutor"].pk]}, follow=True)
    assert "Đã mở khóa 1 tài khoản" in r.content.decode()
    assert login(client, "ksv1").status_code == 302
    assert AuditEntry.objects.filter(action="user.unlock", object_id=str(users["prosecutor"].pk)).exists()


def test_admin_resets_a_password_shown_once_and_never_logged(client, users):
    admin = client.__class__()
    admin.force_login(users["admin"])
    r = admin.post("/quan-tri/org/user/", {"action": "reset_password", "_selected_action": [users["prosecutor"].pk]},
                   follow=True)
    html = r.content.decode()
    temp = html.split("ksv1: ")[1].split("<")[0].split(";")[0].strip()
    assert len(temp) >= 12
    assert login(client, "ksv1").status_code == 200  # the old password no longer works
    assert login(client, "ksv1", temp).status_code == 302
    e = AuditEntry.objects.get(action="user.password_reset")
    assert temp not in e.summary and temp not in str(e.changes)


def test_admin_disables_a_user_and_their_session_ends(client, users):
    login(client, "ksv1")
    assert client.get(reverse("register")).status_code == 200
    admin = client.__class__()
    admin.force_login(users["admin"])
    admin.post("/quan-tri/org/user/", {"action": "disable", "_selected_action": [users["prosecutor"].pk]})
    assert not User.objects.get(pk=users["prosecutor"].pk).is_active
    assert client.get(reverse("register")).status_code == 302
    assert login(client, "ksv1").status_code == 200
    assert AuditEntry.objects.filter(action="user.disable").exists()


def test_staff_cannot_use_the_admin_actions(client, users):
    client.force_login(users["leader"])
    r = client.post("/quan-tri/org/user/", {"action": "disable", "_selected_action": [users["prosecutor"].pk]})
    assert r.status_code == 302 and "/quan-tri/login/" in r["Location"]
    assert User.objects.get(pk=users["prosecutor"].pk).is_active


def test_session_ends_after_30_idle_minutes_and_slides_while_active(client, users):
    assert settings.SESSION_COOKIE_AGE == 30 * 60
    login(client, "ksv1")
    key = client.session.session_key
    # 29 minutes idle: still in, and the activity pushes the end back to 30 minutes from now
    Session.objects.filter(pk=key).update(expire_date=timezone.now() + dt.timedelta(minutes=1))
    assert client.get(reverse("register")).status_code == 200
    left = Session.objects.get(pk=key).expire_date - timezone.now()
    assert dt.timedelta(minutes=29) < left <= dt.timedelta(minutes=30)
    # active again within the minute: the session is not written again (no write per page view)
    stamp = Session.objects.get(pk=key).expire_date
    assert client.get(reverse("register")).status_code == 200
    assert Session.objects.get(pk=key).expire_date == stamp
    # 31 minutes idle: out
    Session.objects.filter(pk=key).update(expire_date=timezone.now() - dt.timedelta(minutes=1))
    r = client.get(reverse("register"))
    assert r.status_code == 302 and r["Location"].startswith(reverse("login"))


@pytest.mark.parametrize("pw", ["ngan-qua-1", "qwerty123456", "1qaz2wsx3edc", "123456789012"])
def test_admin_cannot_set_a_weak_password(client, users, unit, pw):
    client.force_login(users["admin"])
    r = client.post("/quan-tri/org/user/add/", {"username": "moi", "full_name": "Người Mới", "role": "prosecutor",
                                                "unit": unit.pk, "password1": pw, "password2": pw})
    assert r.status_code == 200 and not User.objects.filter(username="moi").exists()


XSS = '<script>alert("x")</script><img src=x onerror=alert(1)>'


def test_names_with_markup_are_shown_escaped(client, users, make_case):
    case = make_case(XSS + " Nguyễn Văn Đức", note=XSS)
    client.force_login(users["leader"])
    pages = [reverse("register"), reverse("case_detail", args=[case.pk]), reverse("case_history", args=[case.pk]),
             reverse("search") + "?q=Đức", reverse("audit_log")]
    for url in pages:
        html = client.get(url).content.decode()
        assert "<script>alert" not in html and "<img src=x onerror" not in html, url
    assert "&lt;script&gt;alert" in client.get(reverse("case_detail", args=[case.pk])).content.decode()
