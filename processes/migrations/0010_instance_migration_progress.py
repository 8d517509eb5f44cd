from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("processes", "0009_designer_drafts_and_migrations"),
    ]

    operations = [
        migrations.AddField(
            model_name="instancemigration",
            name="progress_after",
            field=models.CharField(blank=True, max_length=64),
        ),
        migrations.AddField(
            model_name="instancemigration",
            name="rolled_back_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
    ]
