"""Fictional, realistic demo data: a unit (with its pre-July-2025 predecessor), its courts and
proposing agencies, its staff accounts, and cases at every stage including some late steps.

Fast: cases and events are bulk-inserted (100,000 cases in well under a minute on SQLite).
"""

from __future__ import annotations

import datetime as dt
import random

from django.db import transaction
from django.db.models import Count, Max

from kiemsat.domain.events import Measure, Outcome
from kiemsat.org.models import Agency, Court, Role, Unit, User

from .models import Case, CaseDigest, Event
from .services import digest, summarize

DEMO_PASSWORD = "kiemsat-demo-2025"

FAMILY = ["Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Huỳnh", "Phan", "Vũ", "Võ", "Đặng", "Bùi", "Đỗ", "Hồ", "Ngô",
          "Dương", "Lý", "Đào", "Đinh", "Lương", "Trịnh", "Mai", "Tô", "Cao", "Lâm"]
MIDDLE_M = ["Văn", "Đức", "Minh", "Quang", "Hữu", "Đình", "Công", "Thành", "Xuân", "Tiến", "Ngọc", "Mạnh"]
MIDDLE_F = ["Thị", "Thu", "Ngọc", "Thanh", "Kim", "Minh"]
GIVEN_M = ["Anh", "Bình", "Cường", "Dũng", "Đức", "Đạt", "Giang", "Hải", "Hiếu", "Hùng", "Huy", "Khánh", "Long",
           "Mạnh", "Nam", "Nghĩa", "Phong", "Phúc", "Quân", "Sơn", "Tâm", "Thắng", "Thành", "Toàn", "Trung", "Tuấn",
           "Tùng", "Việt", "Vinh", "Ân", "Ơn", "Ước", "Ẩn"]
GIVEN_F = ["Hà", "Hằng", "Hoa", "Lan", "Linh", "Mai", "Nga", "Ngân", "Oanh", "Phương", "Thảo", "Trang", "Yến"]
COMMUNES = ["xã Tân Lập", "xã Lưu Kiếm", "xã Kiền Bái", "thị trấn Núi Đèo", "xã Hoa Động", "xã Lập Lễ", "xã Thủy Đường",
            "xã Minh Đức", "xã Phục Lễ", "phường Đông Hải"]

STAFF = [
    ("lanhdao", "Nguyễn Thị Hồng", Role.LEADER, "Viện trưởng"),
    ("phovt", "Trần Văn Bảo", Role.LEADER, "Phó Viện trưởng"),
    ("ksv1", "Lê Đức Anh", Role.PROSECUTOR, "Kiểm sát viên"),
    ("ksv2", "Phạm Thu Trang", Role.PROSECUTOR, "Kiểm sát viên"),
    ("ktv1", "Đỗ Minh Quân", Role.INSPECTOR, "Kiểm tra viên"),
    ("cv1", "Vũ Ngọc Lan", Role.SPECIALIST, "Chuyên viên"),
    ("thihanh", "Hoàng Văn Sơn", Role.EXECUTION, "Kiểm sát viên – Tổ kiểm sát thi hành"),
    ("quantri", "Bùi Quang Huy", Role.ADMIN, "Quản trị hệ thống"),
]

REFORM = dt.date(2025, 7, 1)
LDTBXH_END = dt.date(2025, 2, 28)


def _wd(d: dt.date, n: int) -> dt.date:
    """n weekdays after d (demo data only; the engine uses the real calendar)."""
    while n > 0:
        d += dt.timedelta(days=1)
        if d.weekday() < 5:
            n -= 1
    return d


# The districts of the multi-unit demo (`demo-data --units N`): fictional names; each district's
# VKSND huyện became VKSND khu vực N on 01/07/2025 (the first one is the single-unit demo's An Lạc).
DISTRICTS = ["An Lạc", "Bạch Đằng", "Cát Hải", "Đông Triều", "Hà Nam", "Kiến Thụy", "Lạch Tray", "Minh Tân",
             "Ngũ Lão", "Phù Liễn", "Quang Trung", "Sông Giá", "Tam Cường", "Thủy Nguyên", "Vĩnh Bảo", "Yên Hưng"]
