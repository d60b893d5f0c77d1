from django.apps import AppConfig


class WorkloadConfig(AppConfig):
    name = "kiemsat.workload"
    label = "workload"
    verbose_name = "Phân công, cân đối công việc"
