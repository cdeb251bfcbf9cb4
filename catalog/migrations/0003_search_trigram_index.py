"""A trigram index for catalog search on PostgreSQL.

Search is `search_text LIKE '%word%'` (both sides lower-case), which no b-tree index can serve;
pg_trgm's GIN index can. pg_trgm is a trusted extension, so the database owner may create it.
SQLite (make run) keeps scanning, which is fine at demo sizes.
"""

from django.db import migrations

INDEX = "catalog_product_search_trgm"


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    schema_editor.execute(f"CREATE INDEX IF NOT EXISTS {INDEX} ON catalog_product USING gin (search_text gin_trgm_ops)")


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"DROP INDEX IF EXISTS {INDEX}")


class Migration(migrations.Migration):
    dependencies = [("catalog", "0002_product_name_order")]

    operations = [migrations.RunPython(create, drop, elidable=False)]
