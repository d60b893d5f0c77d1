"""The administration site: open to users whose role is 'quản trị', nobody else."""

from django.contrib import admin
from django.contrib.admin.models import LogEntry
from django.db.models.signals import post_save
from django.dispatch import receiver

from kiemsat.org.permissions import can_manage_users


class KiemsatAdminSite(admin.AdminSite):
    site_header = "kiemsat – Quản trị"
    site_title = "kiemsat – Quản trị"
    index_title = "Người dùng và danh mục"
    site_url = "/"

    def has_permission(self, request):
        return request.user.is_active and can_manage_users(request.user)


site = KiemsatAdminSite(name="quantri")


@receiver(post_save, sender=LogEntry)
def _audit_admin_change(sender, instance: LogEntry, created, **kwargs):
    if not created:
        return
    from kiemsat.audit.services import record

    kind = {1: "Thêm", 2: "Sửa", 3: "Xóa"}.get(instance.action_flag, "Sửa")
    record(f"admin.{ {1: 'add', 2: 'change', 3: 'delete'}.get(instance.action_flag, 'change') }", None,
           f"{kind} {instance.content_type.name if instance.content_type else ''}: {instance.object_repr}"[:300],
           {"object_id": instance.object_id, "message": instance.get_change_message()}, user=instance.user)
