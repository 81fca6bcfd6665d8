"""Personal data: erasure of a person and the retention purge of closed programmes (the
download is in reports/personal_data.py). It reads and rewrites every app's rows, so it lives in reports, the one
app that may import all the others.

Erasure and purge keep rows (matches, meetings, goals, progress numbers) so that counts and
reports stay as they were; only names, e-mail addresses and free text go. Where a name may
have been copied into text (rendered notifications, flag facts, run reports, admin history)
a sweep rewrites it: see `_sweep_mentions`.
"""

import contextlib
import json
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from django.apps import apps
from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from django.db import models, transaction
from django.db.models import Q
from django.db.models.functions import Cast
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from rest_framework.authtoken.models import Token

from audit.models import AuditEvent
from audit.permissions import is_erased
from audit.services import record
from goals.models import Feedback, Goal, Milestone, ProgressUpdate
from matching.models import Flag, FlagNote, Match, MatchRun, MentorRequest, PairBlock
from notifications.models import Notification, NotificationPreference
from profiles.models import Profile, User
from programmes.models import Answer, Enrolment, ImportJob, ImportRow, Invitation, Programme, Question
from reports.models import ExportJob
from sessions.models import ActionItem, CalendarFeed, Meeting, MeetingNote

# What a removed title reads like; texts that may be empty simply become "".
REMOVED_TITLE = "—"
ERASED_NAME = "Erased"
TEXT_ANSWER_KINDS = (Question.Kind.SHORT_TEXT, Question.Kind.LONG_TEXT)


def erased_email(user_id: int) -> str:
    return f"erased-{user_id}@invalid"


# --- rewriting names in text ---------------------------------------------------------------


def _replace_in(value: Any, replace: Callable[[str], str]) -> Any:
    """`replace` applied to every string of a JSON value, keys included."""
    if isinstance(value, str):
        return replace(value)
    if isinstance(value, list):
        return [_replace_in(item, replace) for item in value]
    if isinstance(value, dict):
        return {replace(key): _replace_in(item, replace) for key, item in value.items()}
    return value


def _text_fields(model: type[models.Model]) -> list[models.Field]:
    return [
        model_field
        for model_field in model._meta.concrete_fields
        if isinstance(model_field, models.CharField | models.TextField | models.JSONField)
        and not model_field.primary_key
    ]


def _containing(queryset: models.QuerySet, text_fields: list[models.Field], needles: list[str]) -> models.QuerySet:
    """Rows of `queryset` whose text (JSON cast to text) contains any needle, any case.
    Over-selects on purpose; the regular expressions decide what is replaced."""
    condition = Q()
    annotations = {}
    for model_field in text_fields:
        name = model_field.attname
        if isinstance(model_field, models.JSONField):
            name = f"_privacy_{model_field.attname}"
            annotations[name] = Cast(model_field.attname, models.TextField())
        for needle in needles:
            condition |= Q(**{f"{name}__icontains": needle})
    return queryset.annotate(**annotations).filter(condition) if condition else queryset.none()


def _rewrite(queryset: models.QuerySet, replace: Callable[[str], str], needles: list[str]) -> int:
    """Apply `replace` to the text fields of the rows that mention a needle; rows changed."""
    model = queryset.model
    text_fields = _text_fields(model)
    if not text_fields:
        return 0
    changed = 0
    names = [model_field.attname for model_field in text_fields]
    for row in _containing(queryset, text_fields, needles).values("pk", *names).iterator(chunk_size=500):
        updates = {}
        for model_field in text_fields:
            value = row[model_field.attname]
            if isinstance(model_field, models.JSONField) and isinstance(value, str):
                # Some backends hand JSON back as text in .values().
                with contextlib.suppress(ValueError):
                    value = json.loads(value)
            new = _replace_in(value, replace)
            if new != value:
                updates[model_field.attname] = new
        if updates:
            model._base_manager.filter(pk=row["pk"]).update(**updates)
            changed += 1
    return changed


def _json_variants(text: str) -> list[str]:
    """How `text` may look inside stored JSON: as is, and with non-ASCII escaped."""
    escaped = json.dumps(text)[1:-1]
    return [text] if escaped == text else [text, escaped]


