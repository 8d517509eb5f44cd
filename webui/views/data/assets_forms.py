"""数据资产 forms: register, edit and delete a system, database, table or column.

The form parses what was posted (types, choices, lengths); the domain service decides the rest, and each
problem it names (AssetInvalid's fields, AssetConflict on a taken name) is shown next to its input. Only the
owning department's people and staff reach a form or a delete (`may_edit`); anyone else gets 403 and
nothing changes.
"""

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import FieldDoesNotExist
from django.db.models import Field as ModelField
from django.db.models import Model
from django.forms.models import fields_for_model, model_to_dict
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path, reverse
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from domain.assets import services
from domain.assets.errors import AssetError, AssetNotFound
from domain.assets.models import Column, Database, DataTable, InformationSystem
from webui.i18n import one_language

from .assets_access import actor_of, departments_for_editing, forbidden, may_edit, owner_department_id


@dataclass(frozen=True, eq=False)  # compared and hashed by identity: the four levels are singletons
class Level:
    """One level of the registry: its model, the fields its form edits, and the services that write it."""

    model: type[Model]
    fields: tuple[str, ...]
    title: Promise
    register: Callable[[int, Mapping[str, Any]], Model]
    update: Callable[[int, Mapping[str, Any]], Model]
    delete: Callable[[int], None]
    page: str  # the URL name of the object's own page (a column has none: its table's)
    rows: Callable[[], Any]  # the objects with what `owner_department_id` and the breadcrumbs read


SYSTEM = Level(
    InformationSystem,
    services.SYSTEM_FIELDS,
    gettext_lazy("信息系统"),
    lambda department_id, data: services.system_register(department_id=department_id, data=data),
    lambda pk, data: services.system_update(system_id=pk, data=data),
    lambda pk: services.system_delete(system_id=pk),
    "data:asset_system",
    lambda: InformationSystem.objects.select_related("department"),
)
DATABASE = Level(
    Database,
    services.DATABASE_FIELDS,
    gettext_lazy("数据库"),
    lambda system_id, data: services.database_register(system_id=system_id, data=data),
    lambda pk, data: services.database_update(database_id=pk, data=data),
    lambda pk: services.database_delete(database_id=pk),
    "data:asset_database",
    lambda: Database.objects.select_related("system__department"),
)
TABLE = Level(
    DataTable,
    services.TABLE_FIELDS,
    gettext_lazy("数据表"),
    lambda database_id, data: services.table_register(database_id=database_id, data=data),
    lambda pk, data: services.table_update(table_id=pk, data=data),
    lambda pk: services.table_delete(table_id=pk),
    "data:asset_table",
    lambda: DataTable.objects.select_related("database__system__department"),
)
COLUMN = Level(
    Column,
    services.COLUMN_FIELDS,
    gettext_lazy("字段"),
    lambda table_id, data: services.column_register(table_id=table_id, data=data),
    lambda pk, data: services.column_update(column_id=pk, data=data),
    lambda pk: services.column_delete(column_id=pk),
    "data:asset_table",
    lambda: Column.objects.select_related("table__database__system__department"),
)
PARENT = {DATABASE: SYSTEM, TABLE: DATABASE, COLUMN: TABLE}
# The foreign key each level holds to its parent (the parent's model name is not the field's name).
PARENT_LINK = {DATABASE: "system_id", TABLE: "database_id", COLUMN: "table_id"}


def _has_default(model: type[Model], name: str) -> bool:
    field = model._meta.get_field(name)
    return isinstance(field, ModelField) and field.has_default()


def _has_default_safe(model: type[Model], name: str) -> bool:
    """As `_has_default`, for names that may not be model fields at all (密码, 所属部门 …)."""
    try:
        return _has_default(model, name)
    except FieldDoesNotExist:
        return False


def model_fields(model: type[Model], names: tuple[str, ...]) -> dict[str, forms.Field]:
    """The model's own labels, widgets and choices; a field with a model default may be left empty."""
    fields = fields_for_model(model, fields=list(names))
    for name, field in fields.items():
        if isinstance(field.widget, forms.Textarea):
            field.widget.attrs["rows"] = 3
        if _has_default(model, name):
            field.required = False
    return dict(fields)


