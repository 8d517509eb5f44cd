"""流程设计 API for the browser modeler: handlers, roles, departments and forms to pick from; my drafts
(create blank or from a deployed version, upload a .bpmn, read, save with a revision check, delete);
validate; deploy.

Only designers (staff, or the DESIGNER_ROLE) get in (403); a draft that is not theirs is 404.
Handler documentation is written "中文 / English"; the list answers in the caller's language (the language
cookie, as the page), so the panel shows one language and the script does not parse docstrings.
"""

import re
from dataclasses import asdict
from pathlib import PurePath
from typing import Any
from urllib.parse import urlencode

from django.urls import path, reverse
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.parsers import MultiPartParser
from rest_framework.permissions import BasePermission
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from domain.directory.models import Department
from handlers.registry import HandlerDoc
from processes.selectors_designer import (
    NOT_A_DESIGNER,
    designer_forms,
    designer_handlers,
    designer_may_edit,
    designer_roles,
    draft_get,
    drafts_of,
    ensure_designer,
)
from processes.services.designer import (
    DRAFT_MAX_BYTES,
    DraftOutdated,
    DraftStale,
    draft_create,
    draft_delete,
    draft_deploy,
    draft_save,
    draft_upload,
    draft_validate,
)

from ..i18n import one_language, split_languages
from .common import actor_of, errors
from .serializers import (
    DefinitionErrorSerializer,
    DesignerFormFilterSerializer,
    DesignerFormSerializer,
    DesignerRoleSerializer,
    DraftConflictSerializer,
    DraftCreateSerializer,
    DraftDeployedSerializer,
    DraftDeployInputSerializer,
    DraftDetailSerializer,
    DraftSavedSerializer,
    DraftSaveSerializer,
    DraftSerializer,
    DraftUploadSerializer,
    DraftValidationSerializer,
    HandlerDocSerializer,
    problem_dicts,
)

TAGS = ["designer"]


class DraftDeployRequestSerializer(DraftDeployInputSerializer):
    confirm_outdated = serializers.BooleanField(
        required=False,
        default=False,
        help_text="草稿基于的版本已不是最新时仍部署 / deploy although a newer version was deployed since the base",
    )
    revision = serializers.IntegerField(
        required=False,
        allow_null=True,
        default=None,
        min_value=1,
        help_text="校验时的草稿版本号；草稿已在别处保存则 409 / the revision validated; 409 if saved since",
    )


class DraftOutdatedSerializer(serializers.Serializer):
    detail = serializers.CharField()
    base_version = serializers.IntegerField(help_text="草稿基于的版本 / the version the draft was opened from")
    latest_version = serializers.IntegerField(help_text="当前最新版本 / the latest deployed version")
    diff_url = serializers.CharField(help_text="两版差异页 / the diff page from the base to the latest")


class DesignerDepartmentSerializer(serializers.Serializer):
    code = serializers.CharField(help_text="部门编码，部门范围中写作 '编码' / the code; a scope names it as '<code>'")
    name = serializers.CharField()
    parent_code = serializers.CharField(allow_null=True, help_text="上级部门编码 / the parent department's code")
    depth = serializers.IntegerField(help_text="在部门树中的层级，顶层为 0 / the level in the tree, 0 at the top")


class IsDesigner(BasePermission):
    message = NOT_A_DESIGNER

    def has_permission(self, request: Request, view: Any) -> bool:
        return bool(request.user and request.user.is_authenticated and designer_may_edit(actor_of(request)))


class DesignerView(APIView):
    permission_classes = [IsDesigner]


class HandlersView(DesignerView):
    @extend_schema(
        tags=TAGS,
        summary="可用的服务任务处理器及其参数 / registered handlers with their parameters",
        description="summary、result 与参数说明只给所选语言的一半（语言开关的 cookie），doc 为原文。"
        " / summary, result and parameter docs in the caller's language (the language cookie); doc as written.",
        responses={200: HandlerDocSerializer(many=True), **errors(403)},
    )
    def get(self, request: Request) -> Response:
        docs = designer_handlers(actor=actor_of(request))
        return Response(HandlerDocSerializer([handler_in_language(doc) for doc in docs], many=True).data)


class RolesView(DesignerView):
    @extend_schema(
        tags=TAGS,
        summary="组织机构中的角色（候选组） / the directory's roles (candidate groups)",
        responses={200: DesignerRoleSerializer(many=True), **errors(403)},
    )
    def get(self, request: Request) -> Response:
        roles = [{"code": code, "name": name} for code, name in designer_roles(actor=actor_of(request))]
        return Response(DesignerRoleSerializer(roles, many=True).data)


class DepartmentsView(DesignerView):
    @extend_schema(
        tags=TAGS,
        summary="组织机构中的部门（部门范围），按部门树排列 / the directory's departments (scope), as a tree",
        responses={200: DesignerDepartmentSerializer(many=True), **errors(403)},
    )
    def get(self, request: Request) -> Response:
        return Response(DesignerDepartmentSerializer(designer_departments(request), many=True).data)


