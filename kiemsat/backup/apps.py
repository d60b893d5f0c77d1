from django.apps import AppConfig


class BackupConfig(AppConfig):
    name = "kiemsat.backup"
    label = "backup"
    verbose_name = "Sao lưu, khôi phục"
