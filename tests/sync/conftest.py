import datetime as dt

import pytest


D = dt.date


@pytest.fixture(autouse=True)
def _sync_dir(settings, tmp_path):
    settings.KIEMSAT_SYNC_DIR = str(tmp_path / "keys")


@pytest.fixture
def usb(tmp_path):
    d = tmp_path / "usb"
    d.mkdir()
    return d


@pytest.fixture
def unit_cases(make_case, users):
    """Two cases of the unit, one decided, with every kind of event field."""
    a = make_case("Nguyễn Văn Đức", assigned=users["prosecutor"], events=[
        {"code": "court_received", "date": D(2026, 3, 2)},
        {"code": "accepted", "date": D(2026, 3, 3), "number": "12/2026/TLHS-XLHC"},
        {"code": "session_held", "date": D(2026, 3, 10), "prosecutor_present": True},
        {"code": "decision", "date": D(2026, 3, 10), "number": "12/2026/QĐ-XLHC", "outcome": "apply",
         "term_months": 12, "received": D(2026, 3, 12)},
    ], id_number="031099001234", notes="ghi chú nội bộ")
    b = make_case("Trần Thị Hoa", measure="CSGDBB", events=[
        {"code": "court_received", "date": D(2026, 5, 4)},
    ])
    return [a, b]


@pytest.fixture
def province(unit):
    """The province's side: its decryption key exists; returns a function registering a unit code."""
    from kiemsat.sync import keys

    keys.province_identity()  # made on first use

    def register(code, unit_=None, public=None):
        from kiemsat.sync.models import UnitKey

        u = unit_ or unit
        pub = public or keys.public_text(keys.signing_key(code))
        return UnitKey.objects.update_or_create(code=code, defaults={"unit": u, "public_key": pub, "active": True})[0]

    return register


@pytest.fixture
def identity(unit, province):
    from kiemsat.sync import keys, services

    ident = services.set_identity(actor=None, unit=unit, code="KV-AL", recipient=keys.province_recipient())
    province("KV-AL")  # the province registered the unit's public key
    return ident


def snapshot(unit_ids):
    """The cases of some units as plain data, ids left out (what must survive the trip)."""
    from kiemsat.cases.models import Case

    out = []
    for c in Case.objects.filter(unit_id__in=unit_ids).order_by("person_name").prefetch_related("events"):
        out.append({
            "unit": c.unit.name, "court": c.court.name if c.court else None,
            "proposer": c.proposer.name if c.proposer else None, "person_name": c.person_name,
            "measure": c.measure, "id_number": c.id_number, "notes": c.notes, "so_thu_ly": c.so_thu_ly,
            "stage": c.stage, "year": c.year, "outcome": c.outcome, "term_months": c.term_months,
            "assigned": c.assigned_to.full_name if c.assigned_to else None,
            "events": sorted((e.code, e.date, e.received, e.number, e.outcome, e.term_months, e.prosecutor_present)
                             for e in c.events.all()),
        })
    return out


def forget_unit_data(unit):
    """What the province has before any import: the unit exists, its cases do not."""
    from kiemsat.cases.models import Case

    Case.objects.filter(unit=unit).delete()


@pytest.fixture
def reopen():
    """Decrypt a bundle with the province key: (manifest bytes, signature, payload bytes, other members)."""
    import io
    import zipfile

    import pyrage

    from kiemsat.sync import keys

    def do(data: bytes):
        plain = pyrage.decrypt(data, [keys.province_identity()])
        z = zipfile.ZipFile(io.BytesIO(plain))
        return {n: z.read(n) for n in z.namelist()}

    return do


@pytest.fixture
def reseal():
    """Re-pack members (possibly altered) into a bundle encrypted to the province — what anyone can do."""
    import io
    import zipfile

    import pyrage

    from kiemsat.sync import keys

    def do(members: dict) -> bytes:
        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w") as z:
            for n, b in members.items():
                z.writestr(n, b)
        return pyrage.encrypt(buf.getvalue(), [keys.province_identity().to_public()])

    return do
