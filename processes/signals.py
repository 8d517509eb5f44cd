"""Signals the orchestration core sends to the domain apps (which may import processes, never the reverse)."""

from django.dispatch import Signal

# Sent inside the cancelling transaction, after the instance is marked cancelled: a receiver may put the
# instance's subject back in order (a catalog entry left 审核中, for instance); if it raises, the cancel
# rolls back with it. Arguments: instance (ProcessInstance, its definition's key loaded), actor, reason.
instance_cancelled = Signal()

# Sent inside the deciding transaction when a supervisor approves a 延期申请 and the task's due time has moved:
# a receiver may move what follows that due time (a 督查 unit's deadline). Arguments: request
# (ExtensionRequest, decided, `previous_due_at` set), task (HumanTask, its new `due_at`).
extension_approved = Signal()
