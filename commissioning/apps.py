from django.apps import AppConfig


class CommissioningConfig(AppConfig):
    name = "commissioning"

    def ready(self):
        from breakthrough.partners import register_reading_source
        from commissioning.plans.selectors import partner_readings

        # The carer's home page lists the transformation plans that name them as a carer partner.
        register_reading_source(partner_readings)
