"""Seed the editable synonym groups from the engine's built-in list (DOMAIN.md 清洗比对 groups).

Idempotent: a group whose key exists is left as the stewards edited it.
"""

from django.db import migrations


def seed(apps, schema_editor):
    from domain.standards.cleansing.vocabulary import DEFAULT_SYNONYM_SETS

    SynonymGroup = apps.get_model("standards", "SynonymGroup")
    groups = {}
    for synonym_set in DEFAULT_SYNONYM_SETS:
        groups[synonym_set.key], _created = SynonymGroup.objects.get_or_create(
            key=synonym_set.key,
            defaults={
                "name": synonym_set.name,
                "terms": list(synonym_set.terms),
                "conditional_terms": [
                    {"term": cond.term, "context": {key: list(values) for key, values in cond.context.items()}}
                    for cond in synonym_set.conditional
                ],
            },
        )
    for synonym_set in DEFAULT_SYNONYM_SETS:
        for related in synonym_set.related:
            groups[synonym_set.key].related.add(groups[related])


class Migration(migrations.Migration):
    dependencies = [("standards", "0001_initial")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
