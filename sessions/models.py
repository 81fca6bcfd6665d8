import secrets

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from goals.models import Goal
from matching.models import Match
from profiles.models import User
from programmes.models import Programme


def default_reminder_offsets() -> list[int]:
    return [24 * 60, 60]


class MeetingSettings(models.Model):
    """A programme's meeting rules: reminder offsets and who reads shared notes."""

    programme = models.OneToOneField(Programme, on_delete=models.CASCADE, related_name="meeting_settings")
    # Minutes before the start; one reminder of each to each attendee.
    reminder_offsets = models.JSONField(_("reminders before a meeting (minutes)"), default=default_reminder_offsets)
    coordinators_read_shared_notes = models.BooleanField(_("coordinators may read shared notes"), default=False)
    log_prompt_after_minutes = models.PositiveIntegerField(
        _("ask to log a meeting this long after its end (minutes)"), default=60,
        validators=[MinValueValidator(0), MaxValueValidator(10_080)],
    )  # fmt: skip

    def __str__(self) -> str:
        return f"Meeting settings of {self.programme}"


class MeetingQuerySet(models.QuerySet):
    def visible_to(self, user: User) -> "MeetingQuerySet":
        """The two people of the pair and the programme's coordinators; HR and site admins
        all. Drafts of matches never have meetings, so no status check is needed here."""
        if not user.is_authenticated:
            return self.none()
        if user.is_superuser or user.is_hr_admin:
            return self.all()
        return self.filter(
            Q(match__mentor__user=user) | Q(match__mentee__user=user) | Q(match__programme__coordinators=user)
        ).distinct()

    def upcoming(self) -> "MeetingQuerySet":
        from django.utils import timezone

        return self.filter(status=Meeting.Status.SCHEDULED, start__gte=timezone.now())


class Meeting(models.Model):
    """One meeting of a pair. A reschedule makes a new row pointing at the one it
    replaces (`rescheduled_from`) and marks that one RESCHEDULED; the chain shares one
    calendar UID and counts SEQUENCE up, so calendars update the same event."""

    class Status(models.TextChoices):
        SCHEDULED = "scheduled", _("Scheduled")
        COMPLETED = "completed", _("Held")
        CANCELLED = "cancelled", _("Cancelled")
        RESCHEDULED = "rescheduled", _("Rescheduled")
        NO_SHOW = "no_show", _("No-show")

    class Mode(models.TextChoices):
        IN_PERSON = "in_person", _("In person")
        ONLINE = "online", _("Online")

    class CancelReason(models.TextChoices):
        ILLNESS = "illness", _("Illness")
        WORKLOAD = "workload", _("Workload")
        CONFLICT = "conflict", _("Calendar conflict")
        PERSONAL = "personal", _("Personal reasons")
        TRAVEL = "travel", _("Travel")
        OTHER = "other", _("Other")

    class Absent(models.TextChoices):
        MENTOR = "mentor", _("The mentor")
        MENTEE = "mentee", _("The mentee")
        BOTH = "both", _("Both")

    match = models.ForeignKey(Match, on_delete=models.CASCADE, related_name="meetings")
    organiser = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    start = models.DateTimeField(_("start"))
    duration_minutes = models.PositiveSmallIntegerField(
        _("duration (minutes)"), default=60, validators=[MinValueValidator(5), MaxValueValidator(480)]
    )
    mode = models.CharField(_("where"), max_length=10, choices=Mode.choices, default=Mode.ONLINE)
    place = models.CharField(_("place"), max_length=200, blank=True)
    video_link = models.URLField(_("video link"), max_length=500, blank=True)
    agenda = models.TextField(_("agenda"), max_length=4000, blank=True)
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.SCHEDULED)
    uid = models.CharField(max_length=120, editable=False)
    sequence = models.PositiveIntegerField(default=0, editable=False)
    rescheduled_from = models.OneToOneField(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="rescheduled_to"
    )
    rescheduled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    rescheduled_at = models.DateTimeField(null=True, blank=True)
    reschedule_reason = models.TextField(max_length=2000, blank=True)
    cancelled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    cancelled_at = models.DateTimeField(null=True, blank=True)
    cancel_reason = models.CharField(_("reason"), max_length=10, choices=CancelReason.choices, blank=True)
    cancel_note = models.TextField(_("more about the reason"), max_length=2000, blank=True)
    # Hours between the cancellation or reschedule and the start it dropped (negative: after).
    notice_hours = models.FloatField(null=True, blank=True)
    absent = models.CharField(_("who did not come"), max_length=6, choices=Absent.choices, blank=True)
    topics = models.JSONField(_("topics"), default=list, blank=True)
    logged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    logged_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = MeetingQuerySet.as_manager()

    class Meta:
        ordering = ["-start"]
        indexes = [
            models.Index(fields=["status", "start"]),
            models.Index(fields=["match", "start"]),
            models.Index(fields=["status", "cancelled_at"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~Q(mode="in_person") | ~Q(place="") | Q(status__in=["cancelled", "rescheduled"]),
                name="in_person_meeting_has_a_place",
            ),
        ]

    def __str__(self) -> str:
        return f"Meeting of match {self.match_id} at {self.start:%Y-%m-%d %H:%M}"

    def get_absolute_url(self) -> str:
        return reverse("meeting-detail", kwargs={"pk": self.pk})

    @staticmethod
    def new_uid() -> str:
        return f"{secrets.token_hex(16)}@mentoring"


class MeetingNoteQuerySet(models.QuerySet):
    def visible_to(self, user: User) -> "MeetingNoteQuerySet":
        """Private notes: their author only, never coordinators, HR or exports. Shared
        notes: both sides of the pair, and coordinators where the programme allows it."""
        if not user.is_authenticated:
            return self.none()
        pair = Q(meeting__match__mentor__user=user) | Q(meeting__match__mentee__user=user)
        coordinator = Q(
            meeting__match__programme__coordinators=user,
            meeting__match__programme__meeting_settings__coordinators_read_shared_notes=True,
        )
        shared = Q(visibility=MeetingNote.Visibility.SHARED) & (pair | coordinator)
        return self.filter(shared | Q(author=user, visibility=MeetingNote.Visibility.PRIVATE)).distinct()


class MeetingNote(models.Model):
    class Visibility(models.TextChoices):
        SHARED = "shared", _("Shared with the other side")
        PRIVATE = "private", _("Private: only me")

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="notes")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    visibility = models.CharField(max_length=8, choices=Visibility.choices, default=Visibility.SHARED)
    text = models.TextField(max_length=10_000)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = MeetingNoteQuerySet.as_manager()

    class Meta:
        ordering = ["created_at"]

    def __str__(self) -> str:
        return f"{self.get_visibility_display()} note on meeting {self.meeting_id}"


