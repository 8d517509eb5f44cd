"""Login with the failed-login throttle; logout is Django's (POST only)."""

from typing import Any

from django.contrib.auth import views as auth_views
from django.contrib.auth.forms import AuthenticationForm
from django.http import HttpRequest, HttpResponse
from viewflow.contrib.auth import AuthenticationForm as MaterialAuthenticationForm

from processes.services.audit import audit_append
from webui.login_throttle import client_ip, login_failure_record, login_locked, login_success_record


class LoginView(auth_views.LoginView):
    template_name = "webui/login.html"
    form_class = MaterialAuthenticationForm
    redirect_authenticated_user = True

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        username = str(request.POST.get("username", ""))[:150]
        ip = client_ip(request)
        if login_locked(username=username, ip=ip):
            # Refused before the password is checked, so a locked account cannot be probed.
            audit_append("login_throttled", actor=username, payload={"ip": ip})
            form = self.get_form_class()(request, initial={"username": username})
            return self.render_to_response(self.get_context_data(form=form, throttled=True))
        return super().post(request, *args, **kwargs)

    def form_valid(self, form: AuthenticationForm) -> HttpResponse:
        login_success_record(username=form.get_user().get_username(), ip=client_ip(self.request))
        return super().form_valid(form)

    def form_invalid(self, form: AuthenticationForm) -> HttpResponse:
        username = str(form.data.get("username", ""))[:150]
        ip = client_ip(self.request)
        if username:
            login_failure_record(username=username, ip=ip)
        throttled = login_locked(username=username, ip=ip)
        return self.render_to_response(self.get_context_data(form=form, throttled=throttled))
