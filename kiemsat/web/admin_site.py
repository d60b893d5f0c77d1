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

    def get_urls(self):
        from django.urls import path

        return [path("xac-thuc-hai-lop/", self.admin_view(totp_setup), name="totp_setup"), *super().get_urls()]

    def each_context(self, request):
        ctx = super().each_context(request)
        ctx["totp_url"] = "xac-thuc-hai-lop/"
        return ctx


def totp_setup(request):
    """An administrator turns two-step verification on (scan the QR code, confirm one code) or off."""
    from django.contrib import messages
    from django.shortcuts import redirect
    from django.template.response import TemplateResponse

    from kiemsat.audit.services import record

    from . import totp
    from .models import TOTPDevice

    device = TOTPDevice.objects.filter(user=request.user).first()
    if request.method == "POST":
        action = request.POST.get("action")
        code = request.POST.get("otp", "")
        if action == "start" and not (device and device.confirmed):
            device, _ = TOTPDevice.objects.update_or_create(user=request.user, defaults={
                "secret": totp.new_secret(), "confirmed": False, "last_counter": 0})
        elif action == "confirm" and device and not device.confirmed:
            if totp.check(device, code):
                device.confirmed = True
                device.save(update_fields=["confirmed"])
                record("user.totp", request.user, "Bật xác thực hai lớp", user=request.user)
                messages.success(request, "Đã bật xác thực hai lớp: từ lần đăng nhập sau cần mã trên điện thoại.")
                return redirect(request.path)
            messages.error(request, "Mã không đúng. Kiểm tra giờ trên điện thoại và máy tính rồi thử lại.")
        elif action == "disable" and device and device.confirmed:
            if totp.check(device, code):
                device.delete()
                device = None
                record("user.totp", request.user, "Tắt xác thực hai lớp", user=request.user)
                messages.success(request, "Đã tắt xác thực hai lớp.")
                return redirect(request.path)
            messages.error(request, "Mã không đúng; xác thực hai lớp vẫn bật.")
    ctx = {**site.each_context(request), "title": "Xác thực hai lớp", "device": device}
    if device and not device.confirmed:
        uri = totp.provisioning_uri(device.secret, request.user.get_username())
        ctx["qr"] = totp.qr_svg(uri)
        ctx["secret"] = device.secret
    return TemplateResponse(request, "admin/totp_setup.html", ctx)


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
