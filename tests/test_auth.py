"""Logging in: every page needs it, wrong passwords lock the account, passwords have a policy."""

import pytest
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError

from kiemsat.audit.models import AuditEntry

from .conftest import PASSWORD


def _login(client, password):
    return client.post("/dang-nhap/", {"username": "ksv1", "password": password})


def test_good_login_goes_to_the_dashboard_and_is_audited(client, users):
    r = _login(client, PASSWORD)
    assert r.status_code == 302 and r["Location"] == "/"
    assert AuditEntry.objects.filter(action="login", username="ksv1").exists()


def test_five_failures_lock_the_account_with_a_clear_message(client, users):
    for _ in range(5):
        r = _login(client, "sai-mat-khau-123")
    r = _login(client, PASSWORD)  # even the right password is refused while locked
    html = r.content.decode()
    assert "khóa" in html and "15 phút" in html
    assert "_auth_user_id" not in client.session
    assert AuditEntry.objects.filter(action="login_failed").count() >= 5


@pytest.mark.parametrize("pw", ["ngan-qua", "password123456", "123456789012"])
def test_weak_passwords_are_refused(pw, users):
    with pytest.raises(ValidationError):
        validate_password(pw, users["prosecutor"])


def test_a_good_password_passes(users):
    validate_password("Ngay-dong-thang-gia-2025", users["prosecutor"])


def test_logout_needs_post_and_ends_the_session(client, users):
    client.force_login(users["prosecutor"])
    client.post("/dang-xuat/")
    assert client.get("/so-thu-ly/").status_code == 302