class FormsView(DesignerView):
    @extend_schema(
        tags=TAGS,
        summary="可选的任务表单 / task forms a user task may name",
        parameters=[DesignerFormFilterSerializer],
        responses={200: DesignerFormSerializer(many=True), **errors(400, 403, 404)},
    )
    def get(self, request: Request) -> Response:
        query = DesignerFormFilterSerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        rows = designer_forms(actor=actor_of(request), draft_id=query.validated_data.get("draft"))
        return Response(DesignerFormSerializer([asdict(row) for row in rows], many=True).data)


class DraftListView(DesignerView):
    @extend_schema(
        tags=TAGS,
        summary="我的流程草稿（最近的在前） / my drafts, newest first",
        responses={200: DraftSerializer(many=True), **errors(403)},
    )
    def get(self, request: Request) -> Response:
        return Response(DraftSerializer(drafts_of(actor=actor_of(request)), many=True).data)

    @extend_schema(
        tags=TAGS,
        summary="新建草稿：空白流程，或打开已部署版本 / new draft: blank, or from a deployed version",
        request=DraftCreateSerializer,
        responses={201: DraftDetailSerializer, **errors(400, 403, 404)},
    )
    def post(self, request: Request) -> Response:
        body = DraftCreateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        draft = draft_create(actor=actor_of(request), from_definition_id=body.validated_data["from_definition"])
        return Response(DraftDetailSerializer(draft).data, status=status.HTTP_201_CREATED)


class DraftUploadView(DesignerView):
    parser_classes = [MultiPartParser]

    @extend_schema(
        tags=TAGS,
        summary="上传 .bpmn 为草稿（保留 camunda: 属性） / upload a .bpmn as a draft (camunda: attributes kept)",
        request={"multipart/form-data": DraftUploadSerializer},
        responses={201: DraftDetailSerializer, **errors(400, 403)},
    )
    def post(self, request: Request) -> Response:
        body = DraftUploadSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        upload = body.validated_data["file"]
        # One byte past the limit is enough for the service to refuse a huge file without reading it all.
        content = upload.read(DRAFT_MAX_BYTES + 1)
        name = PurePath(upload.name or "upload.bpmn").name
        draft = draft_upload(actor=actor_of(request), file_name=name, content=content)
        return Response(DraftDetailSerializer(draft).data, status=status.HTTP_201_CREATED)


class DraftDetailView(DesignerView):
    @extend_schema(
        tags=TAGS,
        summary="草稿（含 BPMN XML 与表单） / one draft with its XML and forms",
        responses={200: DraftDetailSerializer, **errors(403, 404)},
    )
    def get(self, request: Request, draft_id: int) -> Response:
        return Response(DraftDetailSerializer(draft_get(actor=actor_of(request), draft_id=draft_id)).data)

    @extend_schema(
        tags=TAGS,
        summary="保存草稿 / save the draft",
        description="`revision` 须为加载或上次保存时的版本号，否则 409 并返回当前版本号（不覆盖）。"
        " / `revision` must be the one loaded or last saved; otherwise 409 with the current revision.",
        request=DraftSaveSerializer,
        responses={
            200: DraftSavedSerializer,
            409: OpenApiResponse(DraftConflictSerializer, description="已在别处保存 / saved elsewhere since"),
            **errors(400, 403, 404),
        },
    )
    def put(self, request: Request, draft_id: int) -> Response:
        body = DraftSaveSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        try:
            draft = draft_save(
                actor=actor_of(request),
                draft_id=draft_id,
                bpmn_xml=data["bpmn_xml"],
                revision=data["revision"],
                forms=data.get("forms"),
            )
        except DraftStale as stale:
            return Response({"detail": stale.message, "revision": stale.revision}, status=status.HTTP_409_CONFLICT)
        return Response(DraftSavedSerializer(draft).data)

    @extend_schema(tags=TAGS, summary="删除草稿 / delete the draft", responses={204: None, **errors(403, 404)})
    def delete(self, request: Request, draft_id: int) -> Response:
        draft_delete(actor=actor_of(request), draft_id=draft_id)
        return Response(status=status.HTTP_204_NO_CONTENT)


class DraftValidateView(DesignerView):
    @extend_schema(
        tags=TAGS,
        summary="校验草稿（与部署同一校验） / validate the draft as deploy would",
        request=None,
        responses={200: DraftValidationSerializer, **errors(403, 404)},
    )
    def post(self, request: Request, draft_id: int) -> Response:
        result = draft_validate(actor=actor_of(request), draft_id=draft_id)
        body = {
            "ok": result.ok,
            "process_key": result.process_key,
            "errors": problem_dicts(result.errors),
            "warnings": problem_dicts(result.warnings),
        }
        return Response(DraftValidationSerializer(body).data)


