"""Audit trail for auditors: search, verify the hash chain, export (CSV, XLSX, JSON lines)."""

from typing import Any

from django.db.models import QuerySet
from django.http import StreamingHttpResponse
from django.urls import path
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import generics, serializers
from rest_framework.pagination import CursorPagination
from rest_framework.permissions import BasePermission, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from processes.audit_selectors import audit_events_filtered
from processes.models import AuditEvent
from processes.selectors import actor_is_auditor
from processes.services.audit import audit_verify
from processes.services.audit_export import FORMATS, audit_export

from .common import ExportFormatIsNotARenderer, actor_of, errors


class IsAuditor(BasePermission):
    message = "仅审计人员可查看审计记录 / only auditors may read the audit trail"

    def has_permission(self, request: Request, view: APIView) -> bool:
        user = request.user
        if not (user and user.is_authenticated):
            return False
        return actor_is_auditor(actor_of(request))


class AuditFilterSerializer(serializers.Serializer):
    since = serializers.DateTimeField(required=False, help_text="起始时间（含），ISO 8601 / from (inclusive)")
    until = serializers.DateTimeField(required=False, help_text="截止时间（不含），ISO 8601 / until (exclusive)")
    process = serializers.CharField(required=False, help_text="流程标识 / process key")
    department = serializers.IntegerField(required=False, help_text="部门 ID / department id")
    actor = serializers.CharField(required=False, help_text="操作人用户名 / actor username")
    action = serializers.CharField(required=False, help_text="操作，如 task_completed / action")
    instance = serializers.IntegerField(required=False, help_text="流程实例 ID / process instance id")


class AuditExportParamsSerializer(AuditFilterSerializer):
    format = serializers.ChoiceField(choices=sorted(FORMATS), default="csv", help_text="文件格式 / file format")


class AuditTrailEventSerializer(serializers.ModelSerializer):
    class Meta:
        model = AuditEvent
        fields = [
            "id", "at", "actor", "action", "instance_id", "task_id", "process_key", "department_id",
            "payload", "prev_hash", "hash",
        ]  # fmt: skip


class VerifyResultSerializer(serializers.Serializer):
    ok = serializers.BooleanField()
    checked = serializers.IntegerField(help_text="已检查的事件数 / events examined")
    first_broken_id = serializers.IntegerField(allow_null=True, help_text="第一个断链事件 / first broken event")
    reason = serializers.CharField(allow_blank=True)


def query_params(request: Request, serializer_class: type[AuditFilterSerializer]) -> dict[str, Any]:
    """Validated query parameters; a bad date or id answers 400."""
    params = serializer_class(data=request.query_params)
    params.is_valid(raise_exception=True)
    return dict(params.validated_data)


def selector_filters(data: dict[str, Any]) -> dict[str, Any]:
    """Query parameter names (short, as in the UI) mapped onto the selector's keyword arguments."""
    return {
        "since": data.get("since"),
        "until": data.get("until"),
        "process_key": data.get("process"),
        "department_id": data.get("department"),
        "actor": data.get("actor"),
        "action": data.get("action"),
        "instance_id": data.get("instance"),
    }


class NewestFirst(CursorPagination):
    # A cursor, not an offset: the table only grows, and COUNT(*) over millions of rows is slow.
    ordering = "-id"
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 500


@extend_schema(
    tags=["audit"],
    parameters=[AuditFilterSerializer],
    responses={200: AuditTrailEventSerializer(many=True), **errors(400, 403)},
)
class AuditEventListView(generics.ListAPIView):
    """审计事件，最新在前 / audit events, newest first."""

    permission_classes = [IsAuthenticated, IsAuditor]
    serializer_class = AuditTrailEventSerializer
    pagination_class = NewestFirst

    def get_queryset(self) -> QuerySet[AuditEvent]:
        return audit_events_filtered(**selector_filters(query_params(self.request, AuditFilterSerializer)))


class AuditVerifyView(APIView):
    permission_classes = [IsAuthenticated, IsAuditor]

    @extend_schema(
        tags=["audit"],
        summary="校验审计哈希链 / verify the hash chain",
        responses={200: VerifyResultSerializer, **errors(403)},
    )
    def get(self, request: Request) -> Response:
        result = audit_verify()
        return Response(VerifyResultSerializer(result).data)


class AuditExportView(APIView):
    permission_classes = [IsAuthenticated, IsAuditor]
    content_negotiation_class = ExportFormatIsNotARenderer

    @extend_schema(
        tags=["audit"],
        summary="导出审计事件 / export audit events",
        parameters=[AuditExportParamsSerializer],
        responses={
            **{(200, media.split(";")[0]): OpenApiResponse(OpenApiTypes.BINARY) for media in FORMATS.values()},
            **errors(400, 403),
        },
    )
    def get(self, request: Request) -> StreamingHttpResponse:
        params = query_params(request, AuditExportParamsSerializer)
        filters = selector_filters(params)
        export = audit_export(actor=request.user.get_username(), fmt=params["format"], filters=filters)
        response = StreamingHttpResponse(export.chunks, content_type=export.content_type)
        response["Content-Disposition"] = f'attachment; filename="{export.filename}"'
        return response


urlpatterns = [
    path("audit/events/", AuditEventListView.as_view(), name="audit-events"),
    path("audit/verify/", AuditVerifyView.as_view(), name="audit-verify"),
    path("audit/export/", AuditExportView.as_view(), name="audit-export"),
]
