from django.db import migrations, models


def fill(apps, schema_editor):
    """Existing offers get their value from their sessions and nights (the same rule as the live code)."""
    from brokerage.availability import offers_refresh_places_until

    offers_refresh_places_until()


class Migration(migrations.Migration):
    dependencies = [
        ("brokerage", "0006_carer_calendar_link_version"),
    ]

    operations = [
        migrations.AddField(
            model_name="offer",
            name="places_until",
            field=models.DateTimeField(blank=True, editable=False, null=True),
        ),
        migrations.RunPython(fill, migrations.RunPython.noop),
    ]
