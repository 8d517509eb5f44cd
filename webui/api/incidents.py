"""Incidents (a service task failed and nothing caught it): list, retry, skip. Staff only."""

from django.db.models import QuerySet
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import mixins, viewsets
from rest_framework.decorators import action
from rest_framework.permissions import IsAdminUser
from rest_framework.request import Request
from rest_framework.response import Response

from processes.models import Incident
from processes.services.jobs import incident_retry, incident_skip

from .common import actor_of, errors
from .serializers import IncidentFilterSerializer, IncidentSerializer, IncidentSkipSerializer, JobSerializer


@extend_schema_view(
    list=extend_schema(
        summary="异常事件列表 / list incidents",
        parameters=[OpenApiParameter("status", str, enum=Incident.Status.values)],
        responses={200: IncidentSerializer(many=True), **errors(400, 403)},
    ),
    retrieve=extend_schema(summary="异常事件详情 / one incident", responses={200: IncidentSerializer, **errors(404)}),
)
class IncidentViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    serializer_class = IncidentSerializer
    permission_classes = [IsAdminUser]
    lookup_value_converter = "int"
    queryset = Incident.objects.none()  # for the schema; get_queryset is what runs

    def get_queryset(self) -> QuerySet[Incident]:
        rows = Incident.objects.select_related("job", "resolved_by").order_by("-id")
        if self.action != "list":
            return rows
        filters = IncidentFilterSerializer(data=self.request.query_params)
        filters.is_valid(raise_exception=True)
        wanted = filters.validated_data.get("status")
        return rows.filter(status=wanted) if wanted else rows

    @extend_schema(
        summary="重试 / retry the failed job", request=None, responses={200: JobSerializer, **errors(403, 404, 409)}
    )
    @action(detail=True, methods=["post"])
    def retry(self, request: Request, pk: int) -> Response:
        job = incident_retry(incident_id=pk, actor=actor_of(request))
        return Response(JobSerializer(job).data)

    @extend_schema(
        summary="跳过 / skip: complete the service task with the given result",
        request=IncidentSkipSerializer,
        responses={200: IncidentSerializer, **errors(400, 403, 404, 409, 422)},
    )
    @action(detail=True, methods=["post"])
    def skip(self, request: Request, pk: int) -> Response:
        body = IncidentSkipSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        incident_skip(incident_id=pk, actor=actor_of(request), result=body.validated_data["result"])
        return Response(IncidentSerializer(self.get_queryset().get(pk=pk)).data)
