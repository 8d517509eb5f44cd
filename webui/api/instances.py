"""Instances: start, list, read (with tasks and history), cancel, suspend, resume; message correlation."""

from typing import Any

from django.db.models import QuerySet
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import status, viewsets
from rest_framework.decorators import action
from rest_framework.permissions import BasePermission, IsAdminUser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from processes.errors import PermissionDenied
from processes.models import InstanceStatus, ProcessInstance
from processes.selectors import instance_visible_to
from processes.services.instances import (
    instance_cancel,
    instance_resume,
    instance_start,
    instance_suspend,
    message_correlate,
)

from .common import actor_of, errors, is_staff
from .serializers import (
    CancelSerializer,
    InstanceDetailSerializer,
    InstanceFilterSerializer,
    InstanceSerializer,
    InstanceStartSerializer,
    MessageResultSerializer,
    MessageSerializer,
)


@extend_schema_view(
    list=extend_schema(
        summary="流程实例列表 / list instances",
        description="普通用户看自己发起的，管理员看全部 / your own instances; staff see all",
        parameters=[
            OpenApiParameter("status", str, enum=InstanceStatus.values),
            OpenApiParameter("process_key", str),
        ],
        responses={200: InstanceSerializer(many=True), **errors(400)},
    ),
    retrieve=extend_schema(
        summary="流程实例详情（含任务与历史） / an instance with its tasks and history",
        responses={200: InstanceDetailSerializer, **errors(404)},
    ),
    create=extend_schema(
        summary="发起流程 / start an instance",
        request=InstanceStartSerializer,
        responses={201: InstanceDetailSerializer, **errors(400, 404, 422)},
    ),
)
class InstanceViewSet(viewsets.GenericViewSet):
    serializer_class = InstanceSerializer
    lookup_value_converter = "int"
    queryset = ProcessInstance.objects.none()  # for the schema; get_queryset is what runs

    def get_queryset(self) -> QuerySet[ProcessInstance]:
        if self.action != "list":
            # One instance: whoever may open the case in the web UI may read it here.
            rows = instance_visible_to(actor_of(self.request))
        elif is_staff(self.request):
            rows = ProcessInstance.objects.all()
        else:
            rows = ProcessInstance.objects.filter(started_by_id=actor_of(self.request).user_id)
        return rows.select_related("definition", "started_by").order_by("-id")

    def list(self, request: Request) -> Response:
        filters = InstanceFilterSerializer(data=request.query_params)
        filters.is_valid(raise_exception=True)
        rows = self.get_queryset()
        if "status" in filters.validated_data:
            rows = rows.filter(status=filters.validated_data["status"])
        if "process_key" in filters.validated_data:
            rows = rows.filter(definition__key=filters.validated_data["process_key"])
        page = self.paginate_queryset(rows)
        return self.get_paginated_response(InstanceSerializer(page, many=True).data)

    def retrieve(self, request: Request, pk: int) -> Response:
        return Response(InstanceDetailSerializer(self.get_object()).data)

    def create(self, request: Request) -> Response:
        body = InstanceStartSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        instance = instance_start(actor=actor_of(request), **body.validated_data)
        return Response(InstanceDetailSerializer(instance).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        summary="取消流程实例（管理员或发起人） / cancel (staff or the starter)",
        request=CancelSerializer,
        responses={200: InstanceSerializer, **errors(403, 404, 409)},
    )
    @action(detail=True, methods=["post"])
    def cancel(self, request: Request, pk: int) -> Response:
        body = CancelSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        instance = self.get_object()
        if not (is_staff(request) or instance.started_by_id == request.user.pk):
            raise PermissionDenied("只有发起人或管理员可以取消 / only the starter or staff may cancel")
        instance = instance_cancel(instance_id=instance.pk, actor=actor_of(request), **body.validated_data)
        return Response(InstanceSerializer(instance).data)

    @extend_schema(
        summary="挂起流程实例 / suspend", request=None, responses={200: InstanceSerializer, **errors(403, 404, 409)}
    )
    @action(detail=True, methods=["post"], permission_classes=[IsAdminUser])
    def suspend(self, request: Request, pk: int) -> Response:
        instance = instance_suspend(instance_id=self.get_object().pk, actor=actor_of(request))
        return Response(InstanceSerializer(instance).data)

    @extend_schema(
        summary="恢复流程实例 / resume", request=None, responses={200: InstanceSerializer, **errors(403, 404, 409)}
    )
    @action(detail=True, methods=["post"], permission_classes=[IsAdminUser])
    def resume(self, request: Request, pk: int) -> Response:
        instance = instance_resume(instance_id=self.get_object().pk, actor=actor_of(request))
        return Response(InstanceSerializer(instance).data)


class CanCorrelateMessages(BasePermission):
    """Messages move instances that are not the sender's: staff or the explicit permission only."""

    message = "无权发送流程消息 / you may not send process messages"

    def has_permission(self, request: Request, view: Any) -> bool:
        user = request.user
        return bool(user and user.is_authenticated and (user.is_staff or user.has_perm("processes.correlate_message")))


class MessageView(APIView):
    permission_classes = [CanCorrelateMessages]

    @extend_schema(
        summary="投递消息 / correlate a message",
        description="投递给所有在等待此消息且关联键匹配的实例；没有匹配则 404。"
        " / Delivered to every instance waiting for it whose correlation values match; no match is a 404.",
        request=MessageSerializer,
        responses={200: MessageResultSerializer, **errors(400, 404, 409, 422)},
    )
    def post(self, request: Request) -> Response:
        body = MessageSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        reached = message_correlate(actor=actor_of(request), **body.validated_data)
        return Response({"instances": reached})
