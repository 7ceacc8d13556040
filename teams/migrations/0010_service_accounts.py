import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("teams", "0009_waits_and_context_items"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="ServiceAccount",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("name", models.CharField(max_length=120)),
                ("key_hash", models.CharField(max_length=64, unique=True)),
                (
                    "key_start",
                    models.CharField(
                        help_text="The key's first characters, to tell tokens apart.",
                        max_length=16,
                    ),
                ),
                ("created_at", models.DateTimeField(auto_now_add=True)),
                ("revoked_at", models.DateTimeField(blank=True, null=True)),
                ("last_used_at", models.DateTimeField(blank=True, null=True)),
                ("rows_sent", models.PositiveBigIntegerField(default=0)),
                (
                    "owner",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="service_accounts",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                (
                    "pods",
                    models.ManyToManyField(related_name="service_accounts", to="teams.pod"),
                ),
            ],
            options={"ordering": ["-created_at", "-id"]},
        ),
    ]
