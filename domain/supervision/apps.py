from django.apps import AppConfig
from django.db.models.signals import post_save
from django.utils.translation import gettext_lazy as _


class SupervisionConfig(AppConfig):
    name = "domain.supervision"
    label = "supervision"
    verbose_name = _("督查督办")

    def ready(self) -> None:
        from . import rectification  # noqa: F401  (its @receiver connects to rectification_requested)
        from .receivers import on_extension_saved

        post_save.connect(
            on_extension_saved, sender="processes.ExtensionRequest", dispatch_uid="supervision.on_extension_saved"
        )
