from django.apps import AppConfig


class LettersConfig(AppConfig):
    name = "kiemsat.letters"
    label = "letters"
    verbose_name = "Kiến nghị, đôn đốc"
