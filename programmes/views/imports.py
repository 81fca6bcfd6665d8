"""HTML views for CSV imports of participants: upload, preview with progress, confirm or
cancel, and the template file."""

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Case, IntegerField, Value, When
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from mentoring.shortcuts import add_service_errors, require
from programmes import csv_import, permissions
from programmes.forms.imports import ImportConfirmForm, ImportRowFilterForm, ImportUploadForm
from programmes.models import ImportJob, ImportRow
from programmes.services import imports as services
from programmes.views.invitations import programme_for_people_pages

PAGE_SIZE = 100
PAST_IMPORTS_SHOWN = 20
RUNNING = (ImportJob.Status.PREVIEWING, ImportJob.Status.IMPORTING)


@login_required
def import_create(request: HttpRequest, slug: str) -> HttpResponse:
    """The upload form, what the file may contain, and the programme's past imports."""
    programme = programme_for_people_pages(request, slug)
    can_manage = permissions.can_manage_programme(request.user, programme)
    form = ImportUploadForm() if can_manage else None
    status = 200
    if request.method == "POST":
        require(can_manage)
        form = ImportUploadForm(request.POST, request.FILES)
        if form.is_valid():
            try:
                job = services.start_import(
                    programme=programme,
                    uploaded_file=form.cleaned_data["file"],
                    uploaded_by=request.user,
                    allow_new_skills=form.cleaned_data["allow_new_skills"],
                )
            except ValidationError as error:
                if hasattr(error, "error_dict"):
                    add_service_errors(form, error)
                else:
                    form.add_error("file", error)
            else:
                return redirect("import-detail", pk=job.pk)
        status = 400
    jobs = (
        ImportJob.objects.visible_to(request.user)
        .filter(programme=programme)
        .select_related("uploaded_by")
        .order_by("-created_at")[:PAST_IMPORTS_SHOWN]
    )
    context = {
        "programme": programme,
        "form": form,
        "jobs": jobs,
        "can_manage": can_manage,
        "changeable": programme.archived_at is None and programme.status != programme.Status.CLOSED,
        "columns": _column_help(),
        "max_bytes": settings.IMPORT_MAX_BYTES,
    }
    return render(request, "programmes/import_create.html", context, status=status)


def _column_help() -> list[tuple[str, bool, str]]:
    return [
        ("email", True, _("The person's e-mail address: it identifies them.")),
        ("role", True, _("mentor or mentee.")),
        ("first name, last name", False, _("Up to 150 characters each.")),
        ("department, job title, location", False, _("Up to 120 characters each.")),
        ("timezone", False, _("A time zone name such as Europe/Paris or America/New_York.")),
        ("languages", False, _("ISO codes or English names, such as “en|French”.")),
        ("skills offered, skills wanted", False, _("Skill names from the taxonomy, such as “Python|Negotiation”.")),
        ("capacity", False, _("For mentors: how many mentees at once in this programme, 0 to 50.")),
        ("manager email", False, _("The manager's address: an existing account or a person in the same file.")),
    ]


@login_required
@require_GET
def import_template(request: HttpRequest, slug: str) -> HttpResponse:
    programme_for_people_pages(request, slug)
    # A byte order mark, so that Excel opens the file as UTF-8; the import accepts it.
    response = HttpResponse("\ufeff" + csv_import.template_csv(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="participants-template.csv"'
    return response


def _job_for(request: HttpRequest, pk: int) -> ImportJob:
    queryset = ImportJob.objects.visible_to(request.user).select_related("programme", "uploaded_by")
    return get_object_or_404(queryset, pk=pk)


def _detail_context(request: HttpRequest, job: ImportJob) -> dict[str, Any]:
    filter_form = ImportRowFilterForm(request.GET or None)
    outcome = filter_form.cleaned_data["outcome"] if filter_form.is_valid() else ""
    rows = job.rows.order_by(
        # Errors first: they are what the coordinator has to act on.
        Case(When(outcome=ImportRow.Outcome.ERROR, then=Value(0)), default=Value(1), output_field=IntegerField()),
        "line",
    )
    if outcome:
        rows = rows.filter(outcome=outcome)
    show_rows = job.status in {ImportJob.Status.PREVIEWED, ImportJob.Status.DONE}
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page")) if show_rows else None
    counts = job.counts or {}
    return {
        "job": job,
        "programme": job.programme,
        "running": job.status in RUNNING,
        "page": page,
        "outcome": outcome,
        "outcomes": [
            {"value": value, "label": label, "count": counts.get(value, 0), "current": value == outcome}
            for value, label in ImportRow.Outcome.choices
        ],
        "query_string": f"outcome={outcome}" if outcome else "",
        "can_manage": permissions.can_manage_programme(request.user, job.programme),
        "confirm_form": ImportConfirmForm(),
        "valid_rows": counts.get("create", 0) + counts.get("update", 0),
    }


@login_required
def import_detail(request: HttpRequest, pk: int) -> HttpResponse:
    job = _job_for(request, pk)
    return render(request, "programmes/import_detail.html", _detail_context(request, job))


@login_required
@require_GET
def import_progress(request: HttpRequest, pk: int) -> HttpResponse:
    """The progress fragment htmx polls; once the work is over the whole page reloads."""
    job = _job_for(request, pk)
    if job.status not in RUNNING and request.htmx:
        response = HttpResponse(status=204)
        response["HX-Refresh"] = "true"
        return response
    return render(request, "programmes/import_progress.html", {"job": job, "running": job.status in RUNNING})


@login_required
@require_POST
def import_confirm(request: HttpRequest, pk: int) -> HttpResponse:
    job = _job_for(request, pk)
    require(permissions.can_manage_programme(request.user, job.programme))
    form = ImportConfirmForm(request.POST)
    send_invitations = form.is_valid() and form.cleaned_data["send_invitations"]
    try:
        services.confirm_import(job=job, by=request.user, send_invitations=send_invitations)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    return redirect("import-detail", pk=job.pk)


@login_required
@require_POST
def import_cancel(request: HttpRequest, pk: int) -> HttpResponse:
    job = _job_for(request, pk)
    require(permissions.can_manage_programme(request.user, job.programme))
    try:
        services.cancel_import(job=job, by=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("The import was cancelled; nothing was written."))
    return redirect("import-create", slug=job.programme.slug)
