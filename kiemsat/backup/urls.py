from django.urls import path

from . import views

urlpatterns = [
    path("", views.index, name="backup_index"),
    path("tien-do/<int:pk>/", views.progress, name="backup_progress"),
    path("kiem-tra/", views.verify, name="backup_verify"),
]
