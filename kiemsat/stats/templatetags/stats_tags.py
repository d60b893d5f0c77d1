"""`{% stat q key value bien_phap=… %}`: a report figure as a link to the cases behind it."""

from __future__ import annotations

from urllib.parse import urlencode

from django import template
from django.urls import reverse
from django.utils.html import format_html
from django.utils.safestring import mark_safe

from kiemsat.stats.exports import n
from kiemsat.stats.selectors import NO_DATA

register = template.Library()


@register.simple_tag
def stat(q: str, key: str, value, **extra):
    if value is None:
        return format_html('<span class="text-secondary fst-italic small">{}</span>', NO_DATA)
    if isinstance(value, (str, float)):  # a rate: not a count of cases
        return format_html('<span class="fw-semibold">{}</span>', n(value))
    if not value:
        return mark_safe('<span class="text-secondary">0</span>')
    params = urlencode({"chi_tieu": key, **{k: v for k, v in extra.items() if v not in (None, "")}})
    href = f"{reverse('stats_cases')}?{q}&{params}" if q else f"{reverse('stats_cases')}?{params}"
    return format_html('<a href="{}" class="stat-link" title="Xem các vụ việc">{}</a>', href, n(value))


@register.filter
def num(value):
    return n(value)
