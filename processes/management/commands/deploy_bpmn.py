"""manage.py deploy_bpmn [paths…]: validate and deploy diagrams (default: every bpmn/*.bpmn)."""

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from processes.engine.compile import DefinitionInvalid
from processes.ports import SYSTEM
from processes.services.definitions import bpmn_directory_files, definition_deploy


class Command(BaseCommand):
    help = "Validate and deploy BPMN diagrams; exits non-zero if any diagram is invalid."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("paths", nargs="*", help="BPMN files (default: every bpmn/*.bpmn)")
        parser.add_argument("--note", default="", help="change note stored with new versions")

    def handle(self, *args: Any, paths: list[str], note: str, **options: Any) -> None:
        files = [Path(p) for p in paths] or None
        failed = 0
        for path, bpmn_xml, extra in bpmn_directory_files(files):
            if not path.exists():
                raise CommandError(f"{path}: no such file")
            try:
                result = definition_deploy(
                    bpmn_xml=bpmn_xml, extra_files=extra, file_name=path.name, actor=SYSTEM, note=note
                )
            except DefinitionInvalid as exc:
                failed += 1
                for problem in exc.problems:
                    where = problem.element_id or (f"line {problem.line}" if problem.line else "")
                    self.stderr.write(f"{path.name}: {where}: {problem.message}")
                continue
            for warning in result.warnings:
                self.stdout.write(f"{path.name}: {warning.element_id}: warning: {warning.message}")
            definition = result.definition
            state = "deployed" if result.created else "unchanged"
            self.stdout.write(f"{path.name}: {definition.key} v{definition.version} {state}")
        if failed:
            raise CommandError(f"{failed} diagram(s) failed validation; nothing was stored for them")
