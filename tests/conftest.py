import datetime as dt

import pytest

from kiemsat.org.models import Agency, Court, Role, Unit, User

PASSWORD = "mat-khau-thu-nghiem-2025"


@pytest.fixture(autouse=True)
def _fast_hasher(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def unit(db):
    return Unit.objects.create(name="Viện kiểm sát nhân dân huyện An Lạc", short_name="VKS An Lạc")


@pytest.fixture
def other_unit(db):
    return Unit.objects.create(name="Viện kiểm sát nhân dân huyện Bình Sơn", short_name="VKS Bình Sơn")


@pytest.fixture
def court(db):
    return Court.objects.create(name="Tòa án nhân dân huyện An Lạc")


@pytest.fixture
def agency(db):
    return Agency.objects.create(name="Phòng LĐTBXH huyện An Lạc", kind=Agency.Kind.LDTBXH)


@pytest.fixture
def make_user(db, unit):
    def make(username, role, unit_=None, **kw):
        u = User(username=username, full_name=kw.pop("full_name", username), role=role,
                 unit=unit if unit_ is None else unit_, **kw)
        u.set_password(PASSWORD)
        u.save()
        return u

    return make


@pytest.fixture
def users(make_user, other_unit):
    return {
        "leader": make_user("lanhdao", Role.LEADER, full_name="Nguyễn Thị Hồng"),
        "prosecutor": make_user("ksv1", Role.PROSECUTOR, full_name="Lê Đức Anh"),
        "inspector": make_user("ktv1", Role.INSPECTOR, full_name="Đỗ Minh Quân"),
        "specialist": make_user("cv1", Role.SPECIALIST, full_name="Vũ Ngọc Lan"),
        "execution": make_user("thihanh", Role.EXECUTION, full_name="Hoàng Văn Sơn"),
        "admin": make_user("quantri", Role.ADMIN, full_name="Bùi Quang Huy"),
        "other_leader": make_user("lanhdao2", Role.LEADER, other_unit, full_name="Trần Văn Khác"),
    }


@pytest.fixture
def make_case(db, unit, court, agency):
    from kiemsat.cases import services

    def make(name="Nguyễn Văn Đức", assigned=None, events=None, unit_=None, **data):
        payload = {"person_name": name, "measure": data.pop("measure", "CSCNBB"), "court": court, "proposer": agency,
                   "assigned_to": assigned, **data}
        case, _ = services.create_case(actor=None, unit=unit_ or unit, data=payload, events=events or [])
        return case

    return make


D = dt.date
