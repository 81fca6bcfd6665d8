"""API of exports: ask for one (always built by a worker), follow its status, list the
export log, download the file. Same scoping, predicates and services as the HTML views."""

from typing import Any

from django.db.models import QuerySet
from django.http import FileResponse
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_field
from rest_framework import generics, serializers, status
from rest_framework.exceptions import APIException, NotFound
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from mentoring.api import ErrorSerializer
from mentoring.shortcuts import require
from programmes.models import Programme
from reports import permissions_exports as permissions
from reports.exports.download import file_response
from reports.models import ExportJob
from reports.services import exports as services

ERRORS = {
    400: OpenApiResponse(description="Invalid input; the body says what is wrong, per field."),
    403: OpenApiResponse(ErrorSerializer, description="You may see this programme but not export it."),
    404: OpenApiResponse(ErrorSerializer, description="Not among the things you can see."),
}
RUNNING_OR_FAILED = (ExportJob.Status.QUEUED, ExportJob.Status.RUNNING, ExportJob.Status.FAILED)


class Gone(APIException):
    status_code = status.HTTP_410_GONE
    default_detail = "This export has expired; its file was deleted."
    default_code = "gone"


class NotReady(APIException):
    status_code = status.HTTP_409_CONFLICT
    default_detail = "This export has no file to download."
    default_code = "not_ready"


def _jobs(request: Request) -> QuerySet[ExportJob]:
    return ExportJob.objects.visible_to(request.user).select_related("programme", "requested_by")


# --- Shapes ------------------------------------------------------------------------------


class ExportPersonBrief(serializers.Serializer):
    id = serializers.IntegerField()
    display_name = serializers.CharField()


class ExportJobOutput(serializers.Serializer):
    id = serializers.IntegerField()
    dataset = serializers.ChoiceField(choices=ExportJob.Dataset.choices)
    format = serializers.ChoiceField(choices=ExportJob.Format.choices)
    programme = serializers.SerializerMethodField(help_text="The programme's slug; null: every programme.")
    date_from = serializers.DateField(allow_null=True)
    date_to = serializers.DateField(allow_null=True)
    in_background = serializers.BooleanField(
        help_text="True when a worker builds a file; false when the rows were streamed in an HTML response."
    )
    status = serializers.ChoiceField(choices=ExportJob.Status.choices)
    progress = serializers.IntegerField(help_text="Percent, while a worker builds the file.")
    rows = serializers.IntegerField(allow_null=True, help_text="Rows written, once finished.")
    requested_by = ExportPersonBrief(allow_null=True)
    error = serializers.CharField()
    created_at = serializers.DateTimeField()
    started_at = serializers.DateTimeField(allow_null=True)
    finished_at = serializers.DateTimeField(allow_null=True)
    expires_at = serializers.DateTimeField(allow_null=True, help_text="The file is deleted after this moment.")
    downloaded_at = serializers.DateTimeField(allow_null=True)
    download_url = serializers.SerializerMethodField(
        help_text="Where the requester downloads the file while it is ready; null for anybody else."
    )

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_programme(self, job: ExportJob) -> str | None:
        return job.programme.slug if job.programme is not None else None

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_download_url(self, job: ExportJob) -> str | None:
        request = self.context.get("request")
        if request is None or not permissions.can_download_export(request.user, job):
            return None
        return reverse("api-export-download", kwargs={"pk": job.pk})


class ExportCreateInput(serializers.Serializer):
    dataset = serializers.ChoiceField(choices=ExportJob.Dataset.choices)
    format = serializers.ChoiceField(choices=ExportJob.Format.choices, default=ExportJob.Format.CSV)
    programme = serializers.SlugField(
        max_length=160,
        allow_null=True,
        required=False,
        default=None,
        help_text="A programme's slug; null or absent: every programme (HR and site admins only).",
    )
    date_from = serializers.DateField(required=False, allow_null=True, default=None, help_text="First day included.")
    date_to = serializers.DateField(required=False, allow_null=True, default=None, help_text="Last day included.")


