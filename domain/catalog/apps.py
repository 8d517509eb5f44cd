from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CatalogConfig(AppConfig):
    name = "domain.catalog"
    label = "catalog"
    verbose_name = _("资源目录")

    def ready(self) -> None:
        from domain.assets.signals import schema_changes_applied

        from . import fields  # noqa: F401  (the 信息项 take part in 清洗比对)
        from .receivers import on_schema_changes

        schema_changes_applied.connect(on_schema_changes, dispatch_uid="catalog.on_schema_changes")
