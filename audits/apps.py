from django.apps import AppConfig


class AuditsConfig(AppConfig):
    name = "audits"

    def ready(self):
        from django.db.backends.signals import connection_created
        from django.utils.module_loading import autodiscover_modules

        from audits.sql import register_sqlite_functions

        connection_created.connect(register_sqlite_functions, dispatch_uid="audits_sqlite_functions")
        # Every installed app's `figures` module registers its figures (the feedback's outcome figures among them).
        autodiscover_modules("figures")
