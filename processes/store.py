"""The hottest statements of the instance path, in plain SQL.

Every command locks and loads one instance and saves it again, and every job is claimed once;
building these few statements through the ORM cost more than running them (≈0.35 ms of query
compilation against ≈0.08 ms through a cursor, see tests/benchmarks/README.md). Everything
else stays in the ORM. Rows come back as model instances, with the definition's heavy columns
deferred (they live in the spec cache).
"""

from typing import Any

from django.db import connection
from django.utils import timezone

from .models import HumanTask, InstanceStatus, JobStatus, ProcessDefinition, ProcessInstance, ServiceJob

_INSTANCE_COLUMNS = [f.column for f in ProcessInstance._meta.concrete_fields]
_INSTANCE_LIGHT = [f for f in ProcessInstance._meta.concrete_fields if f.attname != "state"]
_TASK_COLUMNS = [f.column for f in HumanTask._meta.concrete_fields]
_DEFINITION_FIELDS = ["id", "key", "version", "name", "content_hash"]
_JOB_COLUMNS = [f.column for f in ServiceJob._meta.concrete_fields]


def _for_update() -> str:
    # SQLite has no row locks: its IMMEDIATE transactions already serialise writers.
    return " FOR UPDATE OF i" if connection.vendor == "postgresql" else ""


def instance_lock(instance_id: int) -> ProcessInstance | None:
    """Lock the instance row (only that row) and load it with its definition's light columns."""
    columns = ", ".join([f"i.{c}" for c in _INSTANCE_COLUMNS] + [f"d.{c}" for c in _DEFINITION_FIELDS])
    sql = (
        f"SELECT {columns} FROM processes_processinstance i "  # noqa: S608 (column names from the model)
        f"JOIN processes_processdefinition d ON d.id = i.definition_id WHERE i.id = %s{_for_update()}"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [instance_id])
        row = cursor.fetchone()
    if row is None:
        return None
    split = len(_INSTANCE_COLUMNS)
    instance = ProcessInstance.from_db(
        connection.alias, _attnames(ProcessInstance), _convert(ProcessInstance, row[:split])
    )
    definition = ProcessDefinition.from_db(connection.alias, _DEFINITION_FIELDS, list(row[split:]))
    instance.definition = definition
    return instance


def instance_save_state(instance: ProcessInstance) -> None:
    instance.updated_at = timezone.now()
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE processes_processinstance SET state = %s, serializer_version = %s, status = %s, "
            "ended_at = %s, updated_at = %s WHERE id = %s",
            [
                instance.state,
                instance.serializer_version,
                instance.status,
                instance.ended_at,
                instance.updated_at,
                instance.pk,
            ],
        )


def task_load(task_id: int) -> HumanTask | None:
    """A human task with its instance (without the workflow state) and its definition's light columns."""
    columns = ", ".join(
        [f"t.{c}" for c in _TASK_COLUMNS]
        + [f"i.{f.column}" for f in _INSTANCE_LIGHT]
        + [f"d.{c}" for c in _DEFINITION_FIELDS]
    )
    sql = (
        f"SELECT {columns} FROM processes_humantask t "  # noqa: S608 (column names from the models)
        "JOIN processes_processinstance i ON i.id = t.instance_id "
        "JOIN processes_processdefinition d ON d.id = i.definition_id WHERE t.id = %s"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [task_id])
        row = cursor.fetchone()
    if row is None:
        return None
    first, second = len(_TASK_COLUMNS), len(_TASK_COLUMNS) + len(_INSTANCE_LIGHT)
    task = HumanTask.from_db(connection.alias, _attnames(HumanTask), _convert(HumanTask, row[:first]))
    instance = ProcessInstance.from_db(
        connection.alias, [f.attname for f in _INSTANCE_LIGHT], _convert_fields(_INSTANCE_LIGHT, row[first:second])
    )
    instance.definition = ProcessDefinition.from_db(connection.alias, _DEFINITION_FIELDS, list(row[second:]))
    task.instance = instance
    return task


def open_tasks(instance_id: int) -> list[HumanTask]:
    columns = ", ".join(_TASK_COLUMNS)
    sql = f"SELECT {columns} FROM processes_humantask WHERE instance_id = %s AND status = %s"  # noqa: S608
    with connection.cursor() as cursor:
        cursor.execute(sql, [instance_id, "open"])
        rows = cursor.fetchall()
    return [HumanTask.from_db(connection.alias, _attnames(HumanTask), _convert(HumanTask, row)) for row in rows]


def job_claim(job_id: int, dispatch: int | None) -> tuple[ServiceJob, str] | None:
    """Mark a job running and count the attempt, in one statement; None if it is finished, the
    message is stale (an older `dispatch`), or its instance is not running (resume re-sends it).

    A job already "running" with the same dispatch is claimed again: only the broker redelivers
    the same message, and it does so when the worker holding it is gone. Returns the job and the
    instance's business key."""
    finished = (JobStatus.DONE, JobStatus.FAILED, JobStatus.CANCELLED)
    returning = ", ".join(_JOB_COLUMNS)
    sql = (
        "UPDATE processes_servicejob SET status = %s, attempts = attempts + 1, updated_at = %s "  # noqa: S608
        "WHERE id = %s AND dispatch = COALESCE(%s, dispatch) AND status NOT IN (%s, %s, %s) "
        "AND EXISTS (SELECT 1 FROM processes_processinstance i "
        "WHERE i.id = processes_servicejob.instance_id AND i.status = %s) "
        f"RETURNING {returning}, (SELECT i.business_key FROM processes_processinstance i "
        "WHERE i.id = processes_servicejob.instance_id)"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [JobStatus.RUNNING, timezone.now(), job_id, dispatch, *finished, InstanceStatus.RUNNING])
        row = cursor.fetchone()
    if row is None:
        return None
    job = ServiceJob.from_db(connection.alias, _attnames(ServiceJob), _convert(ServiceJob, row[:-1]))
    return job, row[-1]


def _attnames(model: Any) -> list[str]:
    return [f.attname for f in model._meta.concrete_fields]


_CONVERTERS: dict[tuple[str, tuple[Any, ...]], list[list[Any]]] = {}


def _convert(model: Any, values: Any) -> list[Any]:
    """Apply the fields' database converters (JSON, UUID, datetimes on SQLite) as the ORM would."""
    return _convert_fields(list(model._meta.concrete_fields), values)


def _convert_fields(fields: list[Any], values: Any) -> list[Any]:
    key = (connection.vendor, tuple(fields))
    if key not in _CONVERTERS:
        _CONVERTERS[key] = [
            connection.ops.get_db_converters(f.cached_col) + f.cached_col.get_db_converters(connection) for f in fields
        ]
    converted = []
    for field, converters, value in zip(fields, _CONVERTERS[key], values, strict=True):
        for converter in converters:
            value = converter(value, field.cached_col, connection)
        converted.append(value)
    return converted
