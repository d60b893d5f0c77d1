"""Reference data and users, managed by administrators through Django's admin (in Vietnamese)."""

import secrets

from django.conf import settings
from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from simple_history.admin import SimpleHistoryAdmin

from kiemsat.web.admin_site import site

from .models import Agency, Court, Unit, User
from .permissions import can_manage_users


class AdminRoleOnly:
    """Model permissions follow the product's roles, not Django's per-model permissions."""

    def has_module_permission(self, request):
        return can_manage_users(request.user)

    def has_view_permission(self, request, obj=None):
        return can_manage_users(request.user)

    def has_add_permission(self, request, *args):
        return can_manage_users(request.user)

    def has_change_permission(self, request, obj=None):
        return can_manage_users(request.user)

    def has_delete_permission(self, request, obj=None):
        return False  # people and organisations are disabled or given an end date, never deleted


@admin.register(Unit, site=site)
class UnitAdmin(AdminRoleOnly, SimpleHistoryAdmin):
    list_display = ("name", "short_name", "valid_from", "valid_to", "successor", "is_provincial")
    search_fields = ("name", "short_name")


@admin.register(Court, site=site)
class CourtAdmin(AdminRoleOnly, SimpleHistoryAdmin):
    list_display = ("name", "short_name", "valid_from", "valid_to", "successor")
    search_fields = ("name", "short_name")


@admin.register(Agency, site=site)
class AgencyAdmin(AdminRoleOnly, SimpleHistoryAdmin):
    list_display = ("name", "kind", "valid_from", "valid_to", "successor")
    list_filter = ("kind",)
    search_fields = ("name",)


def locked_usernames(usernames) -> set[str]:
    """Accounts locked by too many failed logins (django-axes), still inside the cool-off time."""
    import datetime as dt

    from axes.models import AccessAttempt
    from django.utils import timezone

    since = timezone.now() - dt.timedelta(hours=float(settings.AXES_COOLOFF_TIME))
    return set(AccessAttempt.objects.filter(username__in=list(usernames), attempt_time__gte=since,
                                            failures_since_start__gte=settings.AXES_FAILURE_LIMIT)
               .values_list("username", flat=True))


def _words_password() -> str:
    """A temporary password that passes the policy and can be read out over the phone."""
    alphabet = "abcdefghijkmnpqrstuvwxyz23456789"
    return "-".join("".join(secrets.choice(alphabet) for _ in range(4)) for _ in range(4))


@admin.register(User, site=site)
class UserAdmin(AdminRoleOnly, BaseUserAdmin, SimpleHistoryAdmin):
    list_display = ("username", "full_name", "role", "unit", "is_active", "lock_state", "last_login")
    actions = ["unlock", "reset_password", "disable", "enable", "remove_totp"]

    def changelist_view(self, request, extra_context=None):
        self._locked = None
        return super().changelist_view(request, extra_context)

    @admin.display(description="Khóa đăng nhập")
    def lock_state(self, obj):
        if getattr(self, "_locked", None) is None:
            self._locked = locked_usernames(User.objects.values_list("username", flat=True))
        return "Đang bị khóa (đăng nhập sai)" if obj.username in self._locked else "—"

    @admin.action(description="Mở khóa đăng nhập (sau khi nhập sai mật khẩu nhiều lần)")
    def unlock(self, request, queryset):
        from axes.utils import reset

        from kiemsat.audit.services import record

        n = 0
        for u in queryset:
            if reset(username=u.username):
                n += 1
                record("user.unlock", u, f"Mở khóa đăng nhập: {u.username}")
        self.message_user(request, f"Đã mở khóa {n} tài khoản." if n else "Không có tài khoản nào đang bị khóa.",
                          messages.SUCCESS if n else messages.INFO)

    @admin.action(description="Đặt lại mật khẩu tạm (báo trực tiếp cho cán bộ)")
    def reset_password(self, request, queryset):
        from axes.utils import reset

        from kiemsat.audit.services import record

        lines = []
        for u in queryset:
            pw = _words_password()
            u.set_password(pw)
            u.save(update_fields=["password"])
            reset(username=u.username)
            _end_sessions(u)
            record("user.password_reset", u, f"Đặt lại mật khẩu: {u.username}")  # never the password itself
            lines.append(f"{u.username}: {pw}")
        self.message_user(request, "Mật khẩu tạm (chỉ hiện một lần, hãy báo trực tiếp và đề nghị đổi ngay): "
                          + "; ".join(lines), messages.WARNING)

    @admin.action(description="Vô hiệu hóa tài khoản (không đăng nhập được nữa)")
    def disable(self, request, queryset):
        from kiemsat.audit.services import record

        n = 0
        for u in queryset.filter(is_active=True).exclude(pk=request.user.pk):
            u.is_active = False
            u.save(update_fields=["is_active"])
            _end_sessions(u)
            record("user.disable", u, f"Vô hiệu hóa tài khoản: {u.username}")
            n += 1
        msg = f"Đã vô hiệu hóa {n} tài khoản."
        if queryset.filter(pk=request.user.pk).exists():
            msg += " Không thể tự vô hiệu hóa tài khoản đang dùng."
        self.message_user(request, msg)

    @admin.action(description="Tắt xác thực hai lớp (cán bộ mất điện thoại)")
    def remove_totp(self, request, queryset):
        from kiemsat.audit.services import record
        from kiemsat.web.models import TOTPDevice

        n = 0
        for dev in TOTPDevice.objects.filter(user__in=queryset).select_related("user"):
            record("user.totp", dev.user, f"Quản trị tắt xác thực hai lớp: {dev.user.username}")
            dev.delete()
            n += 1
        self.message_user(request, f"Đã tắt xác thực hai lớp của {n} tài khoản.")

    @admin.action(description="Kích hoạt lại tài khoản")
    def enable(self, request, queryset):
        from kiemsat.audit.services import record

        n = 0
        for u in queryset.filter(is_active=False):
            u.is_active = True
            u.save(update_fields=["is_active"])
            record("user.enable", u, f"Kích hoạt lại tài khoản: {u.username}")
            n += 1
        self.message_user(request, f"Đã kích hoạt lại {n} tài khoản.")
    list_filter = ("role", "unit", "is_active")
    search_fields = ("username", "full_name")
    ordering = ("full_name",)
    fieldsets = (
        (None, {"fields": ("username", "password")}),
        ("Cán bộ", {"fields": ("full_name", "title", "role", "unit", "email")}),
        ("Trạng thái", {"fields": ("is_active", "last_login", "date_joined")}),
    )
    add_fieldsets = (
        (None, {"classes": ("wide",), "fields": ("username", "full_name", "role", "unit", "password1", "password2")}),
    )
    readonly_fields = ("last_login", "date_joined")


def _end_sessions(user) -> None:
    """Log a disabled / reset user out everywhere (sessions live in the database)."""
    from django.contrib.sessions.models import Session
    from django.utils import timezone

    for s in Session.objects.filter(expire_date__gt=timezone.now()).iterator():
        if str(s.get_decoded().get("_auth_user_id")) == str(user.pk):
            s.delete()
