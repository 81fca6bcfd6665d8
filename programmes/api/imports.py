"""API for CSV imports: upload (multipart) → poll the preview → read its rows → confirm
or cancel. The same services and scoping as the HTML pages."""

from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404
from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.pagination import PageNumberPagination
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from mentoring.api import ErrorSerializer
from mentoring.shortcuts import require
from programmes import permissions
from programmes.api.invitations import InvitationPersonOutput, programme_for_people_api
from programmes.models import ImportJob, ImportRow
from programmes.services import imports as services


class ImportCountsOutput(serializers.Serializer):
    create = serializers.IntegerField(required=False)
    update = serializers.IntegerField(required=False)
    unchanged = serializers.IntegerField(required=False)
    error = serializers.IntegerField(required=False)
    ignored_columns = serializers.ListField(child=serializers.CharField(), required=False)
    new_skills = serializers.ListField(child=serializers.CharField(), required=False)
    invitations = serializers.IntegerField(required=False, help_text="Invitations sent on confirm, when asked.")


class ImportJobOutput(serializers.Serializer):
    id = serializers.IntegerField()
    programme = serializers.SlugField(source="programme.slug")
    original_name = serializers.CharField()
    status = serializers.ChoiceField(choices=ImportJob.Status.choices)
    allow_new_skills = serializers.BooleanField()
    total_rows = serializers.IntegerField()
    processed_rows = serializers.IntegerField()
    progress_percent = serializers.IntegerField()
    counts = ImportCountsOutput(help_text="Rows per outcome once previewed (and final ones once done).")
    error = serializers.CharField(help_text="Why the import failed; empty otherwise.")
    uploaded_by = InvitationPersonOutput(allow_null=True)
    created_at = serializers.DateTimeField()
    confirmed_at = serializers.DateTimeField(allow_null=True)
    finished_at = serializers.DateTimeField(allow_null=True)
    html_url = serializers.SerializerMethodField()

    def get_html_url(self, job: ImportJob) -> str:
        return reverse("import-detail", kwargs={"pk": job.pk})


class ImportRowOutput(serializers.Serializer):
    line = serializers.IntegerField(help_text="Line number in the file (the header is line 1).")
    email = serializers.CharField()
    outcome = serializers.ChoiceField(choices=ImportRow.Outcome.choices)
    message = serializers.CharField(help_text="What changes, or why the line cannot be imported.")
    data = serializers.DictField(help_text="The line's values as the import reads them.")


class ImportUploadInput(serializers.Serializer):
    file = serializers.FileField(help_text="The CSV file (UTF-8, comma or semicolon separated).")
    allow_new_skills = serializers.BooleanField(
        default=False, help_text="Create skills the taxonomy does not know (else they are row errors)."
    )


class ImportConfirmInput(serializers.Serializer):
    send_invitations = serializers.BooleanField(
        default=False, help_text="E-mail an invitation to each imported person who cannot sign in yet."
    )


def _job_for(request: Request, pk: int) -> ImportJob:
    queryset = ImportJob.objects.visible_to(request.user).select_related("programme", "uploaded_by")
    return get_object_or_404(queryset, pk=pk)


class ImportListApi(APIView):
    """A programme's imports (GET, newest first), or upload a CSV file (POST, multipart):
    the preview then runs in a worker; poll the import until it is `previewed`."""

    pagination_class = PageNumberPagination
    parser_classes = [MultiPartParser, FormParser]

    @extend_schema(responses={200: ImportJobOutput(many=True), 404: ErrorSerializer})
    def get(self, request: Request, slug: str) -> Response:
        programme = programme_for_people_api(request, slug)
        jobs = (
            ImportJob.objects.visible_to(request.user)
            .filter(programme=programme)
            .select_related("programme", "uploaded_by")
            .order_by("-created_at", "-pk")
        )
        paginator = self.pagination_class()
        page = paginator.paginate_queryset(jobs, request, view=self)
        return paginator.get_paginated_response(ImportJobOutput(page, many=True).data)

    @extend_schema(
        request={"multipart/form-data": ImportUploadInput},
        responses={
            201: ImportJobOutput,
            400: OpenApiTypes.OBJECT,
            403: ErrorSerializer,
            404: ErrorSerializer,
            415: ErrorSerializer,
        },
    )
    def post(self, request: Request, slug: str) -> Response:
        programme = programme_for_people_api(request, slug)
        require(permissions.can_manage_programme(request.user, programme))
        data = ImportUploadInput(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            job = services.start_import(
                programme=programme,
                uploaded_file=data.validated_data["file"],
                uploaded_by=request.user,
                allow_new_skills=data.validated_data["allow_new_skills"],
            )
        except ValidationError as error:
            if hasattr(error, "error_dict"):
                raise
            raise ValidationError({"file": error.messages}) from None
        job.refresh_from_db()
        return Response(ImportJobOutput(job).data, status=status.HTTP_201_CREATED)


class ImportDetailApi(APIView):
    """Status, progress and counts of one import."""

    @extend_schema(responses={200: ImportJobOutput, 404: ErrorSerializer})
    def get(self, request: Request, pk: int) -> Response:
        return Response(ImportJobOutput(_job_for(request, pk)).data)


class ImportRowsApi(APIView):
    """Every line's outcome, in file order."""

    pagination_class = PageNumberPagination

    class FilterSerializer(serializers.Serializer):
        outcome = serializers.ChoiceField(choices=ImportRow.Outcome.choices, required=False)

    @extend_schema(
        parameters=[OpenApiParameter("outcome", OpenApiTypes.STR, enum=ImportRow.Outcome.values)],
        responses={200: ImportRowOutput(many=True), 400: OpenApiTypes.OBJECT, 404: ErrorSerializer},
    )
    def get(self, request: Request, pk: int) -> Response:
        job = _job_for(request, pk)
        filters = self.FilterSerializer(data=request.query_params)
        filters.is_valid(raise_exception=True)
        rows = job.rows.order_by("line", "pk")
        if filters.validated_data.get("outcome"):
            rows = rows.filter(outcome=filters.validated_data["outcome"])
        paginator = self.pagination_class()
        page = paginator.paginate_queryset(rows, request, view=self)
        return paginator.get_paginated_response(ImportRowOutput(page, many=True).data)


class ImportConfirmApi(APIView):
    """Write every valid row (in a worker, in one transaction); 202 while it runs."""

    parser_classes = [JSONParser, FormParser, MultiPartParser]

    @extend_schema(
        request=ImportConfirmInput,
        responses={202: ImportJobOutput, 400: OpenApiTypes.OBJECT, 403: ErrorSerializer, 404: ErrorSerializer},
    )
    def post(self, request: Request, pk: int) -> Response:
        job = _job_for(request, pk)
        require(permissions.can_manage_programme(request.user, job.programme))
        data = ImportConfirmInput(data=request.data)
        data.is_valid(raise_exception=True)
        job = services.confirm_import(
            job=job, by=request.user, send_invitations=data.validated_data["send_invitations"]
        )
        return Response(ImportJobOutput(_job_for(request, job.pk)).data, status=status.HTTP_202_ACCEPTED)


class ImportCancelApi(APIView):
    """Drop an import that is not confirmed yet; nothing is written."""

    @extend_schema(
        request=None,
        responses={200: ImportJobOutput, 400: OpenApiTypes.OBJECT, 403: ErrorSerializer, 404: ErrorSerializer},
    )
    def post(self, request: Request, pk: int) -> Response:
        job = _job_for(request, pk)
        require(permissions.can_manage_programme(request.user, job.programme))
        job = services.cancel_import(job=job, by=request.user)
        return Response(ImportJobOutput(job).data)