PARENT = "VIỆN KIỂM SÁT NHÂN DÂN THÀNH PHỐ HẢI PHÒNG"


def ensure_reference_data(index: int | None = None):
    """The demo unit, courts, agencies and staff (idempotent). Returns (unit_old, unit_new, courts, agencies, staff).

    `index` None is the single-unit demo (VKSND khu vực 3, accounts lanhdao, ksv1…); an integer i ≥ 1 is the
    i-th unit of the multi-unit demo (VKSND khu vực i, district DISTRICTS[i-1], accounts kv<i>.lanhdao…)."""
    if index is None:
        kv, district, prefix = 3, "An Lạc", ""
    else:
        kv = index
        district = DISTRICTS[(index - 1) % len(DISTRICTS)] + ("" if index <= len(DISTRICTS) else f" {index}")
        prefix = f"kv{index}."
    new_unit, _ = Unit.objects.get_or_create(
        name=f"Viện kiểm sát nhân dân khu vực {kv} – Hải Phòng",
        defaults=dict(short_name=f"VKSND KV{kv}", parent_name=PARENT,
                      symbol=f"VKSKV{kv}", place=district, valid_from=REFORM),
    )
    old_unit, _ = Unit.objects.get_or_create(
        name=f"Viện kiểm sát nhân dân huyện {district}",
        defaults=dict(short_name=f"VKSND huyện {district}", parent_name=PARENT,
                      symbol=f"VKS-{''.join(w[0] for w in district.split())}", place=district,
                      valid_to=REFORM - dt.timedelta(days=1), successor=new_unit),
    )
    new_court, _ = Court.objects.get_or_create(name=f"Tòa án nhân dân khu vực {kv} – Hải Phòng",
                                               defaults=dict(short_name=f"TAND KV{kv}", valid_from=REFORM))
    old_court, _ = Court.objects.get_or_create(
        name=f"Tòa án nhân dân huyện {district}",
        defaults=dict(short_name=f"TAND huyện {district}", valid_to=REFORM - dt.timedelta(days=1), successor=new_court))
    ldtb, _ = Agency.objects.get_or_create(name=f"Phòng Lao động – Thương binh và Xã hội huyện {district}",
                                           defaults=dict(kind=Agency.Kind.LDTBXH, valid_to=LDTBXH_END))
    police, _ = Agency.objects.get_or_create(name=f"Công an huyện {district}",
                                             defaults=dict(kind=Agency.Kind.POLICE, valid_to=REFORM - dt.timedelta(days=1)))
    commune = "Tân Lập" if index is None else f"{district} (khu vực {kv})"
    police_new, _ = Agency.objects.get_or_create(name=f"Công an xã {commune}", defaults=dict(kind=Agency.Kind.POLICE,
                                                                                             valid_from=REFORM))
    staff = _ensure_staff(new_unit, prefix)
    return old_unit, new_unit, (old_court, new_court), (ldtb, police, police_new), staff


_HASHED: list[str] = []


def _ensure_staff(unit, prefix: str, roles=STAFF) -> list:
    from django.contrib.auth.hashers import make_password

    staff = []
    for username, full_name, role, title in roles:
        u = User.objects.filter(username=prefix + username).first()
        if u is None:
            if not _HASHED:  # one argon2 hash for every demo account
                _HASHED.append(make_password(DEMO_PASSWORD))
            u = User(username=prefix + username, full_name=full_name, role=role, title=title, unit=unit,
                     password=_HASHED[0])
            u.save()
        staff.append(u)
    return staff


PROVINCIAL_STAFF = [
    ("tinh.lanhdao", "Đinh Quang Vinh", Role.LEADER, "Phó Viện trưởng VKSND thành phố"),
    ("tinh.ksv", "Mai Thu Hà", Role.PROSECUTOR, "Kiểm sát viên – Phòng kiểm sát hành chính"),
]


