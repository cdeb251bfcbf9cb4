"""Reasons as kit.phrases: approval steps and order events get a phrase, orders' hold reasons
become phrases. Rows written before keep their frozen words as "text" phrases (shown verbatim);
an event's reason stays only where it was a person's own words."""

from django.db import migrations, models

# Events into these states were written by the system with a rule's or a hold's words; the
# first event ("submitted") only ever held the system's "placed by a rep" note.
SYSTEM_REASON_STATES = {"awaiting_customer_approval", "awaiting_approval", "credit_hold"}


def _text(value: str) -> dict:
    return {"code": "text", "params": {"text": value}} if value else {}


def to_phrases(apps, schema_editor):
    Order = apps.get_model("ordering", "Order")
    ApprovalStep = apps.get_model("ordering", "ApprovalStep")
    OrderEvent = apps.get_model("ordering", "OrderEvent")
    for step in ApprovalStep.objects.exclude(reason="").iterator():
        step.phrase = _text(step.reason)
        step.save(update_fields=["phrase"])
    events = OrderEvent.objects.exclude(reason="").filter(
        models.Q(to_state__in=SYSTEM_REASON_STATES) | models.Q(from_state="")
    )
    for event in events.iterator():
        event.phrase, event.reason = _text(event.reason), ""
        event.save(update_fields=["phrase", "reason"])
    for order in Order.objects.exclude(hold_reasons=[]).iterator():
        order.hold_reasons = [_text(r) if isinstance(r, str) else r for r in order.hold_reasons]
        order.save(update_fields=["hold_reasons"])


def to_text(apps, schema_editor):
    Order = apps.get_model("ordering", "Order")
    ApprovalStep = apps.get_model("ordering", "ApprovalStep")
    OrderEvent = apps.get_model("ordering", "OrderEvent")

    def words(phrase) -> str:
        return ((phrase or {}).get("params") or {}).get("text", "") if isinstance(phrase, dict) else str(phrase)

    for step in ApprovalStep.objects.iterator():
        step.reason = words(step.phrase)[:300]
        step.save(update_fields=["reason"])
    for event in OrderEvent.objects.exclude(phrase={}).iterator():
        event.reason = event.reason or words(event.phrase)
        event.save(update_fields=["reason"])
    for order in Order.objects.exclude(hold_reasons=[]).iterator():
        order.hold_reasons = [words(r) for r in order.hold_reasons]
        order.save(update_fields=["hold_reasons"])


class Migration(migrations.Migration):
    dependencies = [
        ("ordering", "0004_bilingual_data"),
    ]

    operations = [
        migrations.AddField(
            model_name="approvalstep",
            name="phrase",
            field=models.JSONField(default=dict),
        ),
        migrations.AddField(
            model_name="orderevent",
            name="phrase",
            field=models.JSONField(blank=True, default=dict),
        ),
        migrations.AlterField(
            model_name="approvalstep",
            name="reason",
            field=models.CharField(blank=True, max_length=300),
        ),
        migrations.RunPython(to_phrases, to_text),
        migrations.RemoveField(model_name="approvalstep", name="reason"),
    ]
