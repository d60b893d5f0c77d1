"""Optional two-step verification (TOTP) for administrators."""

import pyotp
from django.urls import reverse

from kiemsat.audit.models import AuditEntry
from kiemsat.web.models import TOTPDevice

from ..conftest import PASSWORD


def _code(secret, offset=0):
    import time

    return pyotp.TOTP(secret).at(time.time() + offset)


def test_admin_turns_it_on_with_an_inline_qr_and_then_needs_the_code(client, users):
    client.force_login(users["admin"])
    url = reverse("admin:totp_setup")
    html = client.get(url).content.decode()
    assert "Thiết lập xác thực hai lớp" in html
    html = client.post(url, {"action": "start"}).content.decode()
    assert "<svg" in html and "<img" not in html.split("content-main")[1]
    dev = TOTPDevice.objects.get(user=users["admin"])
    r = client.post(url, {"action": "confirm", "otp": "000000" if _code(dev.secret) != "000000" else "111111"})
    dev.refresh_from_db()
    assert not dev.confirmed
    client.post(url, {"action": "confirm", "otp": _code(dev.secret)})
    dev.refresh_from_db()
    assert dev.confirmed and AuditEntry.objects.filter(action="user.totp").exists()

    client.logout()
    r = client.post(reverse("login"), {"username": "quantri", "password": PASSWORD})
    assert r.status_code == 200 and "Xác thực hai lớp" in r.content.decode()
    assert "_auth_user_id" not in client.session  # the password alone does not log in
    r = client.post(reverse("login"), {"otp": "12345"})
    assert "Mã không đúng" in r.content.decode() and "_auth_user_id" not in client.session
    r = client.post(reverse("login"), {"otp": _code(dev.secret, 30)})  # next window: accepted (clock drift)
    assert r.status_code == 302 and client.session["_auth_user_id"] == str(users["admin"].pk)


def test_a_code_cannot_be_sent_without_the_password_first(client, users):
    dev = TOTPDevice.objects.create(user=users["admin"], secret=pyotp.random_base32(), confirmed=True)
    r = client.post(reverse("login"), {"otp": _code(dev.secret)})
    assert r.status_code == 302 and "_auth_user_id" not in client.session


def test_too_many_wrong_codes_start_over(client, users):
    TOTPDevice.objects.create(user=users["admin"], secret=pyotp.random_base32(), confirmed=True)
    client.post(reverse("login"), {"username": "quantri", "password": PASSWORD})
    for _ in range(5):
        r = client.post(reverse("login"), {"otp": "999999x"})
    assert r.status_code == 302 and "kiemsat_otp_pending" not in client.session


def test_accounts_without_it_log_in_with_the_password_only(client, users):
    r = client.post(reverse("login"), {"username": "ksv1", "password": PASSWORD})
    assert r.status_code == 302


def test_admin_removes_a_lost_phone(client, users):
    TOTPDevice.objects.create(user=users["leader"], secret=pyotp.random_base32(), confirmed=True)
    client.force_login(users["admin"])
    client.post("/quan-tri/org/user/", {"action": "remove_totp", "_selected_action": [users["leader"].pk]})
    assert not TOTPDevice.objects.filter(user=users["leader"]).exists()
