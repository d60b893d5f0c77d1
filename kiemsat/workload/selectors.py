"""The workload of each staff member of a unit, with the score explained in words.

Score (weights: `conf.weights()`, the setting KIEMSAT_WORKLOAD_WEIGHTS; defaults in brackets):
  open cases before the Court's decision × before_decision [3]
+ open cases after it, until the case ends (execution.selectors: delivered, exempted, statute
  expired, a decision not applying the measure in effect; or archived) × after_decision [1]
  — a complex case (Case.complex) counts × complex_factor [1.5]
+ deadlines due in the next deadline_days [5] working days (the engine's "sắp đến hạn" with that
  window, on the active calendar) × deadline [1]
+ issued recommendations (kiến nghị) of theirs with no reply recorded × letter [0.5].

The unit's counts come from the execution table and a findings scan, both kept per process
until the register changes; letters are counted in the database on each request.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import numpy as np
from django.db.models import Count

from kiemsat.cases.selectors import visible_cases
from kiemsat.domain import engine
from kiemsat.domain.vntext import sort_key_str
from kiemsat.execution import selectors as exe
from kiemsat.legal import services as legal
from kiemsat.org.models import CASE_STAFF_ROLES, User
from kiemsat.org.permissions import visible_unit_ids

from .conf import weights


def num(x: float) -> str:
    """3 → "3", 4.5 → "4,5" (Vietnamese decimal comma)."""
    x = round(float(x), 2)
    if x == int(x):
        return str(int(x))
    return f"{x:.2f}".rstrip("0").replace(".", ",")


@dataclass
class Load:
    user_id: int | None
    name: str
    role: str = ""
    before: int = 0  # open, not decided, not complex
    before_complex: int = 0
    after: int = 0  # decided, not ended, not complex
    after_complex: int = 0
    deadlines: int = 0
    letters: int = 0
    finished: int = 0
    score: float = 0.0
    parts: list[str] = field(default_factory=list)

    @property
    def open_cases(self) -> int:
        return self.before + self.before_complex + self.after + self.after_complex

    @property
    def score_text(self) -> str:
        return num(self.score)

    @property
    def explanation(self) -> str:
        if not self.parts:
            return "Không có việc đang mở: 0 điểm."
        return "; ".join(self.parts) + f". Tổng: {num(self.score)} điểm."


def score(load: Load, w: dict | None = None) -> Load:
    """Set load.score and load.parts (the explanation) from its counts."""
    w = w or weights()
    b, a, cf, dl, lt = (w["before_decision"], w["after_decision"], w["complex_factor"], w["deadline"], w["letter"])
    items = [
        (load.before, b, f"{{n}} vụ chưa có quyết định × {num(b)}"),
        (load.before_complex, b * cf, f"{{n}} vụ phức tạp chưa có quyết định × {num(b)} × {num(cf)}"),
        (load.after, a, f"{{n}} vụ đã có quyết định, chưa kết thúc × {num(a)}"),
        (load.after_complex, a * cf, f"{{n}} vụ phức tạp đã có quyết định, chưa kết thúc × {num(a)} × {num(cf)}"),
        (load.deadlines, dl, f"{{n}} thời hạn đến hạn trong {w['deadline_days']} ngày làm việc tới × {num(dl)}"),
        (load.letters, lt, f"{{n}} kiến nghị chờ trả lời × {num(lt)}"),
    ]
    total, parts = 0.0, []
    for n, weight, text in items:
        if n:
            v = n * weight
            total += v
            parts.append(text.format(n=n) + f" = {num(v)}")
    load.score, load.parts = round(total, 2), parts
    return load


_CACHE: dict = {}


def _unit_counts(user, as_of: dt.date, stamp: tuple | None = None) -> dict:
    """staff id (0 = nobody) → [before, before_complex, after, after_complex, deadlines], and the
    table, kept per process until the register, the versions or the date change."""
    from kiemsat.legal import fast

    w = weights()
    stamp = stamp if stamp is not None else exe.stamp()
    ids = visible_unit_ids(user)
    qs = visible_cases(user)
    key = (tuple(ids) if ids is not None else None, as_of, legal.active_ruleset()[0], legal.active_calendar()[0],
           stamp, qs.db, w["deadline_days"])
    hit = _CACHE.get(key[0])
    if hit is not None and hit[0] == key:
        return hit[1]
    counts: dict[int, list[int]] = {}

    def add(staff, slot, n):
        counts.setdefault(staff or 0, [0, 0, 0, 0, 0])[slot] += int(n)

    for staff, cplx, n in (qs.filter(outcome="").exclude(stage="closed").order_by()
                           .values_list("assigned_to_id", "complex").annotate(n=Count("id"))):
        add(staff, 1 if cplx else 0, n)
    t = exe.table(user, as_of, stamp)
    open_ = (t.ended == 0) & (t.archived == 0)
    for cplx in (False, True):
        m = open_ & (t.complex == cplx)
        staff, n = np.unique(t.staff[m], return_counts=True)
        for s, k in zip(staff.tolist(), n.tolist()):
            add(s, 3 if cplx else 2, k)
    _, rs = legal.active_ruleset()
    _, cal = legal.active_calendar()
    sc = fast.scan(qs, rs, cal, as_of, int(w["deadline_days"]), (engine.DUE_SOON,))
    case_ids = np.unique(sc.light().case_id) if len(sc) else np.zeros(0, dtype=np.int64)
    per_case = np.bincount(np.searchsorted(case_ids, sc.light().case_id), minlength=len(case_ids)) if len(sc) else []
    if len(case_ids):
        owner = {}
        id_list = case_ids.tolist()
        for i in range(0, len(id_list), 2000):
            owner.update(qs.filter(pk__in=id_list[i:i + 2000]).values_list("pk", "assigned_to_id"))
        for cid, n in zip(id_list, list(per_case)):
            add(owner.get(cid), 4, n)
    value = {"counts": counts, "table": t}
    if len(_CACHE) > 16:
        _CACHE.clear()
    _CACHE[key[0]] = (key, value)
    return value


def staff_of(user):
    """The staff whose load is shown: active prosecutors, inspectors and specialists of the unit."""
    return User.objects.filter(unit_id=user.unit_id, is_active=True, role__in=list(CASE_STAFF_ROLES))


def loads(user, as_of: dt.date | None = None, period: tuple[dt.date, dt.date] | None = None,
          stamp: tuple | None = None) -> list[Load]:
    """One Load per staff member (and anyone else holding open cases of the unit), the heaviest
    first; "Chưa phân công" last when cases have nobody."""
    from kiemsat.letters.models import Kind, State
    from kiemsat.letters.selectors import visible_letters

    as_of = as_of or legal.local_today()
    start, end = period or (as_of.replace(day=1), as_of)
    w = weights()
    uc = _unit_counts(user, as_of, stamp)
    counts, t = uc["counts"], uc["table"]
    letters = dict(visible_letters(user).filter(state=State.ISSUED, kind__in=[Kind.COURT, Kind.PREVENTIVE])
                   .filter(replies__isnull=True).order_by().values_list("created_by_id").annotate(n=Count("id")))
    fin = (t.ended >= start.toordinal()) & (t.ended <= end.toordinal()) & (t.ended != 0)
    staff_ids, fin_n = np.unique(t.staff[fin], return_counts=True)
    finished = dict(zip(staff_ids.tolist(), fin_n.tolist()))
    people = {u.pk: u for u in staff_of(user)}
    extra = [k for k in list(counts) + list(letters) if k and k not in people]
    if extra:
        people.update({u.pk: u for u in User.objects.filter(pk__in=extra)})
    out = []
    for pk, u in people.items():
        c = counts.get(pk, [0, 0, 0, 0, 0])
        ld = Load(pk, u.full_name or u.username, u.get_role_display(), *c, letters=letters.get(pk, 0),
                  finished=finished.get(pk, 0))
        out.append(score(ld, w))
    out.sort(key=lambda x: (-x.score, sort_key_str(x.name), x.user_id))
    if 0 in counts and any(counts[0][:4]):
        c = counts[0]
        out.append(score(Load(None, "Chưa phân công", "", *c, finished=finished.get(0, 0)), w))
    return out


@dataclass
class Suggestion:
    user: User | None
    reason: str
    loads: list[Load]


def suggest_assignee(user, as_of: dt.date | None = None, stamp: tuple | None = None,
                     computed: list[Load] | None = None) -> Suggestion:
    """Who should take a new case: the active staff member with the lowest score; on a tie, the one
    with fewer open cases; then the first in Vietnamese alphabetical order of the name; then the
    oldest account. The reason says which rule decided."""
    ls = [x for x in (computed if computed is not None else loads(user, as_of, stamp=stamp)) if x.user_id is not None]
    staff = {u.pk: u for u in staff_of(user)}
    ls = [x for x in ls if x.user_id in staff]
    if not ls:
        return Suggestion(None, "Đơn vị chưa có kiểm sát viên, kiểm tra viên hay chuyên viên nào đang hoạt động.", [])
    ls.sort(key=lambda x: (x.score, x.open_cases, sort_key_str(x.name), x.user_id))
    best = ls[0]
    same_score = [x for x in ls[1:] if x.score == best.score]
    reason = (f"{best.name} có điểm khối lượng công việc thấp nhất: {best.score_text} điểm "
              f"({'; '.join(best.parts) or 'không có việc đang mở'})")
    if same_score:
        others = ", ".join(x.name for x in same_score)
        same_open = [x for x in same_score if x.open_cases == best.open_cases]
        if not same_open:
            reason += f"; bằng điểm với {others} nhưng ít vụ đang mở hơn ({best.open_cases} vụ)"
        else:
            reason += (f"; bằng điểm và cùng số vụ đang mở với {', '.join(x.name for x in same_open)}: "
                       "chọn theo thứ tự tên (A→Z)")
    elif len(ls) > 1:
        reason += f"; kế tiếp là {ls[1].name} ({ls[1].score_text} điểm)"
    return Suggestion(staff[best.user_id], reason + ".", ls)