class ExportListFilter(serializers.Serializer):
    dataset = serializers.ChoiceField(required=False, choices=ExportJob.Dataset.values)
    status = serializers.ChoiceField(required=False, choices=ExportJob.Status.values)


# --- Operations --------------------------------------------------------------------------


class ExportListApi(generics.ListAPIView):
    serializer_class = ExportJobOutput

    @extend_schema(
        parameters=[
            OpenApiParameter("dataset", str, enum=ExportJob.Dataset.values, description="Only exports of this data."),
            OpenApiParameter("status", str, enum=ExportJob.Status.values, description="Only exports in this status."),
        ]
    )
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """The export log: every export for HR and site admins, your own for anybody else. Newest first."""
        return super().get(request, *args, **kwargs)

    def get_queryset(self) -> QuerySet[ExportJob]:
        if getattr(self, "swagger_fake_view", False):
            return ExportJob.objects.none()
        jobs = _jobs(self.request).order_by("-created_at", "-pk")
        filters = ExportListFilter(data=self.request.query_params)
        filters.is_valid(raise_exception=True)
        for field, value in filters.validated_data.items():
            jobs = jobs.filter(**{field: value})
        return jobs

    @extend_schema(request=ExportCreateInput, responses={201: ExportJobOutput, **ERRORS})
    def post(self, request: Request) -> Response:
        """Ask for an export of one programme (or, for HR and site admins, every programme).
        A worker builds the file whatever its size; follow `status` and `progress`, then
        download it from `download_url` before `expires_at`."""
        data = ExportCreateInput(data=request.data)
        data.is_valid(raise_exception=True)
        fields = dict(data.validated_data)
        slug = fields.pop("programme")
        programme = None
        if slug is None:
            require(permissions.can_export_all_programmes(request.user))
        else:
            programme = get_object_or_404(Programme.objects.visible_to(request.user), slug=slug)
            require(permissions.can_export_programme(request.user, programme))
        job = services.request_export(
            user=request.user, programme=programme, background=True, request=request, **fields
        )
        job = _jobs(request).get(pk=job.pk)
        return Response(ExportJobOutput(job, context={"request": request}).data, status=status.HTTP_201_CREATED)


class ExportDetailApi(APIView):
    @extend_schema(responses={200: ExportJobOutput, 404: ERRORS[404]})
    def get(self, request: Request, pk: int) -> Response:
        """One export's status and progress (the log entry)."""
        job = get_object_or_404(_jobs(request), pk=pk)
        return Response(ExportJobOutput(job, context={"request": request}).data)


class ExportDownloadApi(APIView):
    @extend_schema(
        responses={
            (200, "text/csv"): OpenApiResponse(OpenApiTypes.BINARY, description="The CSV file."),
            (200, services.CONTENT_TYPES[ExportJob.Format.XLSX]): OpenApiResponse(
                OpenApiTypes.BINARY, description="The XLSX file."
            ),
            404: OpenApiResponse(
                ErrorSerializer, description="Not an export of yours (only the requester downloads), or no file."
            ),
            409: OpenApiResponse(ErrorSerializer, description="Not ready yet, or it failed."),
            410: OpenApiResponse(ErrorSerializer, description="Expired: the file was deleted."),
        }
    )
    def get(self, request: Request, pk: int) -> FileResponse:
        """The file, to the person who asked for it, until it expires."""
        job = get_object_or_404(ExportJob.objects.filter(requested_by=request.user).select_related("programme"), pk=pk)
        if permissions.is_expired(job):
            raise Gone
        if job.status in RUNNING_OR_FAILED:
            raise NotReady(_("This export is %(status)s; there is no file yet.") % {"status": job.status})
        if not permissions.can_download_export(request.user, job):
            raise NotFound(_("This export was streamed into a page; no copy was kept."))
        try:
            return file_response(job=job, request=request)
        except FileNotFoundError:
            raise Gone from None