def ensure_provincial_unit():
    """The provincial procuracy (reads every unit, read-only) and its two accounts."""
    unit, _ = Unit.objects.get_or_create(
        name="Viện kiểm sát nhân dân thành phố Hải Phòng",
        defaults=dict(short_name="VKSND TP Hải Phòng", parent_name="VIỆN KIỂM SÁT NHÂN DÂN TỐI CAO",
                      symbol="VKSHP", place="Hải Phòng", is_provincial=True),
    )
    return unit, _ensure_staff(unit, "", PROVINCIAL_STAFF)


def _person(rng: random.Random) -> tuple[str, str]:
    if rng.random() < 0.9:
        return f"{rng.choice(FAMILY)} {rng.choice(MIDDLE_M)} {rng.choice(GIVEN_M)}", "M"
    return f"{rng.choice(FAMILY)} {rng.choice(MIDDLE_F)} {rng.choice(GIVEN_F)}", "F"


def _case_events(rng: random.Random, start: dt.date, today: dt.date, measure: str, seq: int) -> tuple[list[dict], bool]:
    """A plausible procedure from detection on, cut at a random stage and at today."""
    late = rng.random() < 0.18  # some steps late
    ev: list[dict] = []

    def add(code, date, **kw):
        ev.append({"code": code, "date": date, **kw})

    d = start
    cscnbb = measure == Measure.CSCNBB
    if cscnbb:
        add("detected", d)
        d = _wd(d, rng.randint(2, 8 if late else 5))
        add("dossier_prepared", d)
        if rng.random() < 0.03:  # still with the proposing agency
            return [e for e in ev if e["date"] <= today], False
        d = _wd(d, rng.randint(4, 8))
        if d <= LDTBXH_END:
            add("ldtb_received", d)
        d = _wd(d, rng.randint(1, 4 if late else 2))
        add("transferred_to_court", d)
    else:
        d = _wd(d, rng.randint(5, 20))
        add("transferred_to_court", d)
    add("court_received", d)
    stop = rng.random()
    if stop < 0.03:
        return [e for e in ev if e["date"] <= today], False
    if stop < 0.05:
        add("court_returned", _wd(d, rng.randint(1, 3)))
        return [e for e in ev if e["date"] <= today], False
    acc = _wd(d, rng.randint(0, 3 if late else 1))
    year = acc.year
    add("accepted", acc, number=f"{seq:02d}/{year}/TLHS-XLHC")
    complex_case = rng.random() < 0.06
    if complex_case:
        add("complex_declared", _wd(acc, rng.randint(3, 8)))
    notice = _wd(acc, rng.randint(1, 5 if late else 2))
    add("acceptance_notice", notice, received=_wd(notice, rng.randint(0, 2)), number=f"{seq:02d}/TB-TA")
    if stop < 0.15:
        return [e for e in ev if e["date"] <= today], complex_case
    order = _wd(acc, rng.randint(2, 5))
    add("session_order", order, number=f"{seq:02d}/QĐ-MPH")
    session = _wd(order, rng.randint(2, 9 if late else 6))
    present = rng.random() > 0.04
    add("session_held", session, prosecutor_present=present)
    if stop < 0.22:
        return [e for e in ev if e["date"] <= today or e["code"] in ("session_order", "session_held")], complex_case
    r = rng.random()
    outcome = (Outcome.APPLY if r < 0.8 else Outcome.NOT_APPLY if r < 0.88 else Outcome.TERMINATE if r < 0.95
               else Outcome.SUSPEND)
    term = None
    if outcome == Outcome.APPLY:
        term = rng.choice([12, 18, 24]) if measure != Measure.TGD else rng.choice([6, 12, 18, 24])
    dec = session
    add("decision", dec, number=f"{seq:02d}/{dec.year}/QĐ-XLHC", outcome=outcome, term_months=term,
        received=_wd(dec, rng.randint(0, 5 if late else 2)))
    if outcome != Outcome.APPLY or stop < 0.3:
        return [e for e in ev if e["date"] <= today], complex_case
    eff = _wd(dec, 5) + dt.timedelta(days=1)
    add("effective", eff)
    if stop < 0.4:
        return [e for e in ev if e["date"] <= today], complex_case
    pol = _wd(eff, rng.randint(1, 5))
    add("police_received", pol)
    if stop < 0.5:
        return [e for e in ev if e["date"] <= today], complex_case
    if stop < 0.53:
        add("evasion", pol + dt.timedelta(days=rng.randint(1, 4)))
        return [e for e in ev if e["date"] <= today], complex_case
    add("delivered", pol + dt.timedelta(days=rng.randint(1, 12 if late else 5)), number=f"BB-{seq:03d}")
    return [e for e in ev if e["date"] <= today], complex_case


