"""What the catalog does when other apps report something: a probe changed a catalogued table; an operator
cancelled a catalog approval instance."""

import logging
from typing import Any

from django.contrib.contenttypes.models import ContentType

from domain.assets.models import SchemaChange

from .errors import CatalogError
from .models import CatalogChange, CatalogEntry
from .services.entries import APPROVAL_PROCESS
from .services.schema_changes import catalog_changes_for_schema
from .services.withdrawal import approval_withdraw

log = logging.getLogger(__name__)


def on_schema_changes(sender: Any, *, changes: list[SchemaChange], **kwargs: Any) -> None:
    """Open a 变更 (or 下线) for each published entry the probe run's changes touch. The probe run itself
    succeeded and stays so: a failure here is logged with its reason (the entries keep their published state)."""
    try:
        follow_up = catalog_changes_for_schema(changes=changes)
    except Exception:
        log.exception("opening catalog changes for %s schema change(s) failed", len(changes))
        return
    if follow_up.opened:
        log.info("schema changes opened catalog changes %s", [change.pk for change in follow_up.opened])
    if follow_up.refused:
        log.warning("schema changes could not be followed for entries %s", follow_up.refused)


def on_instance_cancelled(sender: Any, *, instance: Any, **kwargs: Any) -> None:
    """A cancelled catalog_approval case must not leave its entry 审核中 or its change open for ever: it ends
    like a withdrawal (runs inside the cancelling transaction)."""
    if instance.definition.key != APPROVAL_PROCESS or not instance.subject_type_id or not instance.subject_id:
        return
    model = ContentType.objects.get_for_id(instance.subject_type_id).model_class()
    try:
        if model is CatalogEntry:
            approval_withdraw(entry_id=int(instance.subject_id), change_id=None)
        elif model is CatalogChange:
            change = CatalogChange.objects.only("entry_id").get(pk=int(instance.subject_id))
            approval_withdraw(entry_id=change.entry_id, change_id=change.pk)
    except CatalogError as exc:
        # Already decided (published, applied): nothing is stuck, and the operator's cancel goes ahead.
        log.info("cancelled catalog case %s left as decided: %s", instance.pk, exc.message)
