from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SupervisionConfig(AppConfig):
    name = "domain.supervision"
    label = "supervision"
    verbose_name = _("督查督办")

    def ready(self) -> None:
        from processes.signals import extension_approved

        from . import rectification  # noqa: F401  (its @receiver connects to rectification_requested)
        from .receivers import on_extension_approved

        extension_approved.connect(on_extension_approved, dispatch_uid="supervision.on_extension_approved")
