"""Request and response shapes of the REST API. Requests are parsed here; nothing is written."""

from typing import Any

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from domain.directory.models import Department
from processes.models import (
    AuditEvent,
    HumanTask,
    Incident,
    InstanceStatus,
    ProcessDefinition,
    ProcessDraft,
    ProcessInstance,
    ServiceJob,
    TaskComment,
    TaskStatus,
)
from processes.selectors import instance_history, instance_tasks, task_can_act
from processes.services.definitions import form_schema
from webui.i18n import one_language


def username_field() -> "serializers.SlugRelatedField[Any]":
    """A user shown by username (read only)."""
    return serializers.SlugRelatedField(slug_field="username", read_only=True, allow_null=True)


# `errors`, `context` and `data` are also Serializer attributes; DRF's metaclass moves declared fields
# out of the class body, so the names are safe as JSON keys, but mypy sees an override.

# --- errors (documentation only: webui.api.errors builds these bodies) ---


class ErrorSerializer(serializers.Serializer):
    detail = serializers.CharField(help_text="给人看的说明 / a message for people")
    errors = serializers.JSONField(  # type: ignore[assignment]
        required=False, help_text="按字段或元素的错误 / per-field or per-element errors"
    )
    context = serializers.JSONField(required=False)  # type: ignore[assignment]


class ProblemSerializer(serializers.Serializer):
    message = serializers.CharField()
    element_id = serializers.CharField(allow_blank=True)
    file = serializers.CharField(allow_blank=True)
    line = serializers.IntegerField(allow_null=True)
    severity = serializers.ChoiceField(choices=["error", "warning"])


class DefinitionErrorSerializer(serializers.Serializer):
    detail = serializers.CharField()
    errors = ProblemSerializer(many=True)  # type: ignore[assignment]


# --- definitions ---


class DefinitionSerializer(serializers.ModelSerializer):
    running_instances = serializers.IntegerField(source="running_count", read_only=True, default=0)
    deployed_by = username_field()

    class Meta:
        model = ProcessDefinition
        fields = [
            "id",
            "key",
            "version",
            "name",
            "content_hash",
            "note",
            "deployed_by",
            "deployed_at",
            "running_instances",
        ]


class DefinitionDetailSerializer(DefinitionSerializer):
    files = serializers.SerializerMethodField(help_text="随图部署的其他文件 / files deployed with the diagram")

    class Meta(DefinitionSerializer.Meta):
        fields = [*DefinitionSerializer.Meta.fields, "bpmn_xml", "files"]

    def get_files(self, definition: ProcessDefinition) -> list[str]:
        return sorted(definition.extra_files)


class DeployJsonSerializer(serializers.Serializer):
    bpmn_xml = serializers.CharField(trim_whitespace=False)
    files = serializers.DictField(
        child=serializers.CharField(trim_whitespace=False),
        required=False,
        default=dict,
        help_text="文件名 → 内容：*.dmn、被调用的 *.bpmn、forms/<key>.json / file name → text",
    )
    file_name = serializers.CharField(required=False, default="api.bpmn")
    note = serializers.CharField(required=False, allow_blank=True, default="")


class DeployUploadSerializer(serializers.Serializer):
    file = serializers.FileField(help_text="主流程 .bpmn / the main diagram")
    files = serializers.ListField(
        child=serializers.FileField(),
        required=False,
        default=list,
        help_text="附加文件：.dmn、.bpmn、表单 .json（存为 forms/<文件名>） / extra files",
    )
    note = serializers.CharField(required=False, allow_blank=True, default="")


class DeployResultSerializer(serializers.Serializer):
    created = serializers.BooleanField()
    definition = DefinitionSerializer()
    warnings = ProblemSerializer(many=True)


class ValidateResultSerializer(serializers.Serializer):
    ok = serializers.BooleanField()
    process_key = serializers.CharField(allow_blank=True)
    errors = ProblemSerializer(many=True)  # type: ignore[assignment]
    warnings = ProblemSerializer(many=True)


# --- human tasks ---


class TaskSerializer(serializers.ModelSerializer):
    instance = serializers.IntegerField(source="instance_id", read_only=True)
    business_key = serializers.CharField(source="instance.business_key", read_only=True)
    instance_status = serializers.CharField(source="instance.status", read_only=True)
    assignee = username_field()
    completed_by = username_field()

    class Meta:
        model = HumanTask
        fields = [
            "id",
            "instance",
            "business_key",
            "instance_status",
            "process_key",
            "element_id",
            "name",
            "lane",
            "department",
            "candidate_roles",
            "candidate_users",
            "assignee",
            "priority",
            "form_key",
            "due_at",
            "status",
            "escalation_level",
            "returned_from",
            "opinion",
            "created_at",
            "claimed_at",
            "completed_at",
            "completed_by",
        ]


class CommentSerializer(serializers.ModelSerializer):
    author = username_field()

    class Meta:
        model = TaskComment
        fields = ["id", "author", "text", "created_at"]