class ActionItemQuerySet(models.QuerySet):
    def visible_to(self, user: User) -> "ActionItemQuerySet":
        if not user.is_authenticated:
            return self.none()
        if user.is_superuser or user.is_hr_admin:
            return self.all()
        return self.filter(
            Q(match__mentor__user=user) | Q(match__mentee__user=user) | Q(match__programme__coordinators=user)
        ).distinct()

    def open(self) -> "ActionItemQuerySet":
        return self.filter(done_at__isnull=True)


class ActionItem(models.Model):
    """Something one side of the pair agreed to do, from a meeting log or on its own."""

    match = models.ForeignKey(Match, on_delete=models.CASCADE, related_name="action_items")
    meeting = models.ForeignKey(Meeting, on_delete=models.SET_NULL, null=True, blank=True, related_name="action_items")
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="action_items")
    goal = models.ForeignKey(
        Goal, on_delete=models.SET_NULL, null=True, blank=True, related_name="action_items", verbose_name=_("goal")
    )
    description = models.CharField(_("what"), max_length=500)
    due_on = models.DateField(_("due"), null=True, blank=True)
    done_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ActionItemQuerySet.as_manager()

    class Meta:
        ordering = ["done_at", "due_on", "pk"]
        indexes = [models.Index(fields=["done_at", "due_on"])]

    def __str__(self) -> str:
        return self.description


class ActionItemReminder(models.Model):
    """The claim that an overdue action item was reminded for this due date: the unique
    row makes it once per item per due date, whatever a sweep does twice. Moving the due
    date makes a new claim possible."""

    item = models.ForeignKey(ActionItem, on_delete=models.CASCADE, related_name="reminders")
    due_on = models.DateField()
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["item", "due_on"], name="one_overdue_reminder_per_item_due_date")
        ]

    def __str__(self) -> str:
        return f"Overdue reminder of action item {self.item_id} due {self.due_on}"


class Reminder(models.Model):
    """One reminder to one person about one meeting. The unique row is the claim: a
    sweep that runs twice, or two sweeps at once, send it once."""

    class Kind(models.TextChoices):
        BEFORE = "before", _("Before the meeting")
        LOG_PROMPT = "log_prompt", _("Log the meeting")

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="reminders")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=12, choices=Kind.choices)
    # Minutes before the start for BEFORE reminders (0 for the log prompt).
    offset_minutes = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["meeting", "user", "kind", "offset_minutes"], name="one_reminder_per_meeting_person_kind"
            )
        ]

    def __str__(self) -> str:
        return f"{self.kind} reminder of meeting {self.meeting_id} to {self.user_id}"


def new_feed_token() -> str:
    return secrets.token_urlsafe(32)


class CalendarFeed(models.Model):
    """A person's private ICS feed: whoever has the URL reads their upcoming meetings,
    so the token is long, random, revocable and regenerable."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="calendar_feed")
    token = models.CharField(max_length=64, unique=True, default=new_feed_token)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"Calendar feed of {self.user}"