@dataclass
class _Mentions:
    """The strings that name one person, and what each becomes."""

    email: str
    full_name: str
    first_name: str
    last_name: str
    new_email: str

    def anywhere(self) -> Callable[[str], str]:
        """E-mail address and full name, any case, wherever they stand as a whole."""
        patterns = [(self._email_pattern(), self.new_email)]
        if self.full_name:
            patterns.append((re.compile(rf"(?<!\w){re.escape(self.full_name)}(?!\w)", re.IGNORECASE), ERASED_NAME))
        return _replacer(patterns)

    def single_names(self) -> Callable[[str], str]:
        """First or last name alone, as names are written (Name, NAME), as whole words: for
        text about the person (their pair's notes), where a common word must not suffer."""
        patterns = [(self._email_pattern(), self.new_email)]
        if self.full_name:
            patterns.append((re.compile(rf"(?<!\w){re.escape(self.full_name)}(?!\w)", re.IGNORECASE), ERASED_NAME))
        for name in (self.first_name, self.last_name):
            if name:
                variants = sorted({name, name.title(), name.upper()}, key=len, reverse=True)
                alternatives = "|".join(re.escape(variant) for variant in variants)
                patterns.append((re.compile(rf"(?<!\w)(?:{alternatives})(?!\w)"), ERASED_NAME))
        return _replacer(patterns)

    def needles(self, *, single: bool = False) -> list[str]:
        strings = [self.email, self.full_name]
        if single:
            strings += [self.first_name, self.last_name]
        return [variant for text in strings if text for variant in _json_variants(text)]

    def _email_pattern(self) -> re.Pattern:
        # Not inside a longer address: "ann@example.com" must not rewrite "joann@example.com".
        return re.compile(rf"(?<![\w.+-]){re.escape(self.email)}(?![\w-]|\.\w)", re.IGNORECASE)


def _replacer(patterns: list[tuple[re.Pattern, str]]) -> Callable[[str], str]:
    def replace(text: str) -> str:
        for pattern, new in patterns:
            text = pattern.sub(new, text)
        return text

    return replace


def _sweep_models() -> Iterator[type[models.Model]]:
    """Every table a name could have been copied into. The audit log holds no personal data
    by design (and refuses changes)."""
    for model in apps.get_models():
        if model is AuditEvent or model._meta.proxy or not model._meta.managed:
            continue
        yield model


def _sweep_mentions(mentions: _Mentions, *, user: User, connected: Iterable[models.QuerySet]) -> int:
    """Rewrite the person's e-mail address and full name everywhere (rendered notifications
    to others, flag facts, run reports, admin history…), then their first or last name alone
    in the rows about them (`connected`). Scans each table once; erasure is rare and its
    correctness matters more than its speed."""
    changed = 0
    anywhere, needles = mentions.anywhere(), mentions.needles()
    for model in _sweep_models():
        queryset = model._base_manager.all()
        if model is User:
            queryset = queryset.exclude(pk=user.pk)
        changed += _rewrite(queryset, anywhere, needles)
    if mentions.first_name or mentions.last_name:
        single, single_needles = mentions.single_names(), mentions.needles(single=True)
        for queryset in connected:
            changed += _rewrite(queryset, single, single_needles)
    return changed


# --- erasure -------------------------------------------------------------------------------


@dataclass
class ErasureReport:
    """What an erasure changed, by kind of row (counts only: it goes into the audit log)."""

    user_id: int
    counts: dict[str, int] = field(default_factory=dict)

    def add(self, name: str, count: int) -> None:
        if count:
            self.counts[name] = self.counts.get(name, 0) + count

    @property
    def total(self) -> int:
        return sum(self.counts.values())


def _delete_files_on_commit(names: Iterable[str]) -> None:
    names = [name for name in names if name]
    if not names:
        return

    def delete() -> None:
        for name in names:
            # Already gone is fine: the row no longer points at it either way.
            with contextlib.suppress(OSError):
                default_storage.delete(name)

    transaction.on_commit(delete)


