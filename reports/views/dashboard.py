"""The coordinator's programme dashboard, its targets, and the HR admins' cross-programme
overview. Figures come from `reports.figures` (aggregate queries only); nothing here
shows note text, free-text reasons or goal titles.

A programme's dashboard is fetched through `dashboard_programmes(user)`: coordinators of
other programmes and participants get a 404, as for anything they cannot see.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from matching.models import Flag
from mentoring.shortcuts import require
from programmes.models import Programme
from reports import charts, figures, permissions
from reports.forms import DashboardFilterForm, DashboardSettingsForm, PeriodForm
from reports.services import dashboard as services
from reports.services import dashboard_cache


def _programme_for(request: HttpRequest, slug: str) -> Programme:
    return get_object_or_404(permissions.dashboard_programmes(request.user), slug=slug)


@login_required
@require_GET
def programme_dashboard(request: HttpRequest, slug: str) -> HttpResponse:
    programme = _programme_for(request, slug)
    cohorts = dashboard_cache.dashboard_cohorts(programme)
    form = DashboardFilterForm(request.GET or None, cohorts=cohorts)
    context = {
        "programme": programme,
        "form": form,
        "can_change_settings": permissions.can_change_dashboard_settings(request.user, programme),
        "can_manage": permissions.can_change_dashboard_settings(request.user, programme),
        "flag_open_count": Flag.objects.open().filter(match__programme=programme).count(),
    }
    if form.is_bound and not form.is_valid():
        return render(request, "reports/dashboard.html", context)
    data = form.cleaned_data if form.is_bound else {}
    period = {"date_from": data.get("date_from"), "date_to": data.get("date_to"), "cohort": data.get("cohort") or None}
    cached = dashboard_cache.dashboard_data(programme=programme, **period)
    numbers = cached["figures"]
    context.update(
        {
            "figures": numbers,
            "charts": cached["charts"],
            "queue": cached["queue"],
            "flag_rows": [(kind, label, numbers["flags"]["open_by_kind"][kind]) for kind, label in Flag.Kind.choices],
            "cohort_label": figures.cohort_label(period["cohort"]) if period["cohort"] else "",
            "filtered": any(period.values()),
        }
    )
    return render(request, "reports/dashboard.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def dashboard_settings(request: HttpRequest, slug: str) -> HttpResponse:
    programme = _programme_for(request, slug)
    require(permissions.can_change_dashboard_settings(request.user, programme))
    current = services.dashboard_settings_for(programme)
    form = DashboardSettingsForm(request.POST if request.method == "POST" else None, instance=current)
    if form.is_bound and form.is_valid():
        try:
            services.update_dashboard_settings(programme=programme, by=request.user, **form.cleaned_data)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("The dashboard targets are saved."))
            return redirect("programme-dashboard", slug=programme.slug)
    context = {
        "programme": programme,
        "form": form,
        "inactivity_days": programme.inactivity_days,
        "can_manage": True,
        "flag_open_count": Flag.objects.open().filter(match__programme=programme).count(),
    }
    return render(request, "reports/dashboard_settings.html", context)


@login_required
@require_GET
def hr_overview(request: HttpRequest) -> HttpResponse:
    require(permissions.can_view_hr_overview(request.user))
    form = PeriodForm(request.GET or None)
    context: dict = {"form": form}
    if form.is_bound and not form.is_valid():
        return render(request, "reports/hr_overview.html", context)
    data = form.cleaned_data if form.is_bound else {}
    overview = figures.hr_overview(date_from=data.get("date_from"), date_to=data.get("date_to"))
    context.update(
        {
            "overview": overview,
            "charts": charts.overview_charts(overview=overview),
            "filtered": bool(data.get("date_from") or data.get("date_to")),
        }
    )
    return render(request, "reports/hr_overview.html", context)
