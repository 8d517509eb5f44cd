"""数据探矿 forms: register, edit and delete a probe.

The password box is never filled in: it says whether a password is set (已设置) and that leaving it empty
keeps it; the domain keeps the stored one when the box comes back empty, unless the connection (engine,
host, port, database name, user) changed: then it is dropped, the form says so beforehand and the page
after saving. A SQLite probe needs only the file
path, so the server fields (host, port, user, password) hide while SQLite is chosen (CSS only) and are
ignored by the reader. The department is the chosen system's: a probe reads a database of that system.
"""

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.forms.models import model_to_dict
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from domain.assets.errors import AssetError, AssetNotFound
from domain.assets.models import InformationSystem, Probe
from domain.assets.probing.services import (
    PROBE_FIELDS,
    password_display,
    probe_delete,
    probe_register,
    probe_update,
)
from webui.i18n import one_language

from .assets_access import actor_of, departments_for_editing, forbidden, may_edit
from .assets_forms import errors_onto, model_fields, posted_values

SERVER_ONLY = ("host", "port", "username", "password", "clear_password")
PASSWORD_DROPPED = gettext_lazy(
    "修改数据库类型、主机、端口、数据库名或用户名时，已保存的密码会被清除，请同时填写新密码。"
)


class ProbeForm(forms.Form):
    system = forms.TypedChoiceField(label=gettext_lazy("所属系统"), coerce=int)
    password = forms.CharField(
        label=gettext_lazy("密码"),
        required=False,
        strip=False,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "new-password"}),
    )

    def __init__(self, *args: Any, systems: list[tuple[int, str]], probe: Probe | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields.update(model_fields(Probe, PROBE_FIELDS))
        self.fields["system"].choices = systems  # type: ignore[attr-defined]
        if probe is not None and probe.has_password:
            self.fields["password"].widget.attrs["placeholder"] = password_display(probe)
            self.fields["password"].help_text = f"{_('已设置。留空则保持不变；填写则替换。')} {PASSWORD_DROPPED}"
            self.fields["clear_password"] = forms.BooleanField(label=_("清除已保存的密码"), required=False)
        self.order_fields(["name", "system", "engine", "database_name", *SERVER_ONLY])


def _systems(request: HttpRequest, probe: Probe | None) -> list[tuple[int, str]]:
    """Systems a probe may read from: those of the probe's department, or of the user's departments."""
    if probe is not None:
        rows = InformationSystem.objects.filter(department_id=probe.department_id)
    else:
        rows = InformationSystem.objects.filter(department__in=departments_for_editing(actor_of(request)))
    rows = rows.select_related("department").order_by("department__path", "name")
    return [(system.pk, f"{system.department.name} / {system.name}") for system in rows[:2000]]


def _page(request: HttpRequest, form: ProbeForm, probe: Probe | None) -> HttpResponse:
    context = {"section": "probes", "form": form, "probe": probe, "server_only": SERVER_ONLY}
    status = 400 if form.is_bound and form.errors else 200
    return render(request, "webui/data/probes/form.html", context, status=status)


def _saved(request: HttpRequest, form: ProbeForm, probe: Probe | None) -> Probe | None:
    if not form.is_valid():
        return None
    data = posted_values(form, Probe)
    try:
        if probe is None:
            system = InformationSystem.objects.get(pk=data["system"])
            return probe_register(department_id=system.department_id, system_id=system.pk, data=data)
        return probe_update(probe_id=probe.pk, data={**data, "system_id": data["system"]})
    except (AssetNotFound, InformationSystem.DoesNotExist):
        form.add_error("system", _("所选信息系统不存在"))
    except AssetError as error:
        errors_onto(form, error)
    return None


@login_required
@require_http_methods(["GET", "POST"])
def probe_new(request: HttpRequest) -> HttpResponse:
    """新建探针 on a system of one of the user's departments."""
    systems = _systems(request, None)
    if not departments_for_editing(actor_of(request)).exists():
        return forbidden(request)
    form = ProbeForm(request.POST if request.method == "POST" else None, systems=systems)
    if request.method == "POST" and (probe := _saved(request, form, None)) is not None:
        messages.success(request, _("已创建探针：%(name)s") % {"name": probe.name})
        return redirect("data:probe", probe.pk)
    return _page(request, form, None)


def _probe_or_404(probe_id: int) -> Probe:
    probe = Probe.objects.select_related("department", "system").filter(pk=probe_id).first()
    if probe is None:
        raise Http404(_("探针 %(id)s 不存在") % {"id": probe_id})
    return probe


@login_required
@require_http_methods(["GET", "POST"])
def probe_edit(request: HttpRequest, probe_id: int) -> HttpResponse:
    probe = _probe_or_404(probe_id)
    if not may_edit(actor_of(request), probe.department_id):
        return forbidden(request, probe.department_id)
    initial = {**model_to_dict(probe, fields=list(PROBE_FIELDS)), "system": probe.system_id}
    data = request.POST if request.method == "POST" else None
    form = ProbeForm(data, initial=initial, systems=_systems(request, probe), probe=probe)
    had_password = probe.has_password
    if request.method == "POST" and (saved := _saved(request, form, probe)) is not None:
        messages.success(request, _("已保存探针：%(name)s") % {"name": saved.name})
        if had_password and not saved.has_password and not form.cleaned_data.get("clear_password"):
            messages.warning(request, _("连接信息已修改，原密码已清除；如需密码，请编辑探针重新填写。"))
        return redirect("data:probe", probe.pk)
    return _page(request, form, probe)


@login_required
@require_POST
def probe_remove(request: HttpRequest, probe_id: int) -> HttpResponse:
    """删除 a probe with its runs and snapshots; the assets it filled stay in the registry."""
    probe = _probe_or_404(probe_id)
    if not may_edit(actor_of(request), probe.department_id):
        return forbidden(request, probe.department_id)
    try:
        probe_delete(probe_id=probe.pk)
    except AssetError as error:
        messages.error(request, one_language(error.message))
        return redirect("data:probe", probe.pk)
    messages.success(request, _("已删除探针：%(name)s") % {"name": probe.name})
    return redirect(reverse("data:probes"))
