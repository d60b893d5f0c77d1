from django import template
from django.conf import settings
from django.utils import timezone

register = template.Library()


def can_backup(user) -> bool:
    from kiemsat.org.models import Role

    return bool(user and user.is_authenticated and user.is_active and
                (user.role in (Role.LEADER, Role.ADMIN) or user.is_superuser))


@register.inclusion_tag("backup/_reminder.html", takes_context=True)
def backup_reminder(context):
    """Dashboard card when the last verified backup is older than KIEMSAT_BACKUP_REMIND_DAYS (or there is none)."""
    from kiemsat.backup.services import last_verified

    request = context.get("request")
    user = getattr(request, "user", None)
    days = int(getattr(settings, "KIEMSAT_BACKUP_REMIND_DAYS", 30))
    last = last_verified()
    age = (timezone.now() - last.finished_at).days if last and last.finished_at else None
    due = last is None or age is None or age >= days
    return {"show": due, "last": last, "age": age, "days": days, "can_backup": can_backup(user)}
