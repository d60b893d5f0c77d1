from django.apps import AppConfig


class LegalConfig(AppConfig):
    name = "kiemsat.legal"
    label = "legal"
    verbose_name = "Thời hạn luật định"
