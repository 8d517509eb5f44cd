from django.db import models
from django.utils.translation import gettext_lazy as _


class DecisionRecord(models.Model):
    """The outcome of a general approval, written by the `approvals/decision_record` service task."""

    business_key = models.CharField(_("业务键"), max_length=200, db_index=True)
    approved = models.BooleanField(_("是否通过"))
    opinion = models.TextField(_("意见"), blank=True)
    idempotency_key = models.CharField(max_length=200, unique=True)
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("审批结果")
        verbose_name_plural = _("审批结果")

    def __str__(self) -> str:
        return f"{self.business_key}: {'通过' if self.approved else '不通过'}"
