"""PostgreSQL indexes for the directory: trigram indexes for searching by words, and a GiST index for nearest first.

Only on PostgreSQL (SQLite, the embedded default, searches by scanning, which is fine at its scale). pg_trgm
ships with PostgreSQL; creating the extension needs a role allowed to (the owner of the database, or superuser).
"""

from django.db import migrations, models

INDEXES = [
    ("offer_title_trgm", "gin (title gin_trgm_ops)"),
    ("offer_summary_trgm", "gin (summary gin_trgm_ops)"),
    ("offer_description_trgm", "gin (description gin_trgm_ops)"),
    ("offer_position_gist", "gist (point(easting, northing))"),
]


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    for name, using in INDEXES:
        schema_editor.execute(f"CREATE INDEX IF NOT EXISTS {name} ON brokerage_offer USING {using}")


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, _ in INDEXES:
        schema_editor.execute(f"DROP INDEX IF EXISTS {name}")


class Migration(migrations.Migration):
    dependencies = [
        ("brokerage", "0008_eligibilitycriteria_referral_casenote_and_more"),
    ]

    operations = [
        migrations.RunPython(create, drop),
        migrations.AddIndex(model_name="night", index=models.Index(fields=["date"], name="night_date")),
        migrations.AddIndex(
            model_name="session",
            index=models.Index(
                condition=models.Q(("is_cancelled", False), ("places_taken__lt", models.F("places"))),
                fields=["starts_at"],
                include=["offer"],
                name="session_open_by_start",
            ),
        ),
    ]
