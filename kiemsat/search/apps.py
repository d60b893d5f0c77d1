from django.apps import AppConfig
from django.db.models.signals import post_migrate


def _ensure_index(sender, using="default", **kwargs):
    from django.db import connections

    from .index import ensure

    ensure(connections[using])


class SearchConfig(AppConfig):
    name = "kiemsat.search"
    label = "search"
    verbose_name = "Tìm kiếm"

    def ready(self):
        post_migrate.connect(_ensure_index, sender=self, dispatch_uid="kiemsat.search.ensure_index")
