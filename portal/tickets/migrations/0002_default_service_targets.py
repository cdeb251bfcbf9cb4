"""The default service targets, one row per kind (the manager changes them in Settings)."""

from django.db import migrations

# kind → (first response hours, resolution hours); the same as portal.tickets.clock.DEFAULT_TARGETS,
# copied so this migration keeps its meaning if the defaults change later.
DEFAULTS = {
    "quality": (4, 48),
    "missing_item": (4, 24),
    "late_delivery": (2, 24),
    "temperature": (2, 24),
    "technical_question": (8, 72),
    "statement_dispute": (24, 120),
}


def seed(apps, schema_editor):
    ServiceTarget = apps.get_model("tickets", "ServiceTarget")
    for kind, (response, resolution) in DEFAULTS.items():
        ServiceTarget.objects.get_or_create(
            kind=kind, defaults={"first_response_hours": response, "resolution_hours": resolution}
        )


class Migration(migrations.Migration):
    dependencies = [("tickets", "0001_initial")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
