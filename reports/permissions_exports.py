"""Who may export what, and who may download an export file. Pure predicates.

Decisions:
- A programme's data is exported by its coordinators, HR admins and site admins; every
  programme at once only by HR and site admins.
- The export log is read by HR and site admins (everything) and by each person (their
  own entries): `ExportJob.objects.visible_to`. The file itself is only ever handed to
  the person who asked for it, until it expires: not to another HR admin, not to a site
  admin (the log says who exported what; the file is that person's copy).
- Goal titles (content) go into a goals export only where the requester may read goal
  content: coordinators and site admins always, HR admins where the programme's goal
  settings allow it (the same rule as `goals.permissions.can_view_goals`).
"""

import datetime

from django.db.models import QuerySet
from django.utils import timezone

from profiles.models import User
from programmes.models import Programme
from programmes.permissions import is_coordinator
from reports.models import ExportJob


def can_export_all_programmes(user: User) -> bool:
    return user.is_authenticated and (user.is_superuser or user.is_hr_admin)


def can_export_programme(user: User, programme: Programme) -> bool:
    return user.is_authenticated and (can_export_all_programmes(user) or is_coordinator(user, programme))


def exportable_programmes(user: User) -> QuerySet[Programme]:
    """The programmes `user` may export, one by one (the "which rows?" of `can_export_programme`)."""
    if not user.is_authenticated:
        return Programme.objects.none()
    if can_export_all_programmes(user):
        return Programme.objects.all()
    return Programme.objects.filter(coordinators=user)


def can_request_exports(user: User) -> bool:
    """Whether the "new export" form has anything to offer this person."""
    return can_export_all_programmes(user) or (user.is_authenticated and user.coordinated_programmes.exists())


def is_expired(job: ExportJob, now: datetime.datetime | None = None) -> bool:
    if job.status == ExportJob.Status.EXPIRED:
        return True
    return job.expires_at is not None and job.expires_at <= (now or timezone.now())


def can_download_export(user: User, job: ExportJob) -> bool:
    """The requester, once a worker has built the file, until it expires."""
    return (
        user.is_authenticated
        and job.requested_by_id == user.pk
        and job.status == ExportJob.Status.DONE
        and bool(job.file)
        and not is_expired(job)
    )


def goal_title_programmes(user: User) -> frozenset[int] | None:
    """Ids of the programmes whose goal titles `user` may read in an export; None: all of them."""
    if not user.is_authenticated:
        return frozenset()
    if user.is_superuser:
        return None
    visible = set(Programme.objects.filter(coordinators=user).values_list("pk", flat=True))
    if user.is_hr_admin:
        visible |= set(Programme.objects.filter(goal_settings__hr_sees_content=True).values_list("pk", flat=True))
    return frozenset(visible)
