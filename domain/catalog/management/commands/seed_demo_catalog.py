"""manage.py seed_demo_catalog: demo catalog entries (after seed_demo and deploy_bpmn). Idempotent."""

from typing import Any

from django.core.management.base import BaseCommand

from domain.catalog.demo import catalog_demo_seed


class Command(BaseCommand):
    help = "Create the demo catalog entries, one live catalog review and one share grant (idempotent)."

    def handle(self, *args: Any, **options: Any) -> None:
        created = catalog_demo_seed()
        self.stdout.write(f"Demo catalog 演示目录: entries +{created}")
