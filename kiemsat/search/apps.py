from django.apps import AppConfig


class SearchConfig(AppConfig):
    name = "kiemsat.search"
    label = "search"
    verbose_name = "Tìm kiếm"
