from django.urls import path

from . import views

urlpatterns = [
    path("", views.upload, name="import_upload"),
    path("lich-su/", views.batches, name="import_batches"),
    path("xuat-excel/", views.export_xlsx, name="export_xlsx"),
    path("ho-so-anh-xa/<int:pk>/xoa/", views.profile_delete, name="import_profile_delete"),
    path("<int:pk>/", views.report, name="import_report"),
    path("<int:pk>/xem-truoc/", views.preview, name="import_preview"),
    path("<int:pk>/tien-do/", views.progress, name="import_progress"),
    path("<int:pk>/bo/", views.discard, name="import_discard"),
    path("<int:pk>/bao-cao.xlsx", views.report_xlsx, name="import_report_xlsx"),
    path("<int:pk>/doi-chieu/", views.reconcile, name="import_reconcile"),
    path("<int:pk>/doi-chieu.xlsx", views.reconcile_xlsx, name="import_reconcile_xlsx"),
]
