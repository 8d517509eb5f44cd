from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AssetsConfig(AppConfig):
    name = "domain.assets"
    label = "assets"
    verbose_name = _("数据资产")

    def ready(self) -> None:
        # The registry's columns take part in 清洗比对 (domain.standards reads them through this source).
        from . import fields  # noqa: F401
