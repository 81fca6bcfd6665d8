"""HTML views of exports: the log, the request form (which streams small CSV files at
once), a job's page with its progress, and the download of a finished file."""

from typing import Any
from urllib.parse import urlencode

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Q, QuerySet
from django.http import Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET

from mentoring.shortcuts import add_service_errors, require
from programmes.models import Programme
from reports import permissions_exports as permissions
from reports.exports.columns import DATASETS
from reports.exports.download import file_response
from reports.exports.forms import ALL_PROGRAMMES, ExportLogFilterForm, ExportRequestForm
from reports.models import ExportJob
from reports.services import exports as services

PAGE_SIZE = 50
RUNNING = (ExportJob.Status.QUEUED, ExportJob.Status.RUNNING)


def _job_for(request: HttpRequest, pk: int) -> ExportJob:
    queryset = ExportJob.objects.visible_to(request.user).select_related("programme", "requested_by")
    return get_object_or_404(queryset, pk=pk)


def _filtered_log(request: HttpRequest, form: ExportLogFilterForm, sees_all: bool) -> QuerySet[ExportJob]:
    jobs = ExportJob.objects.visible_to(request.user).select_related("programme", "requested_by")
    if not form.is_valid():
        return jobs
    data = form.cleaned_data
    if sees_all and data["person"]:
        for word in data["person"].split():
            jobs = jobs.filter(
                Q(requested_by__email__icontains=word)
                | Q(requested_by__first_name__icontains=word)
                | Q(requested_by__last_name__icontains=word)
            )
    if data["dataset"]:
        jobs = jobs.filter(dataset=data["dataset"])
    # In the viewer's time zone, which the middleware made current.
    if data["created_from"]:
        jobs = jobs.filter(created_at__date__gte=data["created_from"])
    if data["created_to"]:
        jobs = jobs.filter(created_at__date__lte=data["created_to"])
    return jobs


@login_required
@require_GET
def export_list(request: HttpRequest) -> HttpResponse:
    """The export log: HR and site admins see every export, with filters by person, data
    and date; everybody else their own."""
    sees_all = permissions.can_export_all_programmes(request.user)
    form = ExportLogFilterForm(request.GET or None)
    if not sees_all:
        del form.fields["person"]
    jobs = _filtered_log(request, form, sees_all)
    page = Paginator(jobs, PAGE_SIZE).get_page(request.GET.get("page"))
    filters = {key: value for key, value in request.GET.items() if key != "page" and value}
    context = {
        "form": form,
        "page": page,
        "sees_all": sees_all,
        "filtered": bool(filters),
        "query_string": urlencode(filters),
        "can_request": permissions.can_request_exports(request.user),
    }
    return render(request, "reports/export_list.html", context)


def _initial_programme(request: HttpRequest) -> str | None:
    """`?programme=<slug>` from a dashboard's Export link: a programme the user cannot
    see is not found; one they see but may not export is forbidden."""
    slug = request.GET.get("programme")
    if not slug or slug == ALL_PROGRAMMES:
        return slug
    programme = get_object_or_404(Programme.objects.visible_to(request.user), slug=slug)
    require(permissions.can_export_programme(request.user, programme))
    return programme.slug


def _streamed(job: ExportJob) -> StreamingHttpResponse:
    response = StreamingHttpResponse(
        services.stream_export(job=job), content_type=services.CONTENT_TYPES[ExportJob.Format.CSV]
    )
    response["Content-Disposition"] = f'attachment; filename="{services.download_name(job)}"'
    response["Cache-Control"] = "private, no-store"
    # A proxy that buffers would hold the whole file before the first byte reaches the client.
    response["X-Accel-Buffering"] = "no"
    return response


@login_required
def export_create(request: HttpRequest) -> HttpResponse:
    """Ask for an export. A small CSV comes back at once as the response; anything else
    is queued and the job's page follows its progress."""
    # A programme named in the address is looked up first: one the user cannot see is not found.
    initial_programme = _initial_programme(request) if request.method != "POST" else None
    require(permissions.can_request_exports(request.user))
    status = 200
    if request.method == "POST":
        form = ExportRequestForm(request.POST, user=request.user)
        if form.is_valid():
            try:
                job = services.request_export(user=request.user, request=request, **form.cleaned_data)
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                if job.in_background:
                    return redirect("export-detail", pk=job.pk)
                return _streamed(job)
        status = 400
    else:
        initial = {"programme": initial_programme}
        if request.GET.get("dataset") in ExportJob.Dataset.values:
            initial["dataset"] = request.GET["dataset"]
        for name in ("date_from", "date_to"):  # a dashboard's period, when it has one
            try:
                initial[name] = forms.DateField().clean(request.GET.get(name) or None)
            except ValidationError:
                continue
        form = ExportRequestForm(initial=initial, user=request.user)
    context = {"form": form, "datasets": DATASETS.values(), "zone": request.user.timezone}
    return render(request, "reports/export_create.html", context, status=status)


def _detail_context(request: HttpRequest, job: ExportJob) -> dict[str, Any]:
    return {
        "job": job,
        "running": job.status in RUNNING,
        "is_requester": job.requested_by_id == request.user.pk,
        "can_download": permissions.can_download_export(request.user, job),
        "expired": permissions.is_expired(job),
        "dataset": DATASETS[job.dataset],
        "download_name": services.download_name(job),
    }


@login_required
@require_GET
def export_detail(request: HttpRequest, pk: int) -> HttpResponse:
    job = _job_for(request, pk)
    return render(request, "reports/export_detail.html", _detail_context(request, job))


@login_required
@require_GET
def export_progress(request: HttpRequest, pk: int) -> HttpResponse:
    """The progress fragment htmx polls; once the work is over the whole page reloads."""
    job = _job_for(request, pk)
    if job.status not in RUNNING and request.htmx:
        response = HttpResponse(status=204)
        response["HX-Refresh"] = "true"
        return response
    return render(request, "reports/_export_progress.html", _detail_context(request, job))


@login_required
@require_GET
def export_download(request: HttpRequest, pk: int) -> HttpResponse:
    """The file, to the person who asked for it and nobody else (404), until it expires
    (410). Never through the media URL."""
    job = get_object_or_404(ExportJob.objects.filter(requested_by=request.user).select_related("programme"), pk=pk)
    if permissions.is_expired(job):
        return render(request, "reports/export_gone.html", {"job": job}, status=410)
    if job.status in RUNNING:
        return redirect("export-detail", pk=job.pk)
    if not permissions.can_download_export(request.user, job):
        raise Http404
    try:
        return file_response(job=job, request=request)
    except FileNotFoundError:
        return render(request, "reports/export_gone.html", {"job": job}, status=410)
