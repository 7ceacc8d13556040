from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("teams", "0006_pending_upload"),
    ]

    operations = [
        migrations.AddField(
            model_name="orgunit",
            name="archived_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
    ]
