"""`schema_changes_applied(probe_run=..., changes=[SchemaChange, ...])`: sent after commit of a probe run
that changed the registry. The catalog connects a receiver to open a change (变更) for affected published
entries; assets never imports catalog."""

from django.dispatch import Signal

schema_changes_applied = Signal()