class DraftDeployView(DesignerView):
    @extend_schema(
        tags=TAGS,
        summary="部署草稿 / deploy the draft",
        description="有效且内容有变则建新版本（201），内容未变则 200；无效则 400，不存储任何内容。"
        "草稿基于的版本之后又有人部署了新版本时 409（含 latest_version、base_version、diff_url），"
        "确认后带 confirm_outdated=true 再部署；带 revision 而草稿已在别处保存时 409（含 revision）。"
        " / A new version when valid and changed (201); 200 when unchanged; 400 and nothing stored when invalid."
        " 409 with latest_version, base_version and diff_url when a newer version was deployed since the draft's"
        " base (deploy again with confirm_outdated=true); 409 with revision when `revision` is stale.",
        request=DraftDeployRequestSerializer,
        responses={
            201: DraftDeployedSerializer,
            200: DraftDeployedSerializer,
            400: DefinitionErrorSerializer,
            409: OpenApiResponse(
                DraftOutdatedSerializer,
                description="基于的版本已不是最新，或草稿已在别处保存（则为 {detail, revision}） / "
                "outdated base, or saved elsewhere (then {detail, revision})",
            ),
            **errors(403, 404),
        },
    )
    def post(self, request: Request, draft_id: int) -> Response:
        body = DraftDeployRequestSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        try:
            result = draft_deploy(
                actor=actor_of(request),
                draft_id=draft_id,
                note=data["note"],
                revision=data["revision"],
                confirm_outdated=data["confirm_outdated"],
            )
        except DraftStale as stale:
            return Response({"detail": stale.message, "revision": stale.revision}, status=status.HTTP_409_CONFLICT)
        except DraftOutdated as outdated:
            return Response(_outdated_body(outdated), status=status.HTTP_409_CONFLICT)
        definition = result.definition
        deployed = {
            "created": result.created,
            "definition_id": definition.pk,
            "key": definition.key,
            "version": definition.version,
            "warnings": problem_dicts(result.warnings),
        }
        return Response(
            DraftDeployedSerializer(deployed).data,
            status=status.HTTP_201_CREATED if result.created else status.HTTP_200_OK,
        )


# A docstring's own summary stops at its first full stop, so "记录决定。/ Records a decision." would give
# only the Chinese half; the paragraph before Params:/Result: is split by language first instead.
_DOC_TAIL = re.compile(r"\b(?:Params|Result):", re.IGNORECASE)
_SENTENCE_END = re.compile(r"(?<=[.。!?！？])\s*")


def handler_in_language(doc: HandlerDoc) -> dict[str, Any]:
    """The handler's documentation with each "中文 / English" text reduced to the active language; `doc`
    stays the whole docstring (the source, for whoever wants both)."""
    row = asdict(doc)
    head = " ".join(_DOC_TAIL.split(doc.doc, maxsplit=1)[0].split())
    if split_languages(head) is not None:
        row["summary"] = _SENTENCE_END.split(one_language(head), maxsplit=1)[0]
    else:
        row["summary"] = one_language(doc.summary)
    row["result"] = one_language(doc.result)
    row["parameters"] = [{**asdict(param), "doc": one_language(param.doc)} for param in doc.parameters]
    return row


def designer_departments(request: Request) -> list[dict[str, Any]]:
    """Every department in tree order (parents before their children), for the department-scope picker."""
    ensure_designer(actor_of(request))
    rows = Department.objects.order_by("path", "code").values_list("code", "name", "parent__code", "path")
    return [
        {"code": code, "name": name, "parent_code": parent, "depth": path.strip("/").count("/")}
        for code, name, parent, path in rows
    ]


def _outdated_body(outdated: DraftOutdated) -> dict[str, Any]:
    query = urlencode({"from": outdated.base_version, "to": outdated.latest_version})
    return {
        "detail": outdated.message,
        "base_version": outdated.base_version,
        "latest_version": outdated.latest_version,
        "diff_url": f"{reverse('flows:diff', kwargs={'key': outdated.key})}?{query}",
    }


urlpatterns = [
    path("designer/handlers/", HandlersView.as_view(), name="designer_handlers"),
    path("designer/roles/", RolesView.as_view(), name="designer_roles"),
    path("designer/departments/", DepartmentsView.as_view(), name="designer_departments"),
    path("designer/forms/", FormsView.as_view(), name="designer_forms"),
    path("designer/drafts/", DraftListView.as_view(), name="designer_drafts"),
    path("designer/drafts/upload/", DraftUploadView.as_view(), name="designer_draft_upload"),
    path("designer/drafts/<int:draft_id>/", DraftDetailView.as_view(), name="designer_draft"),
    path("designer/drafts/<int:draft_id>/validate/", DraftValidateView.as_view(), name="designer_draft_validate"),
    path("designer/drafts/<int:draft_id>/deploy/", DraftDeployView.as_view(), name="designer_draft_deploy"),
]
