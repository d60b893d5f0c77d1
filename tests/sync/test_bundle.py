"""Offline sync by file: round trip, idempotent re-import, refusals (tampered, unknown unit, old bundle)."""

import json

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from kiemsat.audit.models import AuditEntry
from kiemsat.cases.models import Case, Event
from kiemsat.cases import services as case_services
from kiemsat.org.models import User
from kiemsat.sync import keys, services
from kiemsat.sync.models import BundleImport, SyncedRecord

from .conftest import D, forget_unit_data, snapshot


def _export(usb, **kw):
    path, log = services.export_bundle(actor=None, to_dir=usb, **kw)
    return path.read_bytes(), log


def test_round_trip(unit, unit_cases, identity, usb):
    before = snapshot([unit.pk])
    data, log = _export(usb)
    assert log.counts["cases"] == 2 and log.counts["events"] == 5
    assert b"Nguy" not in data  # encrypted: no name in clear on the stick
    forget_unit_data(unit)
    assert Case.objects.count() == 0
    bi = services.import_bundle(actor=None, data=data, filename="a.kiemsat-sync")
    assert bi.counts["cases"]["created"] == 2 and bi.counts["events"]["created"] == 5
    after = snapshot([unit.pk])
    # the assigned prosecutor arrives as an inactive account that cannot log in
    assert [c.pop("assigned") for c in after] == ["Lê Đức Anh", None]
    [c.pop("assigned") for c in before]
    assert after == before
    ghost = User.objects.get(username="KV-AL.ksv1")
    assert not ghost.is_active and not ghost.has_usable_password()
    # summaries and digests are rebuilt at the province: the findings scan sees the cases
    c = Case.objects.get(person_name="Nguyễn Văn Đức")
    assert c.so_thu_ly == "12/2026/TLHS-XLHC" and c.digest.packed
    assert AuditEntry.objects.filter(action="sync.import").count() == 1
    assert AuditEntry.objects.filter(action="sync.export").count() == 1


def test_reimport_changes_nothing(unit, unit_cases, identity, usb):
    data, _ = _export(usb)
    forget_unit_data(unit)
    services.import_bundle(actor=None, data=data)
    state = (list(Case.objects.order_by("pk").values()), list(Event.objects.order_by("pk").values()),
             Case.history.count(), Event.history.count(), SyncedRecord.objects.count(), User.objects.count())
    bi = services.import_bundle(actor=None, data=data)
    assert (list(Case.objects.order_by("pk").values()), list(Event.objects.order_by("pk").values()),
            Case.history.count(), Event.history.count(), SyncedRecord.objects.count(), User.objects.count()) == state
    assert bi.counts["cases"] == {"created": 0, "updated": 0, "unchanged": 2, "deleted": 0}
    assert "không có thay đổi" in AuditEntry.objects.filter(action="sync.import").order_by("id").last().summary


def test_later_bundle_updates_and_older_is_refused(unit, unit_cases, identity, usb, users):
    first, _ = _export(usb)
    hoa = unit_cases[1]
    case_services.record_event(actor=None, case=hoa, code="accepted", date=D(2026, 5, 5), number="40/2026/TLHS-XLHC")
    duc = unit_cases[0]
    case_services.delete_event(actor=None, event=duc.events.get(code="session_held"))
    second, _ = _export(usb)
    before = snapshot([unit.pk])
    forget_unit_data(unit)
    services.import_bundle(actor=None, data=first)
    bi = services.import_bundle(actor=None, data=second)
    assert bi.counts["cases"]["updated"] == 2 and bi.counts["cases"]["unchanged"] == 0
    assert bi.counts["events"]["created"] == 1 and bi.counts["events"]["deleted"] == 1
    assert [{**c, "assigned": None} for c in snapshot([unit.pk])] == [{**c, "assigned": None} for c in before]
    assert Case.objects.get(person_name="Trần Thị Hoa").so_thu_ly == "40/2026/TLHS-XLHC"
    with pytest.raises(services.BundleError, match="cũ hơn gói đã nhập"):
        services.import_bundle(actor=None, data=first)
    assert BundleImport.objects.count() == 2


def test_unknown_unit_refused(unit, unit_cases, identity, usb):
    data, _ = _export(usb)
    forget_unit_data(unit)
    from kiemsat.sync.models import UnitKey

    UnitKey.objects.all().delete()
    with pytest.raises(services.BundleError, match="chưa được đăng ký") as exc:
        services.import_bundle(actor=None, data=data)
    assert "KV-AL" in str(exc.value)
    assert Case.objects.count() == 0 and BundleImport.objects.count() == 0


def test_deactivated_unit_refused(unit, unit_cases, identity, usb, province):
    data, _ = _export(usb)
    uk = province("KV-AL")
    services.deactivate_unit_key(actor=None, uk=uk)
    with pytest.raises(services.BundleError, match="chưa được đăng ký"):
        services.import_bundle(actor=None, data=data)


