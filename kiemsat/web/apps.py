from django.apps import AppConfig


class WebConfig(AppConfig):
    name = "kiemsat.web"
    label = "web"
    verbose_name = "Giao diện"
