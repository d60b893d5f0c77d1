"""Template filters for Vietnamese display: dd/mm/yyyy dates and labels."""

from __future__ import annotations

import datetime as dt

from django import template

from kiemsat.domain import dates
from kiemsat.domain.events import MEASURE_SHORT, Measure

register = template.Library()


@register.filter
def vndate(value):
    if isinstance(value, dt.datetime):
        from django.utils import timezone

        return timezone.localtime(value).strftime("%d/%m/%Y %H:%M") if timezone.is_aware(value) else value.strftime("%d/%m/%Y %H:%M")
    if isinstance(value, dt.date):
        return dates.fmt(value)
    return value or ""


@register.filter
def measure_short(code):
    try:
        return MEASURE_SHORT[Measure(code)]
    except ValueError:
        return code or ""


@register.simple_tag(takes_context=True)
def query_with(context, **kwargs):
    """The current query string with some parameters replaced (for sort links and paging)."""
    q = context["request"].GET.copy()
    for k, v in kwargs.items():
        if v in (None, ""):
            q.pop(k, None)
        else:
            q[k] = v
    return "?" + q.urlencode()
