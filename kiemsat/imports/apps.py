from django.apps import AppConfig


class ImportsConfig(AppConfig):
    name = "kiemsat.imports"
    label = "imports"
    verbose_name = "Nhập sổ Excel"
