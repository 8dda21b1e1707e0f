from django.apps import AppConfig


class BreakthroughConfig(AppConfig):
    name = "breakthrough"
    verbose_name = "Breakthrough platform"
