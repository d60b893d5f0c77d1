from django.urls import include, path

from . import views

urlpatterns = [
    path("", views.index, name="backup_index"),
    path("tien-do/<int:pk>/", views.progress, name="backup_progress"),
    path("kiem-tra/", views.verify, name="backup_verify"),
    # until kiemsat/urls.py mounts it at /nhat-ky/: the audit log page lives here
    path("nhat-ky/", include("kiemsat.audit.urls")),
]
