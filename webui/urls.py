"""The web UI: login/logout under /accounts/, the Site (all applications) at the root."""

from django.contrib.auth.views import LogoutView
from django.urls import path

from webui.site import site
from webui.views.auth import LoginView
from webui.views.workbench import inbox_claim

urlpatterns = [
    path("accounts/login/", LoginView.as_view(), name="login"),
    path("accounts/logout/", LogoutView.as_view(), name="logout"),
    path("workbench/claim/", inbox_claim, name="inbox_claim"),
    path("", site.urls),
]
