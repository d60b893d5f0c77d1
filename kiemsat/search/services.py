"""Search everything from one box: people (name, CCCD), số thụ lý, document numbers (events and
attached files) and the text inside documents; diacritic-insensitive (đ too, NFC or NFD input, old
and new tone placement), exact-accent matches first, grouped by case, with highlighted snippets.
Only the cases the user may read are searched."""

from __future__ import annotations

import time
from dataclasses import dataclass, field

from django.utils.safestring import mark_safe

from kiemsat.cases.models import Case, Event
from kiemsat.domain.vntext import fold, nfc
from kiemsat.org.permissions import visible_unit_ids

from .backends import backend_for
from .text import Query, folded_same_length, snippet

LIMIT = 30  # cases (people, numbers) shown at most; then "type more"
DOC_LIMIT = 20  # documents shown at most


@dataclass
class Hit:
    kind: str  # name | id_number | so_thu_ly | number | document
    label: str  # what matched, in Vietnamese
    html: str  # escaped, with <mark>
    document: object = None
    exact: bool = False


@dataclass
class Group:
    case: Case
    hits: list[Hit] = field(default_factory=list)
    exact: bool = False
    on_case: bool = False  # the person / a number matched (not only a document's text)


@dataclass
class Result:
    q: Query
    groups: list[Group]
    truncated: bool
    took_ms: float
    n_documents: int = 0


def _hl(text: str, q: Query) -> str:
    return snippet(text, q, width=200)


def _case_hits(case: Case, numbers: list[tuple[str, str]], q: Query) -> list[Hit]:
    hits = []
    if q.matches_folded(fold(case.person_name)) or any(q.matches_folded(fold(w)) for w in [case.person_name]):
        hits.append(Hit("name", "Họ tên", _hl(case.person_name, q), exact=q.exact_in(case.person_name)))
    if case.so_thu_ly and q.matches_folded(fold(case.so_thu_ly)):
        hits.append(Hit("so_thu_ly", "Số thụ lý", _hl(case.so_thu_ly, q)))
    if case.id_number and q.matches_folded(fold(case.id_number)):
        hits.append(Hit("id_number", "Số CCCD/CMND", _hl(case.id_number, q)))
    for label, num in numbers:
        if num != case.so_thu_ly and q.matches_folded(fold(num)):
            hits.append(Hit("number", f"Số văn bản – {label}", _hl(num, q)))
    if not hits:  # the words are spread over several fields (e.g. a name and a number)
        hits.append(Hit("name", "Họ tên", _hl(case.person_name, q), exact=q.exact_in(case.person_name)))
    return hits


def search(user, text: str, limit: int = LIMIT, alias: str = "default", doc_limit: int = DOC_LIMIT) -> Result:
    t0 = time.perf_counter()
    q = Query(text)
    if not q:
        return Result(q, [], False, 0.0)
    units = visible_unit_ids(user)
    be = backend_for(alias)
    case_rows = be.cases(q, units, limit + 1)
    doc_ids = be.documents(q, units, doc_limit + 1)
    truncated = len(case_rows) > limit or len(doc_ids) > doc_limit
    case_rows, doc_ids = case_rows[:limit], doc_ids[:doc_limit]

    from kiemsat.documents.models import Document

    docs = list(Document.objects.using(alias).filter(pk__in=doc_ids).only(
        "id", "case_id", "name", "number", "kind", "text", "text_status", "pages"))
    ids = {cid for cid, _ex in case_rows} | {d.case_id for d in docs}
    cases = {c.pk: c for c in Case.objects.using(alias).filter(pk__in=ids).select_related("court", "unit")
             .only("id", "person_name", "so_thu_ly", "id_number", "birth_year", "measure", "stage", "year", "name_sort",
                   "court__name", "unit__name", "unit__short_name")}
    numbers: dict[int, list[tuple[str, str]]] = {}
    hit_ids = [cid for cid, _ex in case_rows]
    for cid, code, num in Event.objects.using(alias).filter(case_id__in=hit_ids).exclude(number="").values_list(
            "case_id", "code", "number"):
        from kiemsat.domain.events import EVENT_TYPE_BY_CODE

        et = EVENT_TYPE_BY_CODE.get(code)
        numbers.setdefault(cid, []).append((et.label if et else code, num))
    groups: dict[int, Group] = {}
    for cid, exact in case_rows:
        c = cases.get(cid)
        if c is None:
            continue
        g = groups[cid] = Group(c, _case_hits(c, numbers.get(cid, []), q), on_case=True)
        g.exact = exact or any(h.exact for h in g.hits)
    order_docs = {pk: i for i, pk in enumerate(doc_ids)}
    docs.sort(key=lambda d: order_docs.get(d.pk, 0))
    for d in docs:
        c = cases.get(d.case_id)
        if c is None:
            continue
        g = groups.get(d.case_id)
        if g is None:
            g = groups[d.case_id] = Group(c)
        text = nfc(d.text)
        folded = folded_same_length(text)
        if q.matches_folded(fold(d.name)) or q.matches_folded(fold(d.number)):
            shown = _hl(f"{d.name}{' – số ' + d.number if d.number else ''}", q)
        else:
            shown = snippet(text, q, width=200, folded=folded)
        ex = q.exact_near(text, folded=folded) or q.exact_in(d.name)
        g.hits.append(Hit("document", "Tài liệu", shown, document=d, exact=ex))
        g.exact = g.exact or ex
    for g in groups.values():
        for h in g.hits:
            h.html = mark_safe(h.html)  # noqa: S308 - built by text.snippet from escaped parts
    ordered = sorted(groups.values(), key=lambda g: (not g.exact, not g.on_case, g.case.name_sort, g.case.pk))
    return Result(q, ordered, truncated, (time.perf_counter() - t0) * 1000, len(docs))
