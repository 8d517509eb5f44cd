from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("processes", "0010_instance_migration_progress"),
    ]

    operations = [
        migrations.AddField(
            model_name="processdraft",
            name="forms_revision",
            field=models.PositiveIntegerField(default=1),
        ),
    ]
