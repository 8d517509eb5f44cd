"""Extended statistics on who holds a task and its status (PostgreSQL only).

PostgreSQL assumes columns are independent: "completed by this clerk" (5 %) and "status completed"
(5 %) look like 0.25 % of the table together, when every task a clerk completed is completed. With that
estimate the 已办 page sorted all the clerk's completed tasks instead of reading the first 26 from the
task_done_by index (18 ms instead of 0.05 ms at 100,000 tasks, tests/benchmarks/inbox.py).
"""

from typing import Any

from django.db import migrations

CREATE = (
    "CREATE STATISTICS IF NOT EXISTS task_status_people (dependencies, mcv) "
    "ON status, completed_by_id, assignee_id FROM processes_humantask"
)
DROP = "DROP STATISTICS IF EXISTS task_status_people"


def _on_postgresql(sql: str) -> Any:
    def run(apps: Any, schema_editor: Any) -> None:
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(sql)

    return run


class Migration(migrations.Migration):
    dependencies = [("processes", "0007_saved_filters_done_index")]

    operations = [migrations.RunPython(_on_postgresql(CREATE), _on_postgresql(DROP), elidable=False)]
