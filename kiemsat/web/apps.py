from django.apps import AppConfig


class WebConfig(AppConfig):
    name = "kiemsat.web"
    label = "web"
    verbose_name = "Giao diện"

    def ready(self):
        from .memo import connect_signals

        connect_signals()
