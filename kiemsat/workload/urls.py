from django.urls import path

from . import views

urlpatterns = [
    path("", views.workload, name="workload"),
    path("vu-viec/<int:pk>/phan-cong-lai/", views.reassign, name="workload_reassign"),
]