def erase_person(*, user: User, by: User, request: HttpRequest | None = None) -> ErasureReport:
    """Remove a person's name, e-mail address and free text from everywhere, keeping the
    rows that counts and reports rest on (matches, meetings, goals, progress numbers).

    The account can no longer sign in (no usable password, inactive, no e-mail addresses,
    tokens or authenticators). Uploaded files that hold their data (photo, import files,
    export files) are deleted after the commit. Site admins only; nobody erases themselves."""
    if not by.is_superuser:
        raise ValidationError(_("Only site admins erase people."))
    if by.pk == user.pk:
        raise ValidationError(_("You cannot erase your own account."))
    with transaction.atomic():
        locked = User.objects.select_for_update().get(pk=user.pk)
        if is_erased(locked):
            raise ValidationError(_("This person has already been erased."))
        report = _erase(user=locked, by=by, request=request)
    user.refresh_from_db()
    return report


def _erase(*, user: User, by: User, request: HttpRequest | None) -> ErasureReport:
    report = ErasureReport(user_id=user.pk)
    now = timezone.now()
    mentions = _Mentions(
        email=user.email,
        full_name=f"{user.first_name} {user.last_name}".strip(),
        first_name=user.first_name.strip(),
        last_name=user.last_name.strip(),
        new_email=erased_email(user.pk),
    )
    files: list[str] = []

    # The account.
    user.first_name, user.last_name, user.email = ERASED_NAME, "", mentions.new_email
    # Roles go with the account: nobody signs in as an erased person again.
    user.is_active = user.is_hr_admin = user.is_staff = user.is_superuser = False
    user.set_unusable_password()
    account_fields = ["first_name", "last_name", "email", "password"]
    user.save(update_fields=[*account_fields, "is_active", "is_hr_admin", "is_staff", "is_superuser"])
    report.add("account", 1)
    report.add("email_addresses", EmailAddress.objects.filter(user=user).delete()[0])
    report.add("authenticators", Authenticator.objects.filter(user=user).delete()[0])
    report.add("api_tokens", Token.objects.filter(user=user).delete()[0])
    report.add("calendar_feeds", CalendarFeed.objects.filter(user=user).delete()[0])

    profile = Profile.objects.filter(user=user).first()
    if profile is not None:
        if profile.photo:
            files.append(profile.photo.name)
        Profile.objects.filter(pk=profile.pk).update(
            photo="", job_title="", department="", location="", bio="", availability="", updated_at=now
        )
        report.add("profile", 1)

    # Programmes: their enrolments, answers, invitations and import lines.
    enrolments = Enrolment.objects.filter(user=user)
    enrolment_ids = list(enrolments.values_list("pk", flat=True))
    report.add("enrolments", enrolments.update(decision_message="", left_reason=""))
    # What they wrote to others as a coordinator.
    Enrolment.objects.filter(decided_by=user).exclude(decision_message="").update(decision_message="")
    PairBlock.objects.filter(created_by=user).exclude(reason="").update(reason="")
    report.add("answers", Answer.objects.filter(enrolment_id__in=enrolment_ids).exclude(value=None).update(value=None))
    invitations = Invitation.objects.filter(email__iexact=mentions.email)
    invitations.filter(status=Invitation.Status.PENDING).update(status=Invitation.Status.REVOKED, revoked_at=now)
    report.add("invitations", invitations.update(email=mentions.new_email, first_name="", last_name="", message=""))
    Invitation.objects.filter(invited_by=user).exclude(message="").update(message="")
    import_rows = ImportRow.objects.filter(email__iexact=mentions.email)
    job_ids = set(import_rows.values_list("job_id", flat=True))
    report.add("import_rows", import_rows.update(email=mentions.new_email, data={}, message=""))
    for job in ImportJob.objects.filter(pk__in=job_ids).exclude(file=""):
        files.append(job.file.name)
    ImportJob.objects.filter(pk__in=job_ids).update(file="")

    # Matching: their matches keep their rows; reasons, requests and coordinators' notes go.
    matches = Match.objects.filter(Q(mentor_id__in=enrolment_ids) | Q(mentee_id__in=enrolment_ids))
    match_ids = list(matches.values_list("pk", flat=True))
    report.add(
        "match_reasons",
        Match.objects.filter(Q(pk__in=match_ids) | Q(declined_by=user) | Q(ended_by=user))
        .exclude(decline_reason="", end_reason="")
        .update(decline_reason="", end_reason=""),
    )
    requests = MentorRequest.objects.filter(Q(mentor_id__in=enrolment_ids) | Q(mentee_id__in=enrolment_ids))
    report.add("mentor_requests", requests.exclude(message="", response="").update(message="", response=""))
    PairBlock.objects.filter(Q(mentor_id__in=enrolment_ids) | Q(mentee_id__in=enrolment_ids)).update(reason="")
    flags = Flag.objects.filter(match_id__in=match_ids)
    report.add(
        "flag_notes",
        FlagNote.objects.filter(Q(flag__match_id__in=match_ids) | Q(author=user)).exclude(text="").update(text=""),
    )
    report.add(
        "flag_resolutions",
        Flag.objects.filter(Q(pk__in=flags.values("pk")) | Q(resolved_by=user))
        .exclude(resolution="")
        .update(resolution=""),
    )

    # Meetings: their notes go, the pair's meeting texts are blanked.
    report.add("meeting_notes", MeetingNote.objects.filter(author=user).delete()[0])
    report.add(
        "meetings",
        Meeting.objects.filter(Q(match_id__in=match_ids) | Q(organiser=user) | Q(cancelled_by=user))
        .exclude(agenda="", cancel_note="", reschedule_reason="")
        .update(agenda="", cancel_note="", reschedule_reason=""),
    )
    report.add(
        "action_items",
        ActionItem.objects.filter(Q(owner=user) | Q(created_by=user)).update(description=REMOVED_TITLE),
    )

    # Goals about them (as mentee) or written by them.
    goals = Goal.objects.filter(Q(match__mentee__user=user) | Q(created_by=user))
    goal_ids = list(goals.values_list("pk", flat=True))
    report.add("goals", Goal.objects.filter(pk__in=goal_ids).update(title=REMOVED_TITLE, why="", success_measure=""))
    report.add("milestones", Milestone.objects.filter(goal_id__in=goal_ids).update(title=REMOVED_TITLE))
    report.add(
        "progress_updates",
        ProgressUpdate.objects.filter(Q(goal_id__in=goal_ids) | Q(author=user)).exclude(text="").update(text=""),
    )
    report.add(
        "feedback",
        Feedback.objects.filter(Q(goal_id__in=goal_ids) | Q(author=user)).exclude(text="").update(text=""),
    )

    # Notifications to them; their preferences.
    report.add("notifications", Notification.objects.filter(recipient=user).delete()[0])
    NotificationPreference.objects.filter(user=user).delete()

    # Export files that may list them: their own, their programmes', every-programme ones.
    programme_ids = set(Enrolment.objects.filter(user=user).values_list("programme_id", flat=True))
    programme_ids |= set(Programme.objects.filter(coordinators=user).values_list("pk", flat=True))
    exports = ExportJob.objects.filter(
        Q(requested_by=user) | Q(programme_id__in=programme_ids) | Q(programme__isnull=True)
    ).exclude(file="")
    files.extend(job.file.name for job in exports)
    report.add("export_files", exports.update(file="", status=ExportJob.Status.EXPIRED))

    # Names copied into text elsewhere.
    meetings = Meeting.objects.filter(match_id__in=match_ids)
    connected = [
        Match._base_manager.filter(pk__in=match_ids),
        meetings,
        MeetingNote.objects.filter(meeting__match_id__in=match_ids),
        ActionItem.objects.filter(match_id__in=match_ids),
        Goal.objects.filter(match_id__in=match_ids),
        Milestone.objects.filter(goal__match_id__in=match_ids),
        ProgressUpdate.objects.filter(goal__match_id__in=match_ids),
        Feedback.objects.filter(goal__match_id__in=match_ids),
        Flag.objects.filter(match_id__in=match_ids),
        FlagNote.objects.filter(flag__match_id__in=match_ids),
        requests,
        Enrolment.objects.filter(pk__in=enrolment_ids),
        MatchRun.objects.filter(programme_id__in=programme_ids),
        ImportRow.objects.filter(job_id__in=job_ids),
    ]
    report.add("mentions", _sweep_mentions(mentions, user=user, connected=connected))

    _delete_files_on_commit(files)
    record(
        actor=by,
        action=AuditEvent.Action.PERSON_ERASED,
        target=user,
        details={"counts": report.counts},
        request=request,
    )
    return report


