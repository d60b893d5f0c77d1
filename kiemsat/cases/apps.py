from django.apps import AppConfig


class CasesConfig(AppConfig):
    name = "kiemsat.cases"
    label = "cases"
    verbose_name = "Sổ thụ lý"
