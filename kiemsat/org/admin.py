"""Reference data and users, managed by administrators through Django's admin (in Vietnamese)."""

from django.contrib import admin
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


@admin.register(User, site=site)
class UserAdmin(AdminRoleOnly, BaseUserAdmin, SimpleHistoryAdmin):
    list_display = ("username", "full_name", "role", "unit", "is_active", "last_login")
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
