from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "kiemsat.audit"
    label = "audit"
    verbose_name = "Nhật ký"

    def ready(self) -> None:
        from django.db.backends.signals import connection_created

        from . import guard, signals  # noqa: F401  (login / logout / failed login)

        connection_created.connect(guard.register, dispatch_uid="kiemsat_audit_guard")
        guard.allow_whole_database_flush()
