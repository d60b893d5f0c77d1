from django import template

from kiemsat.imports.fields import label

register = template.Library()


@register.filter
def field_label(key):
    """A flat key or mapped field -> its Vietnamese label."""
    return label(key)
