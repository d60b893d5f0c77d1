from django.urls import path

from . import views

urlpatterns = [
    path("", views.register, name="execution_register"),
    path("xuat-excel/", views.export, name="execution_export"),
    path("don-doc/", views.urge, name="execution_urge"),
    path("vu-viec/<int:pk>/ban-giao/", views.deliver, name="execution_deliver"),
    path("nop-luu/", views.archive, name="archive_list"),
    path("nop-luu/<int:pk>/", views.archive_record, name="archive_record"),
]
