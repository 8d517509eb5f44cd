from django.db import models


class BenchDecision(models.Model):
    """The domain row the viewflow flow's Function node writes (the peer of approvals.DecisionRecord)."""

    business_key = models.CharField(max_length=200, db_index=True)
    approved = models.BooleanField()
    opinion = models.TextField(blank=True)
    process_id = models.BigIntegerField(unique=True)
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        # Who may take the review task: the peer of Tongban's candidate group `reviewer`.
        permissions = [("can_review", "Can review approval requests")]

    def __str__(self) -> str:
        return f"{self.business_key}: {'approved' if self.approved else 'rejected'}"
