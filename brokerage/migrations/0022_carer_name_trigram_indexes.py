"""Trigram indexes for the caseload's search by part of a name or postcode (`icontains`, `istartswith`), on
PostgreSQL only: the search is `UPPER(col) LIKE '%MAC%'`, which a btree cannot serve and a trigram GIN index can,
so a rare name no longer reads every carer in the partnership. SQLite (the embedded default) keeps its scan."""

from django.db import migrations

COLUMNS = ["first_name", "last_name", "postcode"]


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    for column in COLUMNS:
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS brokerage_carer_{column}_trgm "
            f"ON brokerage_carer USING gin (UPPER({column}::text) gin_trgm_ops)"
        )


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for column in COLUMNS:
        schema_editor.execute(f"DROP INDEX IF EXISTS brokerage_carer_{column}_trgm")


class Migration(migrations.Migration):
    dependencies = [("brokerage", "0021_feedback")]

    operations = [migrations.RunPython(create, drop, elidable=False)]
