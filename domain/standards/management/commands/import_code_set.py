"""manage.py import_code_set CODE FILE.csv --name NAME: create or update a code set from a CSV.

Columns: code,name[,parent] (a header row with these names is skipped). Parents may come later in the
file or exist already. Idempotent; values not in the file are kept. A bad row stops the import with
its row number and nothing is written.
"""

import csv
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from domain.standards.errors import CodeSetImportError
from domain.standards.models import CodeSet
from domain.standards.services.codesets import CodeRow, code_set_import


def read_rows(path: Path, encoding: str) -> list[CodeRow]:
    with path.open(encoding=encoding, newline="") as handle:
        lines = [line for line in csv.reader(handle) if any(cell.strip() for cell in line)]
    if lines and [cell.strip().lower() for cell in lines[0][:2]] == ["code", "name"]:
        lines = lines[1:]
    return [
        CodeRow(line[0].strip(), (line[1] if len(line) > 1 else "").strip(), (line[2] if len(line) > 2 else "").strip())
        for line in lines
    ]


class Command(BaseCommand):
    help = "Import a code set from a CSV of code,name[,parent]."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("code", help="code set identifier, e.g. GB/T2260")
        parser.add_argument("file", type=Path)
        parser.add_argument("--name", default="", help="code set name (required for a new code set)")
        parser.add_argument("--standard", default="")
        parser.add_argument("--encoding", default="utf-8-sig")
        parser.add_argument("--complete", action="store_true", help="mark the code set complete (not partial)")

    def handle(self, *args: Any, **options: Any) -> None:
        existing = CodeSet.objects.filter(code=options["code"]).first()
        name = options["name"] or (existing.name if existing else "")
        if not name:
            raise CommandError("--name is required for a new code set")
        try:
            summary = code_set_import(
                code=options["code"],
                name=name,
                rows=read_rows(options["file"], options["encoding"]),
                standard=options["standard"],
                partial=False if options["complete"] else None,
            )
        except CodeSetImportError as exc:
            raise CommandError(str(exc))
        self.stdout.write(f"{summary.created} created, {summary.updated} updated, {summary.unchanged} unchanged")
