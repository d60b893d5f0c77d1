from django.apps import AppConfig


class ExecutionConfig(AppConfig):
    name = "kiemsat.execution"
    label = "execution"
    verbose_name = "Thi hành quyết định, nộp lưu hồ sơ"
