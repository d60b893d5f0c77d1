"""Cards of the execution app on pages it does not own (home dashboard, case page)."""

from __future__ import annotations

from django import template

from kiemsat.legal import services as legal
from kiemsat.org import permissions as perm

from .. import selectors

register = template.Library()

_HOME: dict = {}


def _home_stamp(user, as_of, request):
    """On the home page the dashboard (legal.selectors.dashboard, run by the view before the page
    is rendered) has just checked the register stamp for this user's units: reuse it rather than
    scan the register's change times a second time. Anywhere else: read it."""
    match = getattr(request, "resolver_match", None)
    if match is not None and match.url_name == "home":
        from kiemsat.legal import selectors as legal_selectors
        from kiemsat.org.permissions import visible_unit_ids

        ids = visible_unit_ids(user)
        hit = getattr(legal_selectors, "_UNIT_CACHE", {}).get(tuple(ids) if ids is not None else None)
        if hit is not None and hit[0][1] == as_of and len(hit[0]) > 4:
            return hit[0][4]
    return selectors.stamp(request)


def home_summary(user, as_of=None, request=None) -> dict:
    """The figures of the home card (kept with the table they come from)."""
    as_of = as_of or legal.local_today()
    t = selectors.table(user, as_of, _home_stamp(user, as_of, request))
    key = (id(t), user.pk)
    hit = _HOME.get(key)
    if hit is not None and hit[0] is t:
        return hit[1]
    c = selectors.counts(user, as_of, t)
    out = selectors.archive_outstanding(user, as_of, t=t)
    mine = selectors.archive_outstanding(user, as_of, staff=user.pk, t=t)
    value = {"expiring": c["sap-het-thoi-hieu"], "expired": c["het-thoi-hieu"], "pending": c["chua-ban-giao"],
             "archive": len(out), "archive_overdue": out.n_overdue, "mine": len(mine), "mine_overdue": mine.n_overdue,
             "period_set": selectors.archive_period(as_of).is_set}
    if len(_HOME) > 64:
        _HOME.clear()
    _HOME[key] = (t, value)
    return value


@register.inclusion_tag("execution/_home_card.html", takes_context=True)
def execution_home(context):
    user = context.get("user")
    if user is None or not user.is_authenticated:
        return {"show": False}
    as_of = legal.local_today()
    d = dict(home_summary(user, as_of, context.get("request")))
    d["urge_again"] = len(selectors.urge_again(user, as_of))
    d["show"] = True
    return d


@register.inclusion_tag("execution/_case_card.html", takes_context=True)
def execution_case(context):
    case, user = context.get("case"), context.get("user")
    if case is None or user is None:
        return {"show": False}
    as_of = legal.local_today()
    row = selectors.case_row(case, as_of)
    if row is None:
        return {"show": False}
    urge = selectors.urge_state(user, as_of).get(case.pk) if row.applies else None
    due = selectors.archive_due(row.ended_on) if row.ended_on else None
    return {
        "show": True, "r": row, "case": case, "urge": urge, "as_of": as_of, "due": due,
        "archive_overdue": (as_of - due).days if due and not row.archived and as_of > due else None,
        "can_deliver": row.pending and perm.can_edit_event(user, case, "delivered"),
        "can_archive": perm.can_edit_event(user, case, "archived"),
    }
