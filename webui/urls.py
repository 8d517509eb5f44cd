"""The web UI: login/logout under /accounts/, the Site (all applications, webui/site.py) at the root."""

from django.contrib.auth.views import LogoutView
from django.urls import path

from webui.site import site
from webui.views.auth import LoginView

urlpatterns = [
    path("accounts/login/", LoginView.as_view(), name="login"),
    path("accounts/logout/", LogoutView.as_view(), name="logout"),
    path("", site.urls),
]
