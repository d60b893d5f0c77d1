from django.urls import path

from . import views

urlpatterns = [
    path("", views.index, name="documents"),
    path("vu-viec/<int:pk>/tai-len/", views.upload, name="documents_upload"),
    path("vu-viec/<int:pk>/danh-muc/", views.checklist_mark, name="documents_checklist_mark"),
    path("tep/<int:pk>/", views.view, name="document_view"),
    path("tep/<int:pk>/noi-dung/", views.raw, name="document_raw"),
    path("tep/<int:pk>/tai-ve/", views.download, name="document_download"),
    path("tep/<int:pk>/trang/<int:page>.png", views.thumb, name="document_thumb"),
    path("tep/<int:pk>/xoa/", views.delete, name="document_delete"),
    path("tep/<int:pk>/doc-lai/", views.retry, name="document_retry"),
    path("tep/<int:pk>/sua/", views.edit, name="document_edit"),
    path("danh-muc/", views.checklist_edit, name="documents_checklist"),
    path("nhap-duong-dan/", views.import_links, name="documents_import_links"),
]
