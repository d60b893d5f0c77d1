from django.urls import path

from . import views

urlpatterns = [
    path("", views.index, name="sync_index"),
    path("thiet-lap/", views.identity, name="sync_identity"),
    path("xuat/", views.export, name="sync_export"),
    path("dang-ky/", views.register, name="sync_register"),
    path("dang-ky/<int:pk>/ngung/", views.unregister, name="sync_unregister"),
    path("nhap/", views.import_view, name="sync_import"),
]
