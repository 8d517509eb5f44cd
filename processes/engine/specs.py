"""Task specs we add to SpiffWorkflow's."""

from typing import Any

from SpiffWorkflow.spiff.specs.defaults import ServiceTask


class AsyncServiceTask(ServiceTask):  # type: ignore[misc]
    """A service task that does not run inline.

    Running it evaluates the parameters into the task's internal data and leaves the task STARTED;
    the runtime turns every STARTED service task into a ServiceJob row, and a worker later
    completes (or fails) it through the same locked path as every other change.
    """

    def _execute(self, task: Any) -> None:
        params = {name: param["value"] for name, param in self.evaluate_params(task).items()}
        if getattr(self, "pass_all_data", False):
            params = {**task.data, **params}
        task.internal_data["tongban_params"] = params
        return None
