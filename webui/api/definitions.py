"""Definitions: list, read, validate and deploy BPMN (+ DMN, forms)."""

from dataclasses import dataclass
from pathlib import PurePath
from typing import Any

from django.core.files.uploadedfile import UploadedFile
from django.db.models import Count, Q, QuerySet
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import JSONParser, MultiPartParser
from rest_framework.permissions import IsAdminUser
from rest_framework.request import Request
from rest_framework.response import Response

from processes.models import InstanceStatus, ProcessDefinition
from processes.services.definitions import FORM_PREFIX, definition_deploy, definition_validate

from .common import actor_of, errors
from .serializers import (
    DefinitionDetailSerializer,
    DefinitionErrorSerializer,
    DefinitionSerializer,
    DeployJsonSerializer,
    DeployResultSerializer,
    DeployUploadSerializer,
    ValidateResultSerializer,
    problem_dicts,
)

DEPLOY_REQUEST = {"application/json": DeployJsonSerializer, "multipart/form-data": DeployUploadSerializer}


def definitions_with_counts() -> QuerySet[ProcessDefinition]:
    running = Count("instances", filter=Q(instances__status=InstanceStatus.RUNNING))
    return ProcessDefinition.objects.select_related("deployed_by").annotate(running_count=running)


@dataclass
class DeploySource:
    bpmn_xml: str
    files: dict[str, str]
    file_name: str
    note: str


def _text_of(upload: UploadedFile, field: str) -> str:
    try:
        return upload.read().decode("utf-8-sig")
    except UnicodeDecodeError:
        raise serializers.ValidationError({field: [f"{upload.name}: 文件不是 UTF-8 编码 / not UTF-8 text"]})


def _extra_name(upload: UploadedFile) -> str:
    """Browsers send base names only, so a form arrives as `review.json` and is stored as forms/review.json."""
    name = PurePath(upload.name or "").name
    suffix = PurePath(name).suffix.lower()
    if suffix == ".json":
        return f"{FORM_PREFIX}{name}"
    if suffix in (".dmn", ".bpmn"):
        return name
    raise serializers.ValidationError({"files": [f"{name}: 只接受 .dmn、.bpmn、.json / only .dmn, .bpmn, .json"]})


def deploy_source(request: Request) -> DeploySource:
    """The diagram and its files, from a multipart upload or a JSON body."""
    if request.content_type.startswith("multipart/"):
        upload = DeployUploadSerializer(data=request.data)
        upload.is_valid(raise_exception=True)
        main: UploadedFile = upload.validated_data["file"]
        files = {_extra_name(f): _text_of(f, "files") for f in upload.validated_data["files"]}
        return DeploySource(
            _text_of(main, "file"), files, PurePath(main.name or "upload.bpmn").name, upload.validated_data["note"]
        )
    body = DeployJsonSerializer(data=request.data)
    body.is_valid(raise_exception=True)
    data = body.validated_data
    return DeploySource(data["bpmn_xml"], data["files"], data["file_name"], data["note"])


@extend_schema_view(
    list=extend_schema(
        summary="流程定义列表 / list definitions",
        parameters=[OpenApiParameter("key", str, description="只看此流程标识 / only this process key")],
    ),
    retrieve=extend_schema(
        summary="流程定义详情（含 BPMN XML） / one definition with its XML",
        responses={200: DefinitionDetailSerializer, **errors(404)},
    ),
)
class DefinitionViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = DefinitionSerializer
    lookup_value_converter = "int"
    queryset = ProcessDefinition.objects.none()  # for the schema; get_queryset is what runs

    def get_queryset(self) -> QuerySet[ProcessDefinition]:
        rows = definitions_with_counts().order_by("key", "-version")
        key = self.request.query_params.get("key")
        return rows.filter(key=key) if key else rows

    def get_serializer_class(self) -> type[serializers.BaseSerializer[Any]]:
        return DefinitionDetailSerializer if self.action == "retrieve" else DefinitionSerializer

    @extend_schema(
        summary="部署流程 / deploy a diagram",
        description="上传 `file`（.bpmn）及可选的 `files`（.dmn、表单 .json），或提交 JSON。"
        "内容未变则不建新版本（200）。"
        " / Upload `file` (.bpmn) and optional `files`, or post JSON. Unchanged content answers 200.",
        request=DEPLOY_REQUEST,
        responses={
            201: DeployResultSerializer,
            200: DeployResultSerializer,
            400: DefinitionErrorSerializer,
            **errors(403),
        },
    )
    @action(
        detail=False, methods=["post"], permission_classes=[IsAdminUser], parser_classes=[JSONParser, MultiPartParser]
    )
    def deploy(self, request: Request) -> Response:
        source = deploy_source(request)
        result = definition_deploy(
            bpmn_xml=source.bpmn_xml,
            extra_files=source.files,
            file_name=source.file_name,
            actor=actor_of(request),
            note=source.note,
        )
        definition = definitions_with_counts().get(pk=result.definition.pk)
        body = {
            "created": result.created,
            "definition": DefinitionSerializer(definition).data,
            "warnings": problem_dicts(result.warnings),
        }
        return Response(body, status=status.HTTP_201_CREATED if result.created else status.HTTP_200_OK)

    @extend_schema(
        summary="校验流程（不部署） / validate without deploying",
        request=DEPLOY_REQUEST,
        responses={200: ValidateResultSerializer, **errors(400, 403)},
    )
    @action(
        detail=False, methods=["post"], permission_classes=[IsAdminUser], parser_classes=[JSONParser, MultiPartParser]
    )
    def validate(self, request: Request) -> Response:
        source = deploy_source(request)
        result = definition_validate(bpmn_xml=source.bpmn_xml, extra_files=source.files, file_name=source.file_name)
        return Response(
            {
                "ok": result.ok,
                "process_key": result.process_key,
                "errors": problem_dicts(result.errors),
                "warnings": problem_dicts(result.warnings),
            }
        )
