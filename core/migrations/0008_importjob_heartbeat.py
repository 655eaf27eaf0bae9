from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ("core", "0007_api_tokens"),
    ]

    operations = [
        migrations.AddField(
            model_name="importjob",
            name="heartbeat_at",
            field=models.DateTimeField(blank=True, editable=False, null=True, verbose_name="最近心跳"),
        ),
    ]
