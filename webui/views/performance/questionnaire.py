"""问卷链接: a unit submits its values by the token in its URL, without login (CSRF kept: the form is ours)."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_http_methods

from domain.performance import services as performance_services
from domain.performance.choices import RoundStatus
from domain.performance.errors import TokenInvalid, ValuesInvalid
from domain.performance.models import DataField, RoundUnit

from .forms import shown_values, values_form


@require_http_methods(["GET", "POST"])
def questionnaire(request: HttpRequest, token: str) -> HttpResponse:
    unit = RoundUnit.objects.select_related("department", "round").filter(token=token).first()
    if unit is None or unit.round.status != RoundStatus.COLLECTING:
        return render(request, "webui/performance/questionnaire_closed.html", {"unit": unit}, status=404)
    fields = list(DataField.objects.filter(round_id=unit.round_id))
    form = values_form(fields, request.POST or None, initial=shown_values(fields, unit.values))
    done = False
    if request.method == "POST" and form.is_valid():
        raw = {name: value for name, value in form.cleaned_data.items() if str(value).strip()}
        try:
            performance_services.values_submit_by_token(token=token, values=raw)
        except ValuesInvalid as exc:
            for name, message in exc.errors.items():
                form.add_error(name if name in form.fields else None, message)
        except TokenInvalid as exc:
            form.add_error(None, exc.message)
        else:
            done = True
    context = {"unit": unit, "form": form, "done": done}
    return render(request, "webui/performance/questionnaire.html", context, status=400 if form.errors else 200)
