"""Rebuild every product's search_text: it now also holds the SKU without punctuation
("fz1001"), so "fz1001" finds FZ-1001. Product.save() and the bulk writers (imports, the demo
seed, the bench generator) build new rows with catalog.search.search_text_for; this brings the
existing rows in line. Running it again changes nothing."""

from django.db import migrations

from catalog.search import search_text_for


def rebuild(apps, schema_editor):
    Product = apps.get_model("catalog", "Product")
    changed = []
    for product in Product.objects.only("pk", "sku", "name_en", "name_zh", "search_text").iterator(chunk_size=2000):
        text = search_text_for(product)
        if text != product.search_text:
            product.search_text = text
            changed.append(product)
        if len(changed) >= 2000:
            Product.objects.bulk_update(changed, ["search_text"])
            changed = []
    Product.objects.bulk_update(changed, ["search_text"])


class Migration(migrations.Migration):
    dependencies = [("catalog", "0003_search_trigram_index")]

    operations = [migrations.RunPython(rebuild, migrations.RunPython.noop, elidable=False)]
