from django.urls import path

from . import views

urlpatterns = [
    path("", views.log, name="audit_log"),
    path("kiem-tra/", views.verify, name="audit_verify"),
    path("xuat/", views.export, name="audit_export"),
    path("bao-cao-ngay/", views.daily, name="audit_daily"),
]
