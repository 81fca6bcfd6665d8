"""The one way an export file leaves the server, for the page and the API alike."""

from django.http import FileResponse, HttpRequest

from reports.models import ExportJob
from reports.services import exports as services


def file_response(*, job: ExportJob, request: HttpRequest) -> FileResponse:
    """The file as a private attachment, its download recorded. Raises FileNotFoundError
    when the file is gone (the callers answer 410). Callers check who may download first."""
    handle = job.file.open("rb")
    services.record_download(job=job, user=request.user, request=request)
    response = FileResponse(
        handle,
        as_attachment=True,
        filename=services.download_name(job),
        content_type=services.CONTENT_TYPES[job.format],
    )
    response["Cache-Control"] = "private, no-store"
    return response