_CASE_COLS = ("id", "unit_id", "court_id", "proposer_id", "assigned_to_id", "person_name", "birth_year", "sex",
              "residence", "id_number", "measure", "vks_proposal", "complex", "notes", "source", "so_thu_ly",
              "thu_ly_date", "received_date", "year", "decision_date", "outcome", "term_months", "stage", "name_sort",
              "search_folded", "last_date", "done_date", "effective_floor", "created_at", "updated_at")
_EVENT_COLS = ("case_id", "code", "date", "received", "number", "outcome", "term_months", "prosecutor_present", "note",
               "created_at")


class _Ev:
    """A demo event before insertion: what services.summarize reads."""

    __slots__ = ("code", "date", "received", "end", "number", "outcome", "term_months", "prosecutor_present", "pk")

    def __init__(self, e: dict):
        self.code, self.date, self.received, self.end = e["code"], e["date"], e.get("received"), None
        self.number, self.outcome = e.get("number", ""), e.get("outcome", "") or ""
        self.term_months, self.prosecutor_present, self.pk = e.get("term_months"), e.get("prosecutor_present"), None


def _insert(table: str, cols: tuple[str, ...], rows: list[tuple]) -> None:
    """Plain multi-row INSERTs (COPY on PostgreSQL): the ORM's bulk_create spends most of its time compiling SQL."""
    from django.db import connection

    qn = connection.ops.quote_name
    with connection.cursor() as cur:
        if connection.vendor == "postgresql":
            with cur.cursor.copy(f"COPY {qn(table)} ({', '.join(qn(c) for c in cols)}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
            return
        sql = f"INSERT INTO {qn(table)} ({', '.join(qn(c) for c in cols)}) VALUES ({', '.join(['%s'] * len(cols))})"
        for i in range(0, len(rows), 5000):
            cur.executemany(sql, rows[i:i + 5000])


@transaction.atomic
def make_demo_data(n_cases: int = 70, seed: int = 2024, today: dt.date | None = None, batch: int = 20000) -> int:
    """Create the reference data and `n_cases` fictional cases. Returns the number of cases made."""
    return _make_cases(ensure_reference_data(), n_cases, random.Random(seed), today or dt.date.today(), batch)


def make_province_demo(units: int, cases_per_unit: int, seed: int = 2024, today: dt.date | None = None,
                       batch: int = 20000, progress=None) -> int:
    """A province: the provincial procuracy and `units` units (each with its pre-reform predecessor, courts,
    agencies and staff kv<i>.*), each with `cases_per_unit` cases. One transaction per unit, so a long load
    can be watched (`progress(i, made)`) and a failure loses one unit only. Returns the number of cases made."""
    today = today or dt.date.today()
    with transaction.atomic():
        ensure_provincial_unit()
    total = 0
    for i in range(1, units + 1):
        with transaction.atomic():
            total += _make_cases(ensure_reference_data(i), cases_per_unit, random.Random(seed * 1000 + i), today, batch)
        if progress:
            progress(i, total)
    return total


def _make_cases(ref, n_cases: int, rng: random.Random, today: dt.date, batch: int) -> int:
    from django.db import connection
    from django.utils import timezone

    old_unit, new_unit, (old_court, new_court), (ldtb, police, police_new), staff = ref
    district = old_unit.place or "An Lạc"
    case_staff = [u for u in staff if u.role in (Role.PROSECUTOR, Role.INSPECTOR, Role.SPECIALIST)]
    span_start = today - dt.timedelta(days=2 * 365 if n_cases <= 1000 else 6 * 365)
    span_days = max((today - dt.timedelta(days=10) - span_start).days, 1)
    seq_by_year: dict[int, int] = {}
    for y, n in (Case.objects.filter(so_thu_ly__gt="", court__in=(old_court, new_court)).values_list("year")
                 .annotate(n=Count("id"))):
        seq_by_year[y] = n + 1000  # keep clear of numbers already in the register
    ops = connection.ops
    d_ = ops.adapt_datefield_value
    now = ops.adapt_datetimefield_value(timezone.now())
    next_id = (Case.objects.aggregate(m=Max("id"))["m"] or 0) + 1
    made = 0
    while made < n_cases:
        size = min(batch, n_cases - made)
        case_rows, event_rows, digest_rows = [], [], []
        for _ in range(size):
            start = span_start + dt.timedelta(days=int(span_days * (rng.random() ** 0.8)))
            r = rng.random()
            measure = Measure.CSCNBB if r < 0.85 else Measure.CSGDBB if r < 0.92 else Measure.TGD
            evs, complex_case = _case_events(rng, start, today, measure, 0)
            acc = next((e for e in evs if e["code"] == "accepted"), None)
            if acc is not None:  # number the acceptance in its own year's sequence
                seq = seq_by_year[acc["date"].year] = seq_by_year.get(acc["date"].year, 0) + 1
                for e in evs:
                    if e.get("number"):
                        e["number"] = e["number"].replace("00/", f"{seq:02d}/", 1).replace("BB-000", f"BB-{seq:03d}")
            name, sex = _person(rng)
            received = next((e["date"] for e in evs if e["code"] == "court_received"), start)
            if measure == Measure.CSCNBB:
                proposer = ldtb if received <= LDTBXH_END else (police if received < REFORM else police_new)
            else:
                proposer = police if received < REFORM else police_new
            case = Case(
                unit=old_unit if received < REFORM else new_unit,
                court=old_court if received < REFORM else new_court,
                proposer=proposer, assigned_to=rng.choice(case_staff), person_name=name, sex=sex,
                birth_year=rng.randint(1975, 2006) if measure != Measure.TGD else rng.randint(today.year - 17, today.year - 12),
                residence=f"{rng.choice(COMMUNES)}, huyện {district}, thành phố Hải Phòng", measure=measure,
                complex=complex_case, source=Case.Source.DEMO,
                vks_proposal=rng.choice(["", "", "Đề nghị áp dụng", "Đề nghị không áp dụng do chưa đủ căn cứ"]),
            )
            evs_ = [_Ev(e) for e in evs]
            summarize(case, evs_)
            cid = next_id
            digest_rows.append((cid, digest(case.measure, case.complex, None, evs_)))
            next_id += 1
            case_rows.append((cid, case.unit_id, case.court_id, case.proposer_id, case.assigned_to_id, case.person_name,
                              case.birth_year, case.sex, case.residence, "", case.measure, case.vks_proposal,
                              case.complex, "", case.source, case.so_thu_ly, d_(case.thu_ly_date),
                              d_(case.received_date), case.year, d_(case.decision_date), case.outcome,
                              case.term_months, case.stage, case.name_sort, case.search_folded,
                              d_(case.last_date), d_(case.done_date), d_(case.effective_floor), now, now))
            for e in evs:
                event_rows.append((cid, e["code"], d_(e["date"]), d_(e.get("received")), e.get("number", ""),
                                   e.get("outcome", "") or "", e.get("term_months"), e.get("prosecutor_present"), "",
                                   now))
        _insert(Case._meta.db_table, _CASE_COLS, case_rows)
        _insert(Event._meta.db_table, _EVENT_COLS, event_rows)
        _insert(CaseDigest._meta.db_table, ("case_id", "packed"), digest_rows)
        made += size
    if connection.vendor == "postgresql":  # explicit ids were inserted: move the sequence past them
        from django.core.management.color import no_style

        with connection.cursor() as cur:
            for sql in ops.sequence_reset_sql(no_style(), [Case]):
                cur.execute(sql)
    return made
