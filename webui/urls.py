"""The web UI: login/logout under /accounts/, the Site (all applications) at the root."""

from django.contrib.auth.views import LogoutView
from django.urls import path

from webui.site import site
from webui.views.auth import LoginView
from webui.views.case import case_page
from webui.views.task import task_page
from webui.views.workbench import inbox_claim

urlpatterns = [
    path("accounts/login/", LoginView.as_view(), name="login"),
    path("accounts/logout/", LogoutView.as_view(), name="logout"),
    path("workbench/claim/", inbox_claim, name="inbox_claim"),
    path("workbench/tasks/<int:task_id>/", task_page, name="task_page"),
    path("workbench/cases/<int:instance_id>/", case_page, name="case"),
    path("", site.urls),
]