# --- retention purge -----------------------------------------------------------------------


@dataclass
class PurgeReport:
    programme_id: int
    counts: dict[str, int] = field(default_factory=dict)


def purge_due(programme: Programme, now: datetime) -> bool:
    """Closed for longer than its retention period and not purged yet."""
    return (
        programme.status == Programme.Status.CLOSED
        and programme.closed_at is not None
        and programme.purged_at is None
        and programme.closed_at + timedelta(days=programme.retention_days) <= now
    )


def purge_programme(*, programme: Programme, now: datetime | None = None) -> PurgeReport | None:
    """Purge notes and free text of a programme whose retention period is over; None when it
    is not due (not closed long enough, or purged already), so running twice changes nothing.
    Rows, statuses, dates and progress numbers stay: reports and counts do not move."""
    now = now or timezone.now()
    with transaction.atomic():
        locked = Programme.objects.select_for_update().filter(pk=programme.pk).first()
        if locked is None or not purge_due(locked, now):
            return None
        report = PurgeReport(programme_id=locked.pk)
        counts = report.counts
        matches = Match.objects.filter(programme=locked)
        meetings = Meeting.objects.filter(match__programme=locked)
        goals = Goal.objects.filter(match__programme=locked)
        counts["meeting_notes"] = MeetingNote.objects.filter(meeting__match__programme=locked).delete()[0]
        counts["meetings"] = meetings.exclude(agenda="", cancel_note="", reschedule_reason="").update(
            agenda="", cancel_note="", reschedule_reason=""
        )
        counts["goals"] = goals.exclude(why="", success_measure="").update(why="", success_measure="")
        counts["progress_updates"] = (
            ProgressUpdate.objects.filter(goal__match__programme=locked).exclude(text="").update(text="")
        )
        counts["feedback"] = Feedback.objects.filter(goal__match__programme=locked).exclude(text="").update(text="")
        counts["flag_notes"] = FlagNote.objects.filter(flag__match__programme=locked).exclude(text="").update(text="")
        counts["flag_resolutions"] = (
            Flag.objects.filter(match__programme=locked).exclude(resolution="").update(resolution="")
        )
        counts["answers"] = (
            Answer.objects.filter(enrolment__programme=locked, question__kind__in=TEXT_ANSWER_KINDS)
            .exclude(value=None)
            .update(value=None)
        )
        counts["mentor_requests"] = (
            MentorRequest.objects.filter(programme=locked)
            .exclude(message="", response="")
            .update(message="", response="")
        )
        counts["match_reasons"] = matches.exclude(decline_reason="", end_reason="").update(
            decline_reason="", end_reason=""
        )
        counts["enrolment_messages"] = (
            Enrolment.objects.filter(programme=locked)
            .exclude(decision_message="", left_reason="")
            .update(decision_message="", left_reason="")
        )
        counts["invitation_messages"] = (
            Invitation.objects.filter(programme=locked).exclude(message="").update(message="")
        )
        counts["pair_block_reasons"] = PairBlock.objects.filter(programme=locked).exclude(reason="").update(reason="")
        locked.purged_at = now
        locked.save(update_fields=["purged_at"])
        report.counts = {name: count for name, count in counts.items() if count}
        record(
            actor=None,
            action=AuditEvent.Action.PROGRAMME_PURGED,
            programme_id=locked.pk,
            target=locked,
            details={"counts": report.counts, "retention_days": locked.retention_days},
        )
    programme.purged_at = now
    return report


def purge_expired_programmes(*, now: datetime | None = None) -> int:
    """The daily sweep: purge every programme whose retention period has run out; returns
    how many were purged. Each programme is its own transaction, so one failure does not
    undo the others and a second run finds nothing left to do."""
    now = now or timezone.now()
    candidates = Programme.objects.filter(
        status=Programme.Status.CLOSED, closed_at__isnull=False, purged_at__isnull=True
    ).only("pk", "status", "closed_at", "purged_at", "retention_days")
    purged = 0
    for programme in candidates.iterator():
        if purge_due(programme, now) and purge_programme(programme=programme, now=now) is not None:
            purged += 1
    return purged