def posted_values(form: forms.Form, model: type[Model]) -> dict[str, Any]:
    """The cleaned data without empty fields that have a model default: a new object gets the default
    (序号 0, 类型 其他 …), an edit keeps its value."""
    defaulted = {name for name in form.cleaned_data if name in form.fields and _has_default_safe(model, name)}
    return {
        name: value for name, value in form.cleaned_data.items() if value not in (None, "") or name not in defaulted
    }


def asset_form_class(level: Level) -> type[forms.Form]:
    """A plain form for the level's fields; `model` says whose defaults apply."""
    return type(
        f"{level.model.__name__}Form", (forms.Form,), {**model_fields(level.model, level.fields), "model": level.model}
    )


def errors_onto(form: forms.Form, error: AssetError) -> None:
    """The service's complaint next to the input it names; one about no input on the form goes on top."""
    detail = error.detail if isinstance(error.detail, dict) and error.detail else {error.field: [error.message]}
    for field, problems in detail.items():
        for problem in problems if isinstance(problems, list) else [problems]:
            form.add_error(field if field in form.fields else None, one_language(str(problem)))


def _get(level: Level, pk: int) -> Any:
    found = level.rows().filter(pk=pk).first()
    if found is None:
        raise Http404(_("%(what)s %(id)s 不存在") % {"what": level.title, "id": pk})
    return found


def _page_of(level: Level, obj: Any) -> str:
    target = obj.table_id if level is COLUMN else obj.pk
    return reverse(level.page, args=[target])


def _trail(obj: Any) -> list[tuple[str, str]]:
    """(label, url) from the system down to `obj` (a column shows its table's), for the breadcrumbs."""
    trail: list[tuple[str, str]] = []
    if isinstance(obj, Column):
        obj = obj.table
    if isinstance(obj, DataTable):
        trail.insert(0, (obj.name, reverse("data:asset_table", args=[obj.pk])))
        obj = obj.database
    if isinstance(obj, Database):
        trail.insert(0, (obj.name, reverse("data:asset_database", args=[obj.pk])))
        obj = obj.system
    trail.insert(0, (obj.name, reverse("data:asset_system", args=[obj.pk])))
    return trail


def _form_page(request: HttpRequest, level: Level, form: forms.Form, **context: Any) -> HttpResponse:
    return render(
        request,
        "webui/data/assets/form.html",
        {"section": "assets", "form": form, "level": level, "what": level.title, **context},
        status=400 if form.is_bound and form.errors else 200,
    )


def _posted(request: HttpRequest) -> Any:
    return request.POST if request.method == "POST" else None


def _submitted(form: forms.Form, write: Callable[[Mapping[str, Any]], Model]) -> Model | None:
    if not form.is_valid():
        return None
    # An empty field that has a model default is not sent: a new asset gets the default, an edit keeps the value.
    data = posted_values(form, form.model)  # type: ignore[attr-defined]
    try:
        return write(data)
    except AssetNotFound:
        raise Http404(_("上级资产已不存在")) from None
    except AssetError as error:
        errors_onto(form, error)
        return None


class SystemForm(forms.Form):
    department = forms.TypedChoiceField(label=gettext_lazy("所属部门"), coerce=int)


@login_required
@require_http_methods(["GET", "POST"])
def system_new(request: HttpRequest) -> HttpResponse:
    """登记信息系统 in one of the user's departments (staff: any department)."""
    departments = list(departments_for_editing(actor_of(request)).values_list("pk", "name"))
    if not departments:
        return forbidden(request)
    form_class = type("SystemNewForm", (SystemForm, asset_form_class(SYSTEM)), {})
    form = form_class(_posted(request))
    form.fields["department"].choices = departments  # type: ignore[attr-defined]
    if request.method == "POST":
        saved = _submitted(form, lambda data: SYSTEM.register(data["department"], data))
        if saved is not None:
            messages.success(request, _("已登记信息系统：%(name)s") % {"name": saved})
            return redirect(_page_of(SYSTEM, saved))
    return _form_page(request, SYSTEM, form, cancel=reverse("data:assets"), trail=[])


