"""Administrators manage users and reference data; nobody else can."""

from kiemsat.audit.models import AuditEntry
from kiemsat.org.models import Court, User


def test_admin_manages_users_and_courts(client, users, unit):
    client.force_login(users["admin"])
    assert client.get("/quan-tri/").status_code == 200
    assert client.get("/quan-tri/org/user/").status_code == 200
    r = client.post("/quan-tri/org/court/add/", {"name": "Tòa án nhân dân khu vực 5", "short_name": "TAND KV5",
                                                  "valid_from": "01/07/2025", "valid_to": ""})
    assert r.status_code == 302, r.content.decode()[:2000]
    assert Court.objects.filter(name="Tòa án nhân dân khu vực 5").exists()
    assert AuditEntry.objects.filter(action="admin.add", summary__contains="Tòa án nhân dân khu vực 5").exists()
    u = users["specialist"]
    r = client.post(f"/quan-tri/org/user/{u.pk}/change/", {
        "username": u.username, "full_name": u.full_name, "title": "", "role": "prosecutor", "unit": unit.pk,
        "email": "", "is_active": "", "date_joined_0": "01/01/2025", "date_joined_1": "08:00:00"})
    assert r.status_code == 302, r.content.decode()[:3000]
    u.refresh_from_db()
    assert u.role == "prosecutor" and not u.is_active


def test_nobody_else_reaches_the_admin(client, users):
    for role in ("leader", "prosecutor", "execution"):
        client.force_login(users[role])
        r = client.get("/quan-tri/org/user/")
        assert r.status_code == 302 and "/quan-tri/login/" in r["Location"]
    assert User.objects.count() == 7


def test_admin_cannot_delete_people(client, users):
    client.force_login(users["admin"])
    u = users["specialist"]
    assert client.get(f"/quan-tri/org/user/{u.pk}/delete/").status_code in (302, 403)
    assert User.objects.filter(pk=u.pk).exists()
