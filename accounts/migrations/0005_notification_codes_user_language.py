import django.db.models.deletion
from django.db import migrations, models


def keep_old_text_as_phrases(apps, schema_editor):
    """Notifications written before codes keep their frozen words, shown verbatim. Which company
    they were about was not recorded: they stay company-less (shown whatever company is active)."""
    Notification = apps.get_model("accounts", "Notification")
    for notification in Notification.objects.iterator():
        notification.params = {
            "title": {"code": "text", "params": {"text": notification.title}},
            "body": {"code": "text", "params": {"text": notification.body}},
        }
        notification.save(update_fields=["params"])


def back_to_text(apps, schema_editor):
    Notification = apps.get_model("accounts", "Notification")
    for notification in Notification.objects.iterator():
        params = notification.params or {}
        notification.title = ((params.get("title") or {}).get("params") or {}).get("text", notification.kind)[:200]
        notification.body = ((params.get("body") or {}).get("params") or {}).get("text", "")
        notification.save(update_fields=["title", "body"])


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0004_bilingual_data"),
    ]

    operations = [
        migrations.AddField(
            model_name="notification",
            name="company",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="notifications",
                to="accounts.company",
            ),
        ),
        migrations.AddField(
            model_name="notification",
            name="params",
            field=models.JSONField(blank=True, default=dict),
        ),
        migrations.AlterField(
            model_name="notification",
            name="title",
            field=models.CharField(blank=True, max_length=200),
        ),
        migrations.RunPython(keep_old_text_as_phrases, back_to_text),
        migrations.RemoveField(model_name="notification", name="body"),
        migrations.RemoveField(model_name="notification", name="title"),
        migrations.AddField(
            model_name="user",
            name="language",
            field=models.CharField(
                choices=[("en", "English"), ("zh-hans", "简体中文")],
                default="en",
                max_length=10,
                verbose_name="language",
            ),
        ),
    ]
