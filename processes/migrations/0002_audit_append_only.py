"""The audit table is append-only: on PostgreSQL a trigger refuses UPDATE, DELETE and TRUNCATE.

SQLite (the embedded default) gets no trigger; there the hash chain alone reveals tampering.
Disabling the guard takes table ownership (ALTER TABLE ... DISABLE TRIGGER), so doing it is a
deliberate act by a database administrator, never something application code does by accident.
"""

from django.db import migrations

FUNCTION = "processes_auditevent_refuse_change"
ROW_TRIGGER = "processes_auditevent_append_only"
TRUNCATE_TRIGGER = "processes_auditevent_no_truncate"

CREATE = f"""
CREATE OR REPLACE FUNCTION {FUNCTION}() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    -- restrict_violation is SQLSTATE class 23, so Django raises IntegrityError.
    RAISE EXCEPTION '审计事件只能追加，不能修改或删除 / audit events are append-only (% refused)', TG_OP
        USING ERRCODE = 'restrict_violation';
END;
$$;
CREATE TRIGGER {ROW_TRIGGER}
    BEFORE UPDATE OR DELETE ON processes_auditevent
    FOR EACH ROW EXECUTE FUNCTION {FUNCTION}();
CREATE TRIGGER {TRUNCATE_TRIGGER}
    BEFORE TRUNCATE ON processes_auditevent
    FOR EACH STATEMENT EXECUTE FUNCTION {FUNCTION}();
"""

DROP = f"""
DROP TRIGGER IF EXISTS {TRUNCATE_TRIGGER} ON processes_auditevent;
DROP TRIGGER IF EXISTS {ROW_TRIGGER} ON processes_auditevent;
DROP FUNCTION IF EXISTS {FUNCTION}();
"""


def _on_postgresql(sql: str):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(sql, params=None)  # None: the SQL holds a literal %

    return run


class Migration(migrations.Migration):
    dependencies = [
        ("processes", "0001_initial"),
    ]

    operations = [
        migrations.RunPython(_on_postgresql(CREATE), _on_postgresql(DROP)),
    ]
