"""manage.py seed_code_sets: load the built-in code sets (GB/T 2261.1 complete, GB/T 2260 partial).

Idempotent: values are matched by code, so a second run reports everything unchanged.
"""

from typing import Any

from django.core.management.base import BaseCommand

from domain.standards.services.codesets import code_set_seed


class Command(BaseCommand):
    help = "Load the built-in code sets (性别 GB/T 2261.1, 行政区划 GB/T 2260 partial); safe to run again."

    def handle(self, *args: Any, **options: Any) -> None:
        for code, summary in code_set_seed().items():
            self.stdout.write(
                f"{code}: {summary.created} created, {summary.updated} updated, {summary.unchanged} unchanged"
            )