def _child_new(request: HttpRequest, level: Level, parent_id: int) -> HttpResponse:
    parent_level = PARENT[level]
    parent = _get(parent_level, parent_id)
    if not may_edit(actor_of(request), owner_department_id(parent)):
        return forbidden(request, owner_department_id(parent))
    form = asset_form_class(level)(_posted(request))
    if request.method == "POST":
        saved = _submitted(form, lambda data: level.register(parent_id, data))
        if saved is not None:
            messages.success(request, _("已登记%(what)s：%(name)s") % {"what": level.title, "name": saved})
            return redirect(_page_of(level, saved))
    parent_url = reverse(parent_level.page, args=[parent.pk])
    return _form_page(request, level, form, parent=parent, cancel=parent_url, trail=_trail(parent))


def _edit(request: HttpRequest, level: Level, pk: int) -> HttpResponse:
    obj = _get(level, pk)
    if not may_edit(actor_of(request), owner_department_id(obj)):
        return forbidden(request, owner_department_id(obj))
    form = asset_form_class(level)(_posted(request), initial=model_to_dict(obj, fields=list(level.fields)))
    if request.method == "POST":
        saved = _submitted(form, lambda data: level.update(pk, data))
        if saved is not None:
            messages.success(request, _("已保存%(what)s：%(name)s") % {"what": level.title, "name": saved})
            return redirect(_page_of(level, saved))
    delete = reverse(f"data:asset_{level.model._meta.model_name}_delete", args=[pk])
    return _form_page(request, level, form, obj=obj, cancel=_page_of(level, obj), trail=_trail(obj), action=delete)


def _delete(request: HttpRequest, level: Level, pk: int) -> HttpResponse:
    obj = _get(level, pk)
    if not may_edit(actor_of(request), owner_department_id(obj)):
        return forbidden(request, owner_department_id(obj))
    try:
        level.delete(pk)
    except AssetError as error:
        messages.error(request, one_language(error.message))
        return redirect(_page_of(level, obj))
    messages.success(request, _("已删除%(what)s：%(name)s") % {"what": level.title, "name": obj})
    parent_level = PARENT.get(level)
    if parent_level is None:
        return redirect("data:assets")
    parent_id = getattr(obj, PARENT_LINK[level])
    return redirect(reverse(parent_level.page, args=[parent_id]))


def _routes(level: Level, prefix: str, key: str, child_new: str | None) -> list[URLPattern]:
    name = level.model._meta.model_name
    routes = [
        path(
            f"assets/{prefix}/<int:{key}>/edit/",
            login_required(require_http_methods(["GET", "POST"])(lambda r, **kw: _edit(r, level, kw[key]))),
            name=f"asset_{name}_edit",
        ),
        path(
            f"assets/{prefix}/<int:{key}>/delete/",
            login_required(require_POST(lambda r, **kw: _delete(r, level, kw[key]))),
            name=f"asset_{name}_delete",
        ),
    ]
    if child_new:
        child = next(child for child, parent in PARENT.items() if parent is level)
        routes.append(
            path(
                f"assets/{prefix}/<int:{key}>/{child_new}/new/",
                login_required(require_http_methods(["GET", "POST"])(lambda r, **kw: _child_new(r, child, kw[key]))),
                name=f"asset_{child.model._meta.model_name}_new",
            )
        )
    return routes


urlpatterns: list[URLPattern] = [
    path("assets/systems/new/", system_new, name="asset_system_new"),
    *_routes(SYSTEM, "systems", "system_id", "databases"),
    *_routes(DATABASE, "databases", "database_id", "tables"),
    *_routes(TABLE, "tables", "table_id", "columns"),
    *_routes(COLUMN, "columns", "column_id", None),
]
