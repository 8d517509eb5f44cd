"""manage.py audit_verify: walk the audit hash chain; exit 1 at the first broken link."""

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from processes.services.audit import audit_verify


class Command(BaseCommand):
    help = "校验审计哈希链 / Verify the audit hash chain; exits 1 and names the first broken event."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--batch-size", type=int, default=5000, help="events read per query")

    def handle(self, *args: Any, batch_size: int, **options: Any) -> None:
        result = audit_verify(batch_size=batch_size)
        if not result.ok:
            raise CommandError(f"BROKEN at event #{result.first_broken_id}: {result.reason}")
        self.stdout.write(f"OK: {result.checked} events, chain intact（审计链完整）")
