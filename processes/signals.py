"""Signals the orchestration core sends to the domain apps (which may import processes, never the reverse)."""

from django.dispatch import Signal

# Sent inside the cancelling transaction, after the instance is marked cancelled: a receiver may put the
# instance's subject back in order (a catalog entry left 审核中, for instance); if it raises, the cancel
# rolls back with it. Arguments: instance (ProcessInstance, its definition's key loaded), actor, reason.
instance_cancelled = Signal()
