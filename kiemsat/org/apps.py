from django.apps import AppConfig


class OrgConfig(AppConfig):
    name = "kiemsat.org"
    label = "org"
    verbose_name = "Đơn vị và người dùng"
