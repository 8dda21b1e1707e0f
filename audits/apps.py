from django.apps import AppConfig


class AuditsConfig(AppConfig):
    name = "audits"

    def ready(self):
        from django.db.backends.signals import connection_created

        from audits.selectors import partner_readings
        from audits.sql import register_sqlite_functions
        from breakthrough.partners import register_reading_source

        connection_created.connect(register_sqlite_functions, dispatch_uid="audits_sqlite_functions")
        # The figures beyond audits/figures.py register themselves when imported: the feedback's outcome figures.
        from audits import feedback_figures  # noqa: F401

        # The carer's home page lists the audits that name them as a carer partner.
        register_reading_source(partner_readings)
