from django.urls import path

from . import views_rules as v

urlpatterns = [
    path("quy-tac/", v.rules, name="rules"),
    path("quy-tac/<str:rule_id>/", v.rule_detail, name="rule_detail"),
    path("quy-tac/<str:rule_id>/<str:param>/<str:key>/sua/", v.rule_change, name="rule_change"),
    path("quy-tac/<str:rule_id>/<str:param>/<str:key>/xac-nhan/", v.rule_confirm, name="rule_confirm"),
    path("lich-lam-viec/", v.calendar, name="calendar"),
    path("lich-lam-viec/<int:year>/sua/", v.calendar_edit, name="calendar_edit"),
]
