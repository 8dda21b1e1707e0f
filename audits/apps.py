from django.apps import AppConfig


class AuditsConfig(AppConfig):
    name = "audits"

    def ready(self):
        from django.db.backends.signals import connection_created
        from django.utils.module_loading import autodiscover_modules

        from audits.selectors import partner_readings
        from audits.sql import register_sqlite_functions
        from breakthrough.partners import register_reading_source

        connection_created.connect(register_sqlite_functions, dispatch_uid="audits_sqlite_functions")
        # Every installed app's `figures` module registers its figures (the feedback's outcome figures among them).
        autodiscover_modules("figures")
        # The carer's home page lists the audits that name them as a carer partner.
        register_reading_source(partner_readings)