def test_tampered_ciphertext_refused(unit, unit_cases, identity, usb):
    data, _ = _export(usb)
    forget_unit_data(unit)
    bad = bytearray(data)
    bad[len(bad) // 2] ^= 0x01
    with pytest.raises(services.BundleError, match="Không giải mã được"):
        services.import_bundle(actor=None, data=bytes(bad))
    assert Case.objects.count() == 0


def test_changed_payload_refused(unit, unit_cases, identity, usb, reopen, reseal):
    """Anyone may encrypt to the province: a payload changed and re-encrypted must not pass."""
    data, _ = _export(usb)
    forget_unit_data(unit)
    m = reopen(data)
    payload = json.loads(m["payload.json"])
    payload["cases"][0]["person_name"] = "Người Bị Sửa"
    m["payload.json"] = json.dumps(payload).encode()
    with pytest.raises(services.BundleError, match="không khớp với bản kê đã ký"):
        services.import_bundle(actor=None, data=reseal(m))
    assert Case.objects.count() == 0


def test_changed_manifest_refused(unit, unit_cases, identity, usb, reopen, reseal):
    data, _ = _export(usb)
    forget_unit_data(unit)
    m = reopen(data)
    manifest = json.loads(m["manifest.json"])
    payload = json.loads(m["payload.json"])
    payload["cases"][0]["person_name"] = "Người Bị Sửa"
    m["payload.json"] = json.dumps(payload).encode()
    manifest["members"]["payload.json"] = services.fmt.sha256(m["payload.json"])  # hashes fixed, signature not
    m["manifest.json"] = json.dumps(manifest).encode()
    with pytest.raises(services.BundleError, match="Chữ ký của gói không hợp lệ"):
        services.import_bundle(actor=None, data=reseal(m))
    assert Case.objects.count() == 0


def test_signed_by_another_key_refused(unit, unit_cases, identity, usb, reopen, reseal):
    data, _ = _export(usb)
    forget_unit_data(unit)
    m = reopen(data)
    m["manifest.sig"] = Ed25519PrivateKey.generate().sign(m["manifest.json"])
    with pytest.raises(services.BundleError, match="Chữ ký của gói không hợp lệ"):
        services.import_bundle(actor=None, data=reseal(m))
    assert Case.objects.count() == 0


def test_not_for_this_province(unit, unit_cases, identity, usb, settings, tmp_path):
    data, _ = _export(usb)
    settings.KIEMSAT_SYNC_DIR = str(tmp_path / "another-province")
    keys.province_identity()
    with pytest.raises(services.BundleError, match="Không giải mã được"):
        services.import_bundle(actor=None, data=data)


def test_fields_that_go_up_are_a_setting(unit, unit_cases, identity, usb, settings, reopen):
    settings.KIEMSAT_SYNC_CASE_FIELDS = ("person_name", "measure", "birth_year", "sex")
    settings.KIEMSAT_SYNC_STAFF = False
    data, _ = _export(usb)
    payload = json.loads(reopen(data)["payload.json"])
    row = payload["cases"][0]
    assert "id_number" not in row and "notes" not in row and row["assigned_to"] is None and payload["staff"] == []
    forget_unit_data(unit)
    services.import_bundle(actor=None, data=data)
    c = Case.objects.get(person_name="Nguyễn Văn Đức")
    assert c.id_number == "" and c.notes == "" and c.assigned_to is None and c.so_thu_ly == "12/2026/TLHS-XLHC"


def test_predecessor_unit_keeps_its_cases(unit, make_case, identity, usb, court):
    """Cases of the unit a reformed unit succeeded travel with it and keep their (old) unit."""
    from kiemsat.org.models import Unit

    old = Unit.objects.create(name="Viện kiểm sát nhân dân huyện Cũ", successor=unit, valid_to=D(2025, 6, 30))
    make_case("Lý Văn Cũ", unit_=old, events=[{"code": "court_received", "date": D(2025, 3, 3)}])
    data, log = _export(usb)
    assert log.counts["cases"] == 1
    Case.objects.all().delete()
    old.delete()
    services.import_bundle(actor=None, data=data)
    c = Case.objects.get(person_name="Lý Văn Cũ")
    assert c.unit.name == "Viện kiểm sát nhân dân huyện Cũ" and c.unit.successor_id == unit.pk
    again = services.import_bundle(actor=None, data=data)
    assert Unit.objects.filter(name="Viện kiểm sát nhân dân huyện Cũ").count() == 1
    assert again.counts["cases"]["unchanged"] == 1


def test_keys_are_files_not_readable_by_others(identity, settings):
    import os
    import stat

    p = keys.signing_key_path(identity.code)
    assert p.exists() and stat.S_IMODE(os.stat(p).st_mode) == 0o600
    assert stat.S_IMODE(os.stat(keys.province_identity_path()).st_mode) == 0o600


def test_export_needs_setup(unit, users, usb):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError, match="chưa thiết lập"):
        services.export_bundle(actor=None, to_dir=usb)
    services.set_identity(actor=None, unit=unit, code="KV-AL")
    with pytest.raises(ValidationError, match="Chưa có khóa nhận"):
        services.export_bundle(actor=None, to_dir=usb)
    with pytest.raises(ValidationError, match="age1"):
        services.set_identity(actor=None, recipient="khong-phai-khoa")


def test_a_bundle_stamps_again_what_it_wrote_and_nothing_else(unit, unit_cases, identity, usb, monkeypatch):
    """Like an import: the cases a bundle created or changed carry the stamp of its end (other
    processes' caches look back only a little before their last look); unchanged ones keep theirs."""
    from django.utils import timezone

    from kiemsat.cases import selectors as csel

    data, _ = _export(usb)
    forget_unit_data(unit)
    monkeypatch.setattr(csel, "CHANGE_OVERLAP_SECONDS", 0)  # every case counts as written "long ago"
    seen, called_at = [], []
    real = services.restamp
    monkeypatch.setattr(services, "restamp",
                        lambda ids: seen.append(sorted(ids)) or called_at.append(timezone.now()) or real(seen[-1]))
    services.import_bundle(actor=None, data=data)
    made = sorted(Case.objects.values_list("pk", flat=True))
    assert seen == [made] and len(made) == 2
    assert all(c.updated_at >= called_at[0] for c in Case.objects.all())
    stamps = dict(Case.objects.values_list("pk", "updated_at"))
    services.import_bundle(actor=None, data=data)  # the same bundle again: nothing written, nothing stamped
    assert seen[-1] == [] and dict(Case.objects.values_list("pk", "updated_at")) == stamps
