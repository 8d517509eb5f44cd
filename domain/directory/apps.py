from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DirectoryConfig(AppConfig):
    name = "domain.directory"
    label = "directory"
    verbose_name = _("组织机构")

    def ready(self) -> None:
        from processes.ports import register_directory

        from .port import DirectoryPort

        register_directory(DirectoryPort())
