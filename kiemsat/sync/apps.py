from django.apps import AppConfig


class SyncConfig(AppConfig):
    name = "kiemsat.sync"
    label = "sync"
    verbose_name = "Đồng bộ qua tệp"
