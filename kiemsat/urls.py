from django.contrib.auth import views as auth_views
from django.urls import include, path

from kiemsat.cases import views as cases
from kiemsat.web.admin_site import site as admin_site
from kiemsat.web import views as web

urlpatterns = [
    path("", web.home, name="home"),
    path("dang-nhap/", web.LoginView.as_view(), name="login"),
    path("dang-xuat/", auth_views.LogoutView.as_view(), name="logout"),
    path("so-thu-ly/", cases.register_list, name="register"),
    path("vu-viec/them/", cases.case_create, name="case_create"),
    path("vu-viec/<int:pk>/", cases.case_detail, name="case_detail"),
    path("vu-viec/<int:pk>/sua/", cases.case_edit, name="case_edit"),
    path("vu-viec/<int:pk>/lich-su/", cases.case_history, name="case_history"),
    path("vu-viec/<int:pk>/su-kien/them/", cases.event_add, name="event_add"),
    path("vu-viec/<int:pk>/su-kien/<int:event_pk>/sua/", cases.event_edit, name="event_edit"),
    path("vu-viec/<int:pk>/su-kien/<int:event_pk>/xoa/", cases.event_delete, name="event_delete"),
    path("quan-tri/", admin_site.urls),
    path("nhap-excel/", include("kiemsat.imports.urls")),
    path("van-ban/", include("kiemsat.letters.urls")),
    path("thong-ke/", include("kiemsat.stats.urls")),
    path("thi-hanh/", include("kiemsat.execution.urls")),
    path("phan-cong/", include("kiemsat.workload.urls")),
    path("ho-so-so/", include("kiemsat.documents.urls")),
    path("tim-kiem/", include("kiemsat.search.urls")),
    path("sao-luu/", include("kiemsat.backup.urls")),
    path("nhat-ky/", include("kiemsat.audit.urls")),
    path("dong-bo/", include("kiemsat.sync.urls")),
    path("", include("kiemsat.legal.urls")),
]

handler400 = "kiemsat.web.views.bad_request"
handler403 = "kiemsat.web.views.forbidden"
handler404 = "kiemsat.web.views.not_found"
handler500 = "kiemsat.web.views.server_error"
