"""start → review (human, permission-gated) → if approved → record (writes BenchDecision) → end.

The peer of bpmn/approval.bpmn. Started from code (StartHandle: Tongban's instance_start is a service
call too), locked with SELECT … FOR UPDATE on the process row (viewflow's recommended lock on
PostgreSQL, the same guarantee Tongban's single locked path gives).
"""

from typing import Any

from viewflow import this
from viewflow.workflow import flow, lock
from viewflow.workflow.flow.views import UpdateProcessView

from .models import BenchDecision

REVIEW_PERMISSION = "bench_viewflow.can_review"


class ApprovalFlow(flow.Flow):
    """General approval (benchmark peer)"""

    lock_impl = lock.select_for_update_lock

    start = flow.StartHandle(this.start_process).Next(this.review)
    review = flow.View(UpdateProcessView.as_view(fields=[])).Permission(REVIEW_PERMISSION).Next(this.decide)
    decide = flow.If(this.is_approved).Then(this.record).Else(this.end_rejected)
    record = flow.Function(this.record_decision).Next(this.end_approved)
    end_approved = flow.End()
    end_rejected = flow.End()

    def start_process(self, activation: Any, *, business_key: str, data: dict[str, Any]) -> Any:
        activation.process.data = {**data, "business_key": business_key}
        return activation.process

    def is_approved(self, activation: Any) -> bool:
        return activation.process.data.get("approved") is True

    def record_decision(self, activation: Any) -> None:
        data = activation.process.data
        BenchDecision.objects.create(
            business_key=data.get("business_key", ""),
            approved=bool(data.get("approved")),
            opinion=str(data.get("opinion") or ""),
            process_id=activation.process.pk,
        )
