from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PerformanceConfig(AppConfig):
    name = "domain.performance"
    label = "performance"
    verbose_name = _("绩效评估")