class TaskDetailSerializer(TaskSerializer):
    """Needs context["actor"] for `can_act`."""

    form = serializers.SerializerMethodField(help_text="表单的 JSON Schema / the task form as JSON Schema")
    comments = CommentSerializer(many=True, read_only=True)
    can_act = serializers.SerializerMethodField(help_text="当前用户能否办理 / may the caller act on it")

    class Meta(TaskSerializer.Meta):
        fields = [
            *TaskSerializer.Meta.fields,
            "documentation",
            "form",
            "draft",
            "submitted_data",
            "comments",
            "can_act",
        ]

    @extend_schema_field(OpenApiTypes.OBJECT)
    def get_form(self, task: HumanTask) -> dict[str, Any] | None:
        return form_schema(task.instance.definition, task.form_key) if task.form_key else None

    def get_can_act(self, task: HumanTask) -> bool:
        return task.status == TaskStatus.OPEN and task_can_act(self.context["actor"], task)


class TaskDataSerializer(serializers.Serializer):
    data = serializers.DictField(required=False, default=dict, help_text="表单数据 / form data")  # type: ignore[assignment]


class DelegateSerializer(serializers.Serializer):
    to = serializers.CharField(help_text="接收人用户名 / username of the new assignee")
    note = serializers.CharField(required=False, allow_blank=True, default="")


class ReturnSerializer(serializers.Serializer):
    opinion = serializers.CharField(help_text="退回意见 / why it goes back")


class CommentInputSerializer(serializers.Serializer):
    text = serializers.CharField()


# --- instances ---


class InstanceSerializer(serializers.ModelSerializer):
    process_key = serializers.CharField(source="definition.key", read_only=True)
    version = serializers.IntegerField(source="definition.version", read_only=True)
    started_by = username_field()

    class Meta:
        model = ProcessInstance
        fields = [
            "id",
            "process_key",
            "version",
            "definition",
            "business_key",
            "department",
            "status",
            "started_by",
            "started_at",
            "updated_at",
            "ended_at",
        ]


class AuditEventSerializer(serializers.ModelSerializer):
    class Meta:
        model = AuditEvent
        fields = ["id", "at", "actor", "action", "task_id", "payload", "hash"]


class InstanceDetailSerializer(InstanceSerializer):
    tasks = serializers.SerializerMethodField(help_text="人工任务，按创建先后 / human tasks, oldest first")
    history = serializers.SerializerMethodField(help_text="审计事件 / audit events")

    class Meta(InstanceSerializer.Meta):
        fields = [*InstanceSerializer.Meta.fields, "tasks", "history"]

    @extend_schema_field(TaskSerializer(many=True))
    def get_tasks(self, instance: ProcessInstance) -> Any:
        rows = instance_tasks(instance=instance).select_related("instance", "assignee", "completed_by")
        return TaskSerializer(rows, many=True).data

    @extend_schema_field(AuditEventSerializer(many=True))
    def get_history(self, instance: ProcessInstance) -> Any:
        return AuditEventSerializer(instance_history(instance=instance), many=True).data


class InstanceStartSerializer(serializers.Serializer):
    process_key = serializers.CharField()
    business_key = serializers.CharField(required=False, allow_blank=True, default="")
    data = serializers.DictField(required=False, default=dict, help_text="流程初始数据 / initial process data")  # type: ignore[assignment]
    department_id = serializers.IntegerField(required=False, allow_null=True, default=None)

    def validate_department_id(self, value: int | None) -> int | None:
        if value is not None and not Department.objects.filter(pk=value).exists():
            raise serializers.ValidationError("部门不存在 / no such department")
        return value


class InstanceFilterSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=InstanceStatus.choices, required=False)
    process_key = serializers.CharField(required=False)


class CancelSerializer(serializers.Serializer):
    reason = serializers.CharField(required=False, allow_blank=True, default="")


# --- messages ---


class MessageSerializer(serializers.Serializer):
    name = serializers.CharField(help_text="消息名 / message name")
    correlation = serializers.DictField(
        required=False, default=dict, help_text="关联键，如 business_key / correlation values"
    )
    payload = serializers.JSONField(required=False, default=None)


class MessageResultSerializer(serializers.Serializer):
    instances = serializers.ListField(child=serializers.IntegerField(), help_text="收到消息的实例 / instances reached")


# --- incidents ---


class JobSerializer(serializers.ModelSerializer):
    class Meta:
        model = ServiceJob
        fields = [
            "id",
            "instance",
            "element_id",
            "operator",
            "status",
            "attempts",
            "error",
            "result",
            "created_at",
            "updated_at",
            "next_attempt_at",
        ]


class IncidentSerializer(serializers.ModelSerializer):
    job = JobSerializer(read_only=True, allow_null=True)
    resolved_by = username_field()

    class Meta:
        model = Incident
        fields = [
            "id",
            "instance",
            "element_id",
            "message",
            "status",
            "created_at",
            "resolved_at",
            "resolved_by",
            "job",
        ]


class IncidentFilterSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=Incident.Status.choices, required=False)


