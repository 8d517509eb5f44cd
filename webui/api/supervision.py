"""督办 API: at-risk and overdue lists, 催办, reassignment, extension requests, the league table."""

from datetime import date
from typing import Any

from django.http import HttpResponse
from django.urls import path
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.pagination import LimitOffsetPagination
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from processes.errors import PermissionDenied
from processes.league import league_table, league_xlsx
from processes.models import ExtensionRequest
from processes.services import supervision

from .common import ExportFormatIsNotARenderer, actor_of, errors
from .serializers import TaskSerializer


class SupervisedFilterSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=["at_risk", "overdue"], default="at_risk")
    process = serializers.CharField(required=False, default="")
    department = serializers.IntegerField(required=False)
    level = serializers.IntegerField(required=False, min_value=1, max_value=3)
    assignee = serializers.IntegerField(required=False)


class RemindSerializer(serializers.Serializer):
    message = serializers.CharField(required=False, allow_blank=True, default="", max_length=2000)


class ReminderSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    task = serializers.IntegerField(source="task_id")
    recipients = serializers.ListField(child=serializers.IntegerField())
    sent_at = serializers.DateTimeField()


class ReassignSerializer(serializers.Serializer):
    task_ids = serializers.ListField(child=serializers.IntegerField(), min_length=1, max_length=500)
    to_username = serializers.CharField(required=False, allow_blank=True, default="")
    to_role = serializers.CharField(required=False, allow_blank=True, default="")


class ExtensionInputSerializer(serializers.Serializer):
    working_days = serializers.IntegerField(min_value=1, max_value=365)
    reason = serializers.CharField(max_length=2000)


class ExtensionSerializer(serializers.ModelSerializer):
    class Meta:
        model = ExtensionRequest
        fields = [
            "id",
            "task",
            "requested_by",
            "working_days",
            "reason",
            "status",
            "previous_due_at",
            "decided_by",
            "decided_at",
            "decision_note",
            "created_at",
        ]


class DecideSerializer(serializers.Serializer):
    approve = serializers.BooleanField()
    note = serializers.CharField(required=False, allow_blank=True, default="", max_length=2000)


class LeagueRowSerializer(serializers.Serializer):
    rank = serializers.IntegerField()
    department_id = serializers.IntegerField()
    department = serializers.CharField()
    completed = serializers.IntegerField()
    on_time = serializers.IntegerField()
    on_time_rate = serializers.FloatField()
    overdue = serializers.IntegerField()
    avg_working_days = serializers.FloatField(allow_null=True)
    reminders = serializers.IntegerField()


class SupervisedTasksView(APIView):
    @extend_schema(
        summary="督办列表 / at-risk or overdue tasks in my department subtree",
        parameters=[SupervisedFilterSerializer],
        responses={200: TaskSerializer(many=True), **errors(400)},
    )
    def get(self, request: Request) -> Response:
        filters = SupervisedFilterSerializer(data=request.query_params)
        filters.is_valid(raise_exception=True)
        f = filters.validated_data
        rows = supervision.tasks_supervised(
            actor_of(request),
            kind=f["kind"],
            process_key=f["process"],
            department_id=f.get("department"),
            level=f.get("level"),
            assignee_id=f.get("assignee"),
        )
        paginator = LimitOffsetPagination()
        page = paginator.paginate_queryset(rows, request, view=self)
        return paginator.get_paginated_response(TaskSerializer(page, many=True).data)


class RemindView(APIView):
    @extend_schema(
        summary="催办 / remind", request=RemindSerializer, responses={201: ReminderSerializer, **errors(403, 404, 409)}
    )
    def post(self, request: Request, task_id: int) -> Response:
        body = RemindSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        reminder = supervision.task_remind(
            task_id=task_id, actor=actor_of(request), message=body.validated_data["message"]
        )
        return Response(ReminderSerializer(reminder).data, status=status.HTTP_201_CREATED)


