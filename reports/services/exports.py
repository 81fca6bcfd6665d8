"""Exports: request one, stream it or build it in a worker, hand the file to its
requester, and clean up after expiry. Every export is an ExportJob row (who, what,
when, how many rows), whichever way it ran.

Which way an export runs (docs/exports.md):
- XLSX always runs in a worker (`build_export_task`): openpyxl needs the whole file
  written before the first byte can be sent, which does not suit a response.
- CSV streams straight into the response when the dataset's row count for the chosen
  programme and dates is at most `EXPORT_STREAM_MAX_ROWS` (counted with one COUNT query);
  larger ones run in a worker, so a long download never ties up a web process.
- The API always runs a worker (`background=True`): API clients poll and download.
A worker writes the file under MEDIA_ROOT/exports/ with an unguessable name; only the
`export-download` view and API hand it out, to the requester, until `expires_at`
(`EXPORT_EXPIRY_HOURS`); then `cleanup_exports` deletes it and marks the job EXPIRED.
"""

import datetime
import io
import logging
import tempfile
from collections.abc import Iterable, Iterator, Sequence
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files import File
from django.db import transaction
from django.db.models import Q
from django.http import HttpRequest
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _

from audit.models import AuditEvent
from audit.services import record
from profiles.models import User
from programmes.models import Programme
from reports import permissions_exports as permissions
from reports import tasks
from reports.exports.columns import Dataset, Scope, dataset_for
from reports.exports.writers import csv_chunks, write_csv, write_xlsx
from reports.models import ExportJob

logger = logging.getLogger(__name__)

