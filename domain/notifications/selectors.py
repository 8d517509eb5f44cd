"""Reads of the notification centre."""

from typing import Any

from django.db.models import QuerySet

from .models import Notification


def notifications_for_user(*, user: Any, unread_only: bool = False) -> QuerySet[Notification]:
    notifications = Notification.objects.filter(user_id=user.pk)
    if unread_only:
        notifications = notifications.filter(read_at__isnull=True)
    return notifications.order_by("-created_at", "-id")


def notification_unread_count(*, user: Any) -> int:
    return Notification.objects.filter(user_id=user.pk, read_at__isnull=True).count()
