"""/api/…: definitions, instances, inbox, task actions, messages, incidents, audit, designer, token auth."""

from django.urls import include, path
from rest_framework.authtoken.views import obtain_auth_token
from rest_framework.routers import SimpleRouter

from .audit import urlpatterns as audit_urlpatterns
from .definitions import DefinitionViewSet
from .designer import urlpatterns as designer_urlpatterns
from .incidents import IncidentViewSet
from .instances import InstanceViewSet, MessageView
from .notifications import urlpatterns as notification_urlpatterns
from .supervision import urlpatterns as supervision_urlpatterns
from .tasks import InboxView, TaskViewSet

app_name = "api"

router = SimpleRouter(use_regex_path=False)
router.register("definitions", DefinitionViewSet, basename="definition")
router.register("instances", InstanceViewSet, basename="instance")
router.register("tasks", TaskViewSet, basename="task")
router.register("incidents", IncidentViewSet, basename="incident")

urlpatterns = [
    path("inbox/", InboxView.as_view(), name="inbox"),
    path("messages/", MessageView.as_view(), name="messages"),
    path("auth/token/", obtain_auth_token, name="token"),
    *supervision_urlpatterns,
    *designer_urlpatterns,
    path("", include(router.urls)),
    *audit_urlpatterns,
    *notification_urlpatterns,
]