class IncidentSkipSerializer(serializers.Serializer):
    result = serializers.DictField(
        required=False, default=dict, help_text="当作处理器返回的结果 / used as the handler's result"
    )


def problem_dicts(problems: list[Any]) -> list[dict[str, Any]]:
    """Validation problems with each "中文 / English" message cut to the reader's language."""
    return [{**problem.as_dict(), "message": one_language(problem.message)} for problem in problems]


# --- 流程设计 (the process designer) ---


class HandlerParamSerializer(serializers.Serializer):
    name = serializers.CharField()
    type = serializers.CharField(help_text="bool、int、str、… / the parameter's type as documented")
    doc = serializers.CharField(allow_blank=True)


class HandlerDocSerializer(serializers.Serializer):
    operator = serializers.CharField(help_text="服务任务的 operator，如 approvals/decision_record / the operator id")
    summary = serializers.CharField(allow_blank=True, help_text="说明的第一句 / first sentence of the docstring")
    doc = serializers.CharField(allow_blank=True, help_text="完整说明 / the whole docstring")
    parameters = HandlerParamSerializer(many=True)
    result = serializers.CharField(allow_blank=True, help_text="返回结果的内容 / what the result holds")
    documented = serializers.BooleanField(help_text="是否写明了参数与结果 / whether Params and Result are given")


class DesignerRoleSerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()


class DesignerFormSerializer(serializers.Serializer):
    key = serializers.CharField(help_text="camunda:formKey 的值 / the value for camunda:formKey")
    title = serializers.CharField(allow_blank=True)
    source = serializers.ChoiceField(choices=["draft", "deployed"])  # type: ignore[assignment]


class DesignerFormFilterSerializer(serializers.Serializer):
    draft = serializers.IntegerField(required=False, help_text="加上此草稿的表单 / include this draft's forms")


class DraftBaseSerializer(serializers.ModelSerializer):
    class Meta:
        model = ProcessDefinition
        fields = ["id", "key", "version"]


class DraftSerializer(serializers.ModelSerializer):
    base = DraftBaseSerializer(read_only=True, allow_null=True, help_text="打开自哪个已部署版本 / opened from")

    class Meta:
        model = ProcessDraft
        fields = ["id", "key", "name", "revision", "created_at", "updated_at", "base"]


class DraftDetailSerializer(DraftSerializer):
    forms = serializers.DictField(  # type: ignore[assignment]
        child=serializers.CharField(),
        read_only=True,
        help_text="forms/<表单标识>.json → JSON 文本（另含随图的 .dmn） / form files (and DMN tables)",
    )

    class Meta(DraftSerializer.Meta):
        fields = [*DraftSerializer.Meta.fields, "bpmn_xml", "forms"]


class DraftCreateSerializer(serializers.Serializer):
    from_definition = serializers.IntegerField(
        required=False, allow_null=True, default=None, help_text="从此已部署版本打开；不填则新建空白流程 / or blank"
    )


class DraftUploadSerializer(serializers.Serializer):
    file = serializers.FileField(help_text="Camunda Modeler 等导出的 .bpmn / a .bpmn file")


class DraftSaveSerializer(serializers.Serializer):
    bpmn_xml = serializers.CharField(trim_whitespace=False)
    forms = serializers.DictField(
        child=serializers.CharField(trim_whitespace=False, allow_blank=True),
        required=False,
        help_text="不填则不变；填则替换全部表单 / omitted: unchanged; given: replaces every form",
    )
    revision = serializers.IntegerField(min_value=1, help_text="加载或上次保存时的版本号 / the revision you hold")


class DraftSavedSerializer(serializers.ModelSerializer):
    class Meta:
        model = ProcessDraft
        fields = ["revision", "key", "name", "updated_at"]


class DraftConflictSerializer(serializers.Serializer):
    detail = serializers.CharField()
    revision = serializers.IntegerField(help_text="当前版本号 / the revision now stored")


class DesignerProblemSerializer(serializers.Serializer):
    element_id = serializers.CharField(allow_blank=True, help_text="出错的图元素 / the diagram element")
    message = serializers.CharField()
    file = serializers.CharField(allow_blank=True)
    line = serializers.IntegerField(allow_null=True)
    severity = serializers.ChoiceField(choices=["error", "warning"])


class DraftValidationSerializer(serializers.Serializer):
    ok = serializers.BooleanField()
    process_key = serializers.CharField(allow_blank=True)
    errors = DesignerProblemSerializer(many=True)  # type: ignore[assignment]
    warnings = DesignerProblemSerializer(many=True)


class DraftDeployInputSerializer(serializers.Serializer):
    note = serializers.CharField(
        required=False, allow_blank=True, default="", max_length=2000, help_text="变更说明 / what changed"
    )


class DraftDeployedSerializer(serializers.Serializer):
    created = serializers.BooleanField(help_text="是否建立了新版本 / whether a new version was stored")
    definition_id = serializers.IntegerField()
    key = serializers.CharField()
    version = serializers.IntegerField()
    warnings = DesignerProblemSerializer(many=True)
