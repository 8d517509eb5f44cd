"""The notification centre: my notifications with the unread count, mark one or all read."""

from typing import Any

from django.db.models import QuerySet
from django.urls import path
from drf_spectacular.utils import extend_schema
from rest_framework import generics, serializers
from rest_framework.pagination import LimitOffsetPagination
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from domain.notifications.models import Notification
from domain.notifications.selectors import notification_unread_count, notifications_for_user
from domain.notifications.services import notification_mark_read, notifications_mark_all_read

from .common import errors


class NotificationSerializer(serializers.ModelSerializer):
    class Meta:
        model = Notification
        fields = ["id", "kind", "title", "body", "link", "created_at", "read_at"]


class NotificationFilterSerializer(serializers.Serializer):
    unread = serializers.BooleanField(required=False, default=False, help_text="只看未读 / unread only")


class MarkedSerializer(serializers.Serializer):
    marked = serializers.IntegerField(help_text="标为已读的条数 / notifications marked read")


class WithUnreadCount(LimitOffsetPagination):
    """A page of notifications plus the unread badge, so the bell needs one request."""

    def get_paginated_response(self, data: Any) -> Response:
        response = super().get_paginated_response(data)
        response.data["unread_count"] = notification_unread_count(user=self.request.user)  # type: ignore[union-attr]
        return response

    def get_paginated_response_schema(self, schema: dict[str, Any]) -> dict[str, Any]:
        paginated = super().get_paginated_response_schema(schema)
        paginated["properties"]["unread_count"] = {"type": "integer", "description": "未读条数 / unread"}
        paginated["required"] = [*paginated.get("required", []), "unread_count"]
        return paginated


class NotificationListView(generics.ListAPIView):
    serializer_class = NotificationSerializer
    pagination_class = WithUnreadCount
    queryset = Notification.objects.none()  # for the schema; get_queryset is what runs

    @extend_schema(
        tags=["notifications"],
        summary="我的通知（含未读数） / my notifications with the unread count",
        parameters=[NotificationFilterSerializer],
        responses={200: NotificationSerializer(many=True), **errors(400)},
    )
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return self.list(request)

    def get_queryset(self) -> QuerySet[Notification]:
        query = NotificationFilterSerializer(data=self.request.query_params)
        query.is_valid(raise_exception=True)
        return notifications_for_user(user=self.request.user, unread_only=query.validated_data["unread"])


class NotificationReadView(APIView):
    @extend_schema(
        tags=["notifications"],
        summary="标为已读 / mark read",
        request=None,
        responses={200: NotificationSerializer, **errors(404)},
    )
    def post(self, request: Request, notification_id: int) -> Response:
        notification = notification_mark_read(notification_id=notification_id, user=request.user)
        return Response(NotificationSerializer(notification).data)


class NotificationReadAllView(APIView):
    @extend_schema(
        tags=["notifications"],
        summary="全部标为已读 / mark all read",
        request=None,
        responses={200: MarkedSerializer},
    )
    def post(self, request: Request) -> Response:
        return Response({"marked": notifications_mark_all_read(user=request.user)})


urlpatterns = [
    path("notifications/", NotificationListView.as_view(), name="notifications"),
    path("notifications/read-all/", NotificationReadAllView.as_view(), name="notifications-read-all"),
    path("notifications/<int:notification_id>/read/", NotificationReadView.as_view(), name="notification-read"),
]
