"""Service-task handlers: registry.py plus one module per domain, imported in apps.ready()."""
