from django.urls import path

from . import views

urlpatterns = [
    path("", views.index, name="letters"),
    path("tao/", views.new, name="letter_new"),
    path("<int:pk>/", views.detail, name="letter_detail"),
    path("<int:pk>/sua/", views.edit, name="letter_edit"),
    path("<int:pk>/thao-tac/<slug:name>/", views.action, name="letter_action"),
    path("<int:pk>/tra-loi/", views.reply, name="letter_reply"),
    path("<int:pk>/tai-ve/", views.docx, name="letter_docx"),
    path("<int:pk>/pdf/", views.pdf, name="letter_pdf"),
    path("vu-viec/<int:case_pk>/", views.case_letters, name="letter_case"),
    path("mau/", views.templates, name="letter_templates"),
    path("mau/<slug:kind>/dung/", views.template_activate, name="letter_template_activate"),
    path("mau/<slug:kind>/mau-goc/", views.template_download, name="letter_template_shipped"),
    path("mau/<slug:kind>/<int:version>/", views.template_download, name="letter_template_download"),
    path("thiet-lap/", views.settings_view, name="letter_settings"),
]
