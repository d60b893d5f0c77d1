from django.urls import include, path

from . import views

urlpatterns = [
    path("vi-pham/", views.violations, name="violations"),
    path("vi-pham/xuat-excel/", views.violations_xlsx, name="violations_xlsx"),
    path("vu-viec/<int:pk>/thoi-han/", views.case_deadlines, name="case_deadlines"),
    path("", include("kiemsat.legal.urls_rules")),
]