class ReassignView(APIView):
    @extend_schema(
        summary="批量改派 / reassign tasks to a person or a role",
        request=ReassignSerializer,
        responses={200: TaskSerializer(many=True), **errors(400, 403, 404, 409)},
    )
    def post(self, request: Request) -> Response:
        body = ReassignSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        tasks = supervision.tasks_reassign(actor=actor_of(request), **body.validated_data)
        return Response(TaskSerializer(tasks, many=True).data)


class ExtensionRequestView(APIView):
    @extend_schema(
        summary="延期申请 / ask for more working days",
        request=ExtensionInputSerializer,
        responses={201: ExtensionSerializer, **errors(400, 403, 404, 409)},
    )
    def post(self, request: Request, task_id: int) -> Response:
        body = ExtensionInputSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        made = supervision.extension_request(task_id=task_id, actor=actor_of(request), **body.validated_data)
        return Response(ExtensionSerializer(made).data, status=status.HTTP_201_CREATED)


class ExtensionListView(APIView):
    @extend_schema(
        summary="待审批的延期申请 / pending extension requests I may decide",
        responses={200: ExtensionSerializer(many=True)},
    )
    def get(self, request: Request) -> Response:
        actor = actor_of(request)
        rows = ExtensionRequest.objects.filter(status=ExtensionRequest.Status.PENDING).order_by("created_at")
        if not actor.is_superuser:
            rows = rows.filter(task__department_id__in=sorted(supervision.supervised_department_ids(actor)))
        return Response(ExtensionSerializer(rows, many=True).data)


class ExtensionDecideView(APIView):
    @extend_schema(
        summary="审批延期 / approve or refuse",
        request=DecideSerializer,
        responses={200: ExtensionSerializer, **errors(400, 403, 404, 409)},
    )
    def post(self, request: Request, request_id: int) -> Response:
        body = DecideSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        decided = supervision.extension_decide(request_id=request_id, actor=actor_of(request), **body.validated_data)
        return Response(ExtensionSerializer(decided).data)


class LeagueView(APIView):
    content_negotiation_class = ExportFormatIsNotARenderer

    @extend_schema(
        summary="晾晒 / league table of departments for a month",
        parameters=[
            OpenApiParameter("month", OpenApiTypes.STR, description="YYYY-MM", required=True),
            OpenApiParameter("format", OpenApiTypes.STR, enum=["json", "xlsx"]),
        ],
        responses={
            200: LeagueRowSerializer(many=True),
            (200, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"): OpenApiResponse(
                OpenApiTypes.BINARY
            ),
            **errors(400, 403),
        },
    )
    def get(self, request: Request) -> Any:
        actor = actor_of(request)
        month = _month(request.query_params.get("month", ""))
        departments = None if actor.is_superuser else sorted(supervision.supervised_department_ids(actor))
        if departments == []:
            raise PermissionDenied("只有督办人可以查看晾晒 / only supervisors see the league table")
        table = league_table(month=month, department_ids=departments)
        if request.query_params.get("format") == "xlsx":
            response = HttpResponse(
                league_xlsx(table, month=month),
                content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            )
            response["Content-Disposition"] = f'attachment; filename="league-{month:%Y-%m}.xlsx"'
            return response
        return Response(LeagueRowSerializer(table, many=True).data)


def _month(text: str) -> date:
    try:
        year, month = (int(part) for part in text.split("-"))
        if not 1970 <= year <= 9998:
            raise ValueError(year)
        return date(year, month, 1)
    except ValueError:
        raise serializers.ValidationError({"month": ["YYYY-MM (1970–9998)"]}) from None


urlpatterns = [
    path("supervision/tasks/", SupervisedTasksView.as_view(), name="supervision-tasks"),
    path("supervision/tasks/<int:task_id>/remind/", RemindView.as_view(), name="supervision-remind"),
    path("supervision/reassign/", ReassignView.as_view(), name="supervision-reassign"),
    path("supervision/extensions/", ExtensionListView.as_view(), name="supervision-extensions"),
    path("supervision/extensions/<int:request_id>/decide/", ExtensionDecideView.as_view(), name="extension-decide"),
    path("supervision/league/", LeagueView.as_view(), name="supervision-league"),
    path("tasks/<int:task_id>/extension/", ExtensionRequestView.as_view(), name="task-extension"),
]
