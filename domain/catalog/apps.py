from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CatalogConfig(AppConfig):
    name = "domain.catalog"
    label = "catalog"
    verbose_name = _("资源目录")

    def ready(self) -> None:
        from domain.assets.signals import schema_changes_applied
        from processes.signals import instance_cancelled

        from . import fields  # noqa: F401  (the 信息项 take part in 清洗比对 and follow its mappings)
        from .receivers import on_instance_cancelled, on_schema_changes

        schema_changes_applied.connect(on_schema_changes, dispatch_uid="catalog.on_schema_changes")
        instance_cancelled.connect(on_instance_cancelled, dispatch_uid="catalog.on_instance_cancelled")
