from django.apps import AppConfig


class DocumentsConfig(AppConfig):
    name = "kiemsat.documents"
    label = "documents"
    verbose_name = "Hồ sơ số hóa"