Status = ExportJob.Status
# A worker reports progress at most this often (rows), and only when the percentage moved.
PROGRESS_EVERY = 2000
# The build task's hard time limit (reports/tasks.py): a job RUNNING longer than this lost
# its worker, and a redelivered task may take it over.
BUILD_TIME_LIMIT_SECONDS = 1800
# A queued job that no worker picked up within this time is reported as failed.
QUEUED_GIVE_UP = datetime.timedelta(days=1)
CLEANUP_BATCH = 500
# Dates outside this range are typing mistakes, and the far ends would not survive a
# time-zone conversion.
EARLIEST_DATE = datetime.date(1900, 1, 1)
LATEST_DATE = datetime.date(2999, 12, 31)
CONTENT_TYPES = {
    ExportJob.Format.CSV: "text/csv; charset=utf-8",
    ExportJob.Format.XLSX: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


# --- scope ---------------------------------------------------------------------------------------


def _zone(user: User | None) -> ZoneInfo:
    try:
        return ZoneInfo(user.timezone if user is not None and user.timezone else settings.TIME_ZONE)
    except (ValueError, KeyError):
        return ZoneInfo("UTC")


def scope_for(
    *,
    user: User,
    dataset: str,
    programme: Programme | None,
    date_from: datetime.date | None,
    date_to: datetime.date | None,
) -> Scope:
    """What `user` gets in this export: rows, dates in their time zone, goal titles only
    where they may read goal content."""
    titles = permissions.goal_title_programmes(user) if dataset == ExportJob.Dataset.GOALS else frozenset()
    return Scope(
        programme_id=programme.pk if programme is not None else None,
        date_from=date_from,
        date_to=date_to,
        zone=_zone(user),
        goal_titles=titles,
    )


def _job_scope(job: ExportJob) -> Scope:
    return scope_for(
        user=job.requested_by,
        dataset=job.dataset,
        programme=job.programme,
        date_from=job.date_from,
        date_to=job.date_to,
    )


def estimate_rows(*, dataset: str, scope: Scope) -> int:
    return dataset_for(dataset).count(scope)


def _may_export(user: User, programme: Programme | None) -> bool:
    if programme is None:
        return permissions.can_export_all_programmes(user)
    return permissions.can_export_programme(user, programme)


# --- request -------------------------------------------------------------------------------------


def _validate(dataset: str, format: str, date_from: Any, date_to: Any) -> None:
    errors: dict[str, str] = {}
    if dataset not in ExportJob.Dataset.values:
        errors["dataset"] = _("Choose one of: %(choices)s.") % {"choices": ", ".join(ExportJob.Dataset.values)}
    if format not in ExportJob.Format.values:
        errors["format"] = _("Choose one of: %(choices)s.") % {"choices": ", ".join(ExportJob.Format.values)}
    for field, value in (("date_from", date_from), ("date_to", date_to)):
        if value is not None and not EARLIEST_DATE <= value <= LATEST_DATE:
            errors[field] = _("Choose a date between %(earliest)s and %(latest)s.") % {
                "earliest": EARLIEST_DATE.isoformat(),
                "latest": LATEST_DATE.isoformat(),
            }
    dates_valid = not errors.keys() & {"date_from", "date_to"}
    if dates_valid and date_from is not None and date_to is not None and date_to < date_from:
        errors["date_to"] = _("The end of the period must not be before its start.")
    if errors:
        raise ValidationError(errors)


def request_export(
    *,
    user: User,
    dataset: str,
    format: str,
    programme: Programme | None = None,
    date_from: datetime.date | None = None,
    date_to: datetime.date | None = None,
    background: bool | None = None,
    request: HttpRequest | None = None,
) -> ExportJob:
    """Record an export of `dataset` for `programme` (None: every programme) and decide
    how it runs. A job with `in_background` is queued for `build_export_task`; one
    without is RUNNING and the caller streams it with `stream_export`.

    `background=True` forces a worker (the API); otherwise XLSX and CSV above
    `EXPORT_STREAM_MAX_ROWS` rows run in a worker. Raises ValidationError on bad input
    and PermissionDenied when `user` may not export this programme (or all of them)."""
    _validate(dataset, format, date_from, date_to)
    if not _may_export(user, programme):
        raise PermissionDenied
    in_background = bool(background) or format == ExportJob.Format.XLSX
    if not in_background:
        scope = scope_for(user=user, dataset=dataset, programme=programme, date_from=date_from, date_to=date_to)
        in_background = estimate_rows(dataset=dataset, scope=scope) > settings.EXPORT_STREAM_MAX_ROWS
    now = timezone.now()
    with transaction.atomic():
        job = ExportJob.objects.create(
            requested_by=user,
            programme=programme,
            dataset=dataset,
            format=format,
            date_from=date_from,
            date_to=date_to,
            in_background=in_background,
            status=Status.QUEUED if in_background else Status.RUNNING,
            started_at=None if in_background else now,
        )
        record(
            actor=user,
            action=AuditEvent.Action.EXPORT_CREATED,
            programme_id=programme.pk if programme is not None else None,
            target=job,
            details={"dataset": dataset, "format": format, "in_background": in_background},
            request=request,
        )
        if in_background:
            tasks.build_export_task.delay_on_commit(job.pk)
    return job


# --- streaming (CSV, in the response) -----------------------------------------------------------


class _Counted:
    """Passes rows through, counting them; a worker also reports progress."""

    def __init__(self, job_id: int, total: int | None = None) -> None:
        self.job_id = job_id
        self.total = total
        self.rows = 0
        self.percent = 0

    def __call__(self, rows: Iterable[Sequence[Any]]) -> Iterator[Sequence[Any]]:
        report = self.total is not None
        for row in rows:
            self.rows += 1
            if report and self.rows % PROGRESS_EVERY == 0:
                self.report()
            yield row

    def report(self) -> None:
        # 99 at most: 100 means the file is stored, which is the last step.
        percent = min(99, self.rows * 100 // self.total) if self.total else 0
        if percent > self.percent:
            self.percent = percent
            ExportJob.objects.filter(pk=self.job_id, status=Status.RUNNING).update(progress=percent)


def stream_export(*, job: ExportJob) -> Iterator[str]:
    """The CSV file of a job that runs in the response (`in_background` false), chunk by
    chunk; the rows are read through a server-side cursor while the client downloads.
    When the last row is out, the job is DONE with its row count; when the download stops
    early (the client went away, or an error), it is FAILED with the rows sent so far."""
    if job.in_background or job.status != Status.RUNNING or job.format != ExportJob.Format.CSV:
        raise ValueError("Only a running CSV export that is not in the background streams.")
    dataset = dataset_for(job.dataset)
    counted = _Counted(job.pk)
    finished = False
    try:
        yield from csv_chunks(dataset.columns, counted(dataset.rows(_job_scope(job))))
        finished = True
    finally:
        now = timezone.now()
        if finished:
            ExportJob.objects.filter(pk=job.pk).update(
                status=Status.DONE, progress=100, rows=counted.rows, finished_at=now
            )
        else:
            ExportJob.objects.filter(pk=job.pk).update(
                status=Status.FAILED,
                rows=counted.rows,
                finished_at=now,
                error=_("The download stopped before the end (%(rows)s rows sent).") % {"rows": counted.rows},
            )


# --- building (worker) --------------------------------------------------------------------------


def _fail(job_id: int, message: str) -> None:
    ExportJob.objects.filter(pk=job_id, status=Status.RUNNING).update(
        status=Status.FAILED, error=message, finished_at=timezone.now()
    )


def build_export(*, job_id: int) -> None:
    """Write a queued job's file (the task body). Idempotent: the job is claimed with a
    conditional update from QUEUED, so a duplicate delivery does nothing; a job left
    RUNNING by a worker that died longer ago than the task's time limit may be claimed
    again by the redelivered task. A failure leaves the job FAILED with a message and no
    file."""
    now = timezone.now()
    stale = now - datetime.timedelta(seconds=BUILD_TIME_LIMIT_SECONDS)
    claimable = Q(status=Status.QUEUED) | Q(status=Status.RUNNING, started_at__lt=stale)
    claimed = (
        ExportJob.objects.filter(claimable, pk=job_id, in_background=True)
        .exclude(requested_by=None)
        .update(status=Status.RUNNING, started_at=now, progress=0, error="")
    )
    if not claimed:
        ExportJob.objects.filter(pk=job_id, status=Status.QUEUED, requested_by=None).update(
            status=Status.FAILED, error=_("The person who asked for this export no longer has an account.")
        )
        return
    job = ExportJob.objects.select_related("programme", "requested_by").get(pk=job_id)
    if not _may_export(job.requested_by, job.programme):
        # Roles change: a coordinator who left the programme, or a programme that was deleted.
        _fail(job_id, _("You may no longer export this data."))
        return
    try:
        _build(job)
    except Exception:
        logger.exception("Export %s failed", job_id)
        _fail(job_id, _("The export stopped on an unexpected error; it was logged for the administrators."))


def _build(job: ExportJob) -> None:
    dataset = dataset_for(job.dataset)
    scope = _job_scope(job)
    counted = _Counted(job.pk, total=dataset.count(scope))
    rows = counted(dataset.rows(scope))
    with tempfile.TemporaryFile() as handle:
        _write(handle, job, dataset, rows)
        handle.seek(0)
        job.file.save(stored_name(job), File(handle, name=stored_name(job)), save=False)
    finished = timezone.now()
    done = ExportJob.objects.filter(pk=job.pk, status=Status.RUNNING, started_at=job.started_at).update(
        status=Status.DONE,
        file=job.file.name,
        rows=counted.rows,
        progress=100,
        finished_at=finished,
        expires_at=finished + datetime.timedelta(hours=settings.EXPORT_EXPIRY_HOURS),
    )
    if not done:  # another worker took the job over meanwhile: its file is the one kept
        job.file.storage.delete(job.file.name)


def _write(handle: Any, job: ExportJob, dataset: Dataset, rows: Iterable[Sequence[Any]]) -> None:
    if job.format == ExportJob.Format.XLSX:
        write_xlsx(handle, dataset.columns, rows, title=str(dataset.title))
        return
    text = io.TextIOWrapper(handle, encoding="utf-8", newline="")
    write_csv(text, dataset.columns, rows)
    text.flush()
    text.detach()  # the binary file stays open for the storage to copy


# --- names, download, cleanup ---------------------------------------------------------------


def _base_name(job: ExportJob) -> str:
    where = slugify(job.programme.slug) if job.programme is not None else "all-programmes"
    return f"{where or 'programme'}-{job.dataset}"


def stored_name(job: ExportJob) -> str:
    """The file's name under MEDIA_ROOT/exports/%Y/%m/: unguessable, so that a media
    folder served by mistake still gives nothing away."""
    return f"{_base_name(job)}-{job.download_token[:24]}.{job.format}"


def download_name(job: ExportJob) -> str:
    """The name the requester's browser saves, e.g. `leadership-2027-meetings-2027-03-01.csv`."""
    return f"{_base_name(job)}-{timezone.localdate(job.created_at):%Y-%m-%d}.{job.format}"


def record_download(*, job: ExportJob, user: User, request: HttpRequest | None = None) -> None:
    """The requester fetched the file: stamp it and write the audit event."""
    if not permissions.can_download_export(user, job):
        raise PermissionDenied
    with transaction.atomic():
        ExportJob.objects.filter(pk=job.pk).update(downloaded_at=timezone.now())
        record(
            actor=user,
            action=AuditEvent.Action.EXPORT_DOWNLOADED,
            programme_id=job.programme_id,
            target=job,
            details={"dataset": job.dataset, "format": job.format},
            request=request,
        )


def cleanup_exports(*, now: datetime.datetime | None = None) -> int:
    """Delete the files of expired exports and mark them EXPIRED (the log entry stays);
    report jobs that lost their worker or never started as FAILED. Idempotent: a second
    run finds nothing to do. Returns how many exports expired."""
    now = now or timezone.now()
    expired = 0
    last_pk = 0
    while True:
        batch = list(
            ExportJob.objects.filter(status=Status.DONE, expires_at__lte=now, pk__gt=last_pk)
            .order_by("pk")
            .values_list("pk", "file")[:CLEANUP_BATCH]
        )
        if not batch:
            break
        for pk, name in batch:
            last_pk = pk
            if name:
                try:
                    ExportJob._meta.get_field("file").storage.delete(name)
                except OSError:
                    logger.exception("Could not delete the file of export %s; trying again next time", pk)
                    continue
            expired += ExportJob.objects.filter(pk=pk, status=Status.DONE).update(status=Status.EXPIRED, file="")
    lost = now - datetime.timedelta(seconds=2 * BUILD_TIME_LIMIT_SECONDS)
    ExportJob.objects.filter(status=Status.RUNNING, started_at__lt=lost).update(
        status=Status.FAILED, finished_at=now, error=_("The export stopped before it finished (its process went away).")
    )
    ExportJob.objects.filter(status=Status.QUEUED, created_at__lt=now - QUEUED_GIVE_UP).update(
        status=Status.FAILED, finished_at=now, error=_("No worker picked this export up; please ask again.")
    )
    return expired
