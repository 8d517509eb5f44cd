"""Registry writes: register, update and delete systems, databases, tables and columns from form data.

Form data is a mapping of field name → value as a form posts it (strings are fine: "12", "true"); only
the fields listed per level are read, so a form cannot move an asset to another parent or department.
An update reads only the fields present. Every problem raises AssetInvalid naming the field; a taken
natural key (system name per department, database per system, table per database, column per table)
raises AssetConflict naming `name`.
"""

from collections.abc import Mapping
from typing import Any, TypeVar

from django.core.exceptions import ValidationError
from django.db import IntegrityError, models, transaction
from django.db.models.deletion import ProtectedError
from django.utils.translation import gettext as _

from domain.directory.models import Department

from .errors import AssetConflict, AssetInvalid, AssetNotFound
from .models import Column, Database, DataTable, InformationSystem

SYSTEM_FIELDS = ("name", "status", "deployment", "users", "user_count", "vendor", "on_cloud", "description")
DATABASE_FIELDS = ("name", "engine", "host", "size_mb", "description")
TABLE_FIELDS = ("name", "comment", "rows", "update_cycle")
COLUMN_FIELDS = ("name", "data_type", "length", "scale", "nullable", "comment", "position")

_TRUE = {"1", "true", "on", "yes", "是", "y", "t"}
_FALSE = {"0", "false", "off", "no", "否", "n", "f", ""}

M = TypeVar("M", bound=models.Model)


def _coerce(model: type[models.Model], name: str, value: Any) -> Any:
    field = model._meta.get_field(name)
    if isinstance(field, models.BooleanField) and not isinstance(value, bool):
        text = str(value if value is not None else "").strip().lower()
        if text in _TRUE | _FALSE:
            return text in _TRUE
        raise AssetInvalid(_("应为 是 或 否"), field=name)
    if isinstance(value, str):
        value = value.strip()
        if value == "" and getattr(field, "null", False):
            return None
    return value


def form_fill(obj: models.Model, data: Mapping[str, Any], fields: tuple[str, ...]) -> None:
    for name in fields:
        if name in data:
            setattr(obj, name, _coerce(type(obj), name, data[name]))


def asset_validate(obj: models.Model) -> None:
    """Field checks (types, choices, lengths, required); the natural key is checked by the caller."""
    try:
        obj.full_clean(validate_unique=False, validate_constraints=False)
    except ValidationError as error:
        detail = {key: [str(message) for message in messages] for key, messages in error.message_dict.items()}
        field = next(iter(detail))
        raise AssetInvalid(detail[field][0], field=field, detail=detail) from None


def _ensure_free(obj: models.Model, rows: "models.QuerySet[Any]", what: str) -> None:
    name = getattr(obj, "name")  # noqa: B009 — every registry model has one
    if rows.filter(name=name).exclude(pk=obj.pk).exists():
        raise AssetConflict(_("%(what)s “%(name)s” 已存在") % {"what": what, "name": name}, field="name")


def asset_save(obj: M, rows: "models.QuerySet[Any]", what: str) -> M:
    asset_validate(obj)
    _ensure_free(obj, rows, what)
    try:
        with transaction.atomic():
            obj.save()
    except IntegrityError:
        # Someone registered the same name between our check and the insert.
        raise AssetConflict(_("%(what)s “%(name)s” 已存在") % {"what": what, "name": obj.name}, field="name") from None  # type: ignore[attr-defined]
    return obj


def asset_get(model: type[M], pk: int) -> M:
    obj = model._default_manager.filter(pk=pk).first()
    if obj is None:
        raise AssetNotFound(_("%(what)s %(id)s 不存在") % {"what": model._meta.verbose_name, "id": pk})
    return obj


def _department(department_id: int | None) -> Department | None:
    return None if department_id is None else asset_get(Department, department_id)


def _delete(obj: models.Model) -> None:
    try:
        obj.delete()
    except ProtectedError:
        raise AssetConflict(_("仍有探针使用该资产，请先删除或修改探针")) from None


@transaction.atomic
def system_register(*, department_id: int, data: Mapping[str, Any]) -> InformationSystem:
    system = InformationSystem(department=asset_get(Department, department_id))
    form_fill(system, data, SYSTEM_FIELDS)
    return asset_save(system, InformationSystem.objects.filter(department_id=department_id), _("信息系统"))


@transaction.atomic
def system_update(*, system_id: int, data: Mapping[str, Any]) -> InformationSystem:
    system = asset_get(InformationSystem, system_id)
    form_fill(system, data, SYSTEM_FIELDS)
    return asset_save(system, InformationSystem.objects.filter(department_id=system.department_id), _("信息系统"))


@transaction.atomic
def system_delete(*, system_id: int) -> None:
    _delete(asset_get(InformationSystem, system_id))


@transaction.atomic
def database_register(*, system_id: int, data: Mapping[str, Any], department_id: int | None = None) -> Database:
    database = Database(system=asset_get(InformationSystem, system_id), department=_department(department_id))
    form_fill(database, data, DATABASE_FIELDS)
    return asset_save(database, Database.objects.filter(system_id=system_id), _("数据库"))


@transaction.atomic
def database_update(*, database_id: int, data: Mapping[str, Any]) -> Database:
    database = asset_get(Database, database_id)
    form_fill(database, data, DATABASE_FIELDS)
    return asset_save(database, Database.objects.filter(system_id=database.system_id), _("数据库"))


@transaction.atomic
def database_delete(*, database_id: int) -> None:
    _delete(asset_get(Database, database_id))


@transaction.atomic
def table_register(*, database_id: int, data: Mapping[str, Any], department_id: int | None = None) -> DataTable:
    table = DataTable(database=asset_get(Database, database_id), department=_department(department_id))
    form_fill(table, data, TABLE_FIELDS)
    return asset_save(table, DataTable.objects.filter(database_id=database_id), _("数据表"))


@transaction.atomic
def table_update(*, table_id: int, data: Mapping[str, Any]) -> DataTable:
    table = asset_get(DataTable, table_id)
    form_fill(table, data, TABLE_FIELDS)
    return asset_save(table, DataTable.objects.filter(database_id=table.database_id), _("数据表"))


@transaction.atomic
def table_delete(*, table_id: int) -> None:
    _delete(asset_get(DataTable, table_id))


@transaction.atomic
def column_register(*, table_id: int, data: Mapping[str, Any], department_id: int | None = None) -> Column:
    column = Column(table=asset_get(DataTable, table_id), department=_department(department_id))
    form_fill(column, data, COLUMN_FIELDS)
    return asset_save(column, Column.objects.filter(table_id=table_id), _("字段"))


@transaction.atomic
def column_update(*, column_id: int, data: Mapping[str, Any]) -> Column:
    column = asset_get(Column, column_id)
    form_fill(column, data, COLUMN_FIELDS)
    return asset_save(column, Column.objects.filter(table_id=column.table_id), _("字段"))


@transaction.atomic
def column_delete(*, column_id: int) -> None:
    _delete(asset_get(Column, column_id))
