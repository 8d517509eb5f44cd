"""The inbox and human-task actions: claim, unclaim, draft, complete, delegate (转办), return (退回), comment."""

from django.db.models import QuerySet
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from processes.models import HumanTask
from processes.selectors import inbox_for_actor, task_for_actor
from processes.services.inbox import (
    human_task_claim,
    human_task_comment,
    human_task_complete,
    human_task_delegate,
    human_task_return,
    human_task_save_draft,
    human_task_unclaim,
)

from .common import actor_of, errors
from .serializers import (
    CommentInputSerializer,
    CommentSerializer,
    DelegateSerializer,
    ReturnSerializer,
    TaskDataSerializer,
    TaskDetailSerializer,
    TaskSerializer,
)

SCOPES = ("mine", "group", "all")
ACTION_ERRORS = errors(403, 404, 409)


class InboxScopeSerializer(serializers.Serializer):
    scope = serializers.ChoiceField(choices=SCOPES, required=False, default="all")


class InboxView(generics.ListAPIView):
    serializer_class = TaskSerializer
    queryset = HumanTask.objects.none()  # for the schema; get_queryset is what runs

    @extend_schema(
        summary="待办 / the inbox",
        description="mine：已签收给我的；group：我所在角色可签收的；all：两者 / "
        "mine: assigned to me; group: open to my roles; all: both",
        parameters=[OpenApiParameter("scope", str, enum=SCOPES, default="all")],
    )
    def get(self, request: Request) -> Response:
        return self.list(request)

    def get_queryset(self) -> QuerySet[HumanTask]:
        query = InboxScopeSerializer(data=self.request.query_params)
        query.is_valid(raise_exception=True)
        tasks = inbox_for_actor(actor_of(self.request), scope=query.validated_data["scope"])
        return tasks.select_related("assignee", "completed_by")


def _detail(request: Request, task_id: int) -> Response:
    """The task as it is now (after the service committed), with what the caller may do."""
    task = HumanTask.objects.select_related("instance__definition", "assignee", "completed_by").get(pk=task_id)
    return Response(TaskDetailSerializer(task, context={"actor": actor_of(request)}).data)


class TaskViewSet(viewsets.GenericViewSet):
    serializer_class = TaskDetailSerializer
    lookup_value_converter = "int"
    queryset = HumanTask.objects.none()  # for the schema; the selectors decide what a person sees

    @extend_schema(
        summary="任务详情（含表单、草稿、评论） / a task with its form, draft and comments",
        responses={200: TaskDetailSerializer, **errors(404)},
    )
    def retrieve(self, request: Request, pk: int) -> Response:
        task = task_for_actor(task_id=pk, actor=actor_of(request))
        return Response(TaskDetailSerializer(task, context={"actor": actor_of(request)}).data)

    @extend_schema(summary="签收 / claim", request=None, responses={200: TaskDetailSerializer, **ACTION_ERRORS})
    @action(detail=True, methods=["post"])
    def claim(self, request: Request, pk: int) -> Response:
        human_task_claim(task_id=pk, actor=actor_of(request))
        return _detail(request, pk)

    @extend_schema(summary="退签 / unclaim", request=None, responses={200: TaskDetailSerializer, **ACTION_ERRORS})
    @action(detail=True, methods=["post"])
    def unclaim(self, request: Request, pk: int) -> Response:
        human_task_unclaim(task_id=pk, actor=actor_of(request))
        return _detail(request, pk)

    @extend_schema(
        summary="暂存 / save a draft",
        request=TaskDataSerializer,
        responses={200: TaskDetailSerializer, **errors(400, 403, 404, 409)},
    )
    @action(detail=True, methods=["post"])
    def draft(self, request: Request, pk: int) -> Response:
        body = TaskDataSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        human_task_save_draft(task_id=pk, actor=actor_of(request), data=body.validated_data["data"])
        return _detail(request, pk)

    @extend_schema(
        summary="办结 / complete",
        description="按任务表单校验；不通过返回 400 与各字段错误，流程不推进；已办结返回 409。"
        " / Validated against the task form: 400 with per-field errors and nothing advances; done already: 409.",
        request=TaskDataSerializer,
        responses={200: TaskDetailSerializer, **errors(400, 403, 404, 409, 422)},
    )
    @action(detail=True, methods=["post"])
    def complete(self, request: Request, pk: int) -> Response:
        body = TaskDataSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        human_task_complete(task_id=pk, actor=actor_of(request), data=body.validated_data["data"])
        return _detail(request, pk)

    @extend_schema(
        summary="转办 / delegate to another person",
        request=DelegateSerializer,
        responses={200: TaskDetailSerializer, **errors(400, 403, 404, 409)},
    )
    @action(detail=True, methods=["post"])
    def delegate(self, request: Request, pk: int) -> Response:
        body = DelegateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        human_task_delegate(
            task_id=pk,
            actor=actor_of(request),
            to_username=body.validated_data["to"],
            note=body.validated_data["note"],
        )
        return _detail(request, pk)

    @extend_schema(
        summary="退回上一步 / return to the previous human step",
        request=ReturnSerializer,
        responses={200: TaskDetailSerializer, **errors(400, 403, 404, 409, 422)},
    )
    @action(detail=True, methods=["post"], url_path="return")
    def return_(self, request: Request, pk: int) -> Response:
        body = ReturnSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        human_task_return(task_id=pk, actor=actor_of(request), opinion=body.validated_data["opinion"])
        return _detail(request, pk)

    @extend_schema(
        summary="评论 / comment", request=CommentInputSerializer, responses={201: CommentSerializer, **errors(400, 404)}
    )
    @action(detail=True, methods=["post"])
    def comments(self, request: Request, pk: int) -> Response:
        body = CommentInputSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        actor = actor_of(request)
        task = task_for_actor(task_id=pk, actor=actor)  # the service does not check who may comment
        comment = human_task_comment(task_id=task.pk, actor=actor, text=body.validated_data["text"])
        return Response(CommentSerializer(comment).data, status=status.HTTP_201_CREATED)
