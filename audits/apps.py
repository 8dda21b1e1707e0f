from django.apps import AppConfig


class AuditsConfig(AppConfig):
    name = "audits"

    def ready(self):
        from django.db.backends.signals import connection_created

        from audits.sql import register_sqlite_functions

        connection_created.connect(register_sqlite_functions, dispatch_uid="audits_sqlite_functions")
        # The figures beyond audits/figures.py register themselves when imported: the feedback's outcome figures.
        from audits import feedback_figures  # noqa: F401
