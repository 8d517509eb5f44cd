"""What the catalog does when other apps report something: a probe changed a catalogued table."""

import logging
from typing import Any

from domain.assets.models import SchemaChange

from .services.schema_changes import catalog_changes_for_schema

log = logging.getLogger(__name__)


def on_schema_changes(sender: Any, *, changes: list[SchemaChange], **kwargs: Any) -> None:
    """Open a 变更 for each published entry the probe run's changes touch. The probe run itself succeeded
    and stays so: a failure here is logged with its reason (the entries keep their published state)."""
    try:
        follow_up = catalog_changes_for_schema(changes=changes)
    except Exception:
        log.exception("opening catalog changes for %s schema change(s) failed", len(changes))
        return
    if follow_up.opened:
        log.info("schema changes opened catalog changes %s", [change.pk for change in follow_up.opened])
