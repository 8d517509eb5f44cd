"""Writes of value domains (代码集): idempotent import and the built-in seed."""

from collections.abc import Sequence
from dataclasses import dataclass

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from ..errors import CodeSetImportError
from ..models import CodeSet, CodeValue


@dataclass(frozen=True)
class CodeRow:
    code: str
    name: str
    parent_code: str = ""


@dataclass(frozen=True)
class ImportSummary:
    created: int
    updated: int
    unchanged: int


def _check(rows: Sequence[CodeRow], known: set[str]) -> None:
    seen: set[str] = set()
    for number, row in enumerate(rows, start=1):
        if not row.code.strip():
            raise CodeSetImportError(number, "code", _("代码不能为空"))
        if not row.name.strip():
            raise CodeSetImportError(number, "name", _("名称不能为空"))
        if row.code in seen:
            raise CodeSetImportError(number, "code", _("代码 %(code)s 重复") % {"code": row.code})
        seen.add(row.code)
    for number, row in enumerate(rows, start=1):
        if row.parent_code and row.parent_code not in seen | known:
            raise CodeSetImportError(number, "parent", _("上级代码 %(code)s 不存在") % {"code": row.parent_code})
        if row.parent_code == row.code:
            raise CodeSetImportError(number, "parent", _("上级代码不能是自身"))


@transaction.atomic
def code_set_import(
    *,
    code: str,
    name: str,
    rows: Sequence[CodeRow],
    standard: str = "",
    description: str = "",
    partial: bool | None = None,
) -> ImportSummary:
    """Create or update a code set and its values by code; running it twice changes nothing. Values not in
    `rows` are kept (an import may add to a partial list)."""
    code_set, _created = CodeSet.objects.get_or_create(code=code, defaults={"name": name})
    code_set.name, code_set.standard = name, standard or code_set.standard
    code_set.description = description or code_set.description
    if partial is not None:
        code_set.partial = partial
    code_set.save()
    existing = {value.code: value for value in code_set.values.all()}
    _check(rows, set(existing))
    created = updated = 0
    for position, row in enumerate(rows):
        value = existing.get(row.code)
        if value is None:
            existing[row.code] = CodeValue.objects.create(
                code_set=code_set, code=row.code, name=row.name, sort=position
            )
            created += 1
        elif (value.name, value.sort) != (row.name, position):
            value.name, value.sort = row.name, position
            value.save(update_fields=["name", "sort"])
            updated += 1
    for row in rows:
        value = existing[row.code]
        parent_id = existing[row.parent_code].pk if row.parent_code else None
        if value.parent_id != parent_id:
            value.parent_id = parent_id
            value.save(update_fields=["parent"])
    return ImportSummary(created=created, updated=updated, unchanged=len(rows) - created - updated)


def code_set_seed() -> dict[str, ImportSummary]:
    """Load the built-in code sets (see seed_data: GB/T 2261.1 complete, GB/T 2260 partial)."""
    from ..seed_data import CODE_SETS

    return {
        spec.code: code_set_import(
            code=spec.code,
            name=spec.name,
            rows=spec.rows,
            standard=spec.standard,
            description=spec.description,
            partial=spec.partial,
        )
        for spec in CODE_SETS
    }
