from django.urls import path

from . import views

urlpatterns = [
    path("", views.report_page, name="stats_report"),
    path("vu-viec/", views.cases_page, name="stats_cases"),
    path("bao-cao.xlsx", views.report_xlsx, name="stats_xlsx"),
    path("bao-cao.docx", views.report_docx, name="stats_docx"),
]
