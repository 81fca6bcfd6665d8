from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from profiles.models import User


class ProgrammeQuerySet(models.QuerySet):
    def visible_to(self, user: User) -> "ProgrammeQuerySet":
        """Programmes a user may open: all for site and HR admins; otherwise the ones they
        coordinate, the ones they take part in, and open programmes taking applications."""
        if not user.is_authenticated:
            return self.none()
        if user.is_superuser or user.is_hr_admin:
            return self.all()
        return self.filter(
            Q(coordinators=user)
            | Q(enrolments__user=user)
            | Q(is_open=True, status=Programme.Status.ENROLLING, archived_at__isnull=True)
        ).distinct()

    def managed_by(self, user: User) -> "ProgrammeQuerySet":
        """Programmes a user may change: site admins all, coordinators their own."""
        if not user.is_authenticated:
            return self.none()
        if user.is_superuser:
            return self.all()
        return self.filter(coordinators=user)

    def active(self) -> "ProgrammeQuerySet":
        return self.filter(archived_at__isnull=True)


class Programme(models.Model):
    class Kind(models.TextChoices):
        ONE_TO_ONE = "one_to_one", _("One-to-one")
        GROUP = "group", _("Group")
        PEER = "peer", _("Peer")
        REVERSE = "reverse", _("Reverse")
        FLASH = "flash", _("Flash")

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        ENROLLING = "enrolling", _("Enrolling")
        MATCHING = "matching", _("Matching")
        RUNNING = "running", _("Running")
        CLOSED = "closed", _("Closed")

    class Schedule(models.TextChoices):
        COHORT = "cohort", _("Cohort (fixed dates)")
        ROLLING = "rolling", _("Rolling")

    class Approval(models.TextChoices):
        ONE_SIDED = "one_sided", _("One-sided: the mentor accepts")
        TWO_SIDED = "two_sided", _("Two-sided: both accept")

    name = models.CharField(_("name"), max_length=150)
    slug = models.SlugField(_("slug"), max_length=160, unique=True)
    description = models.TextField(_("description"), max_length=10_000, blank=True)
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices, default=Kind.ONE_TO_ONE)
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.DRAFT)
    schedule = models.CharField(_("schedule"), max_length=16, choices=Schedule.choices, default=Schedule.COHORT)
    enrolment_opens_on = models.DateField(_("enrolment opens"), null=True, blank=True)
    enrolment_closes_on = models.DateField(_("enrolment closes"), null=True, blank=True)
    starts_on = models.DateField(_("starts"), null=True, blank=True)
    ends_on = models.DateField(_("ends"), null=True, blank=True)
    meeting_cadence_days = models.PositiveSmallIntegerField(
        _("expected meeting cadence (days)"), default=14, validators=[MinValueValidator(1), MaxValueValidator(365)]
    )
    relationship_weeks = models.PositiveSmallIntegerField(
        _("relationship length (weeks)"), default=26, validators=[MinValueValidator(1), MaxValueValidator(520)]
    )
    default_mentor_capacity = models.PositiveSmallIntegerField(
        _("default mentor capacity"), default=1, validators=[MinValueValidator(1), MaxValueValidator(50)]
    )
    mentees_choose_mentor = models.BooleanField(_("mentees may choose their mentor"), default=False)
    match_approval = models.CharField(
        _("match approval"), max_length=16, choices=Approval.choices, default=Approval.TWO_SIDED
    )
    is_open = models.BooleanField(
        _("open for applications"), default=False,
        help_text=_("Any signed-in person may apply while the programme is enrolling."),
    )  # fmt: skip
    flag_cancellations = models.PositiveSmallIntegerField(
        _("cancellations that raise a flag"), default=3, validators=[MinValueValidator(1), MaxValueValidator(50)]
    )
    flag_postponements = models.PositiveSmallIntegerField(
        _("postponements that raise a flag"), default=3, validators=[MinValueValidator(1), MaxValueValidator(50)]
    )
    flag_window_days = models.PositiveSmallIntegerField(
        _("flag window (days)"), default=60, validators=[MinValueValidator(1), MaxValueValidator(730)]
    )
    flag_inactivity_days = models.PositiveSmallIntegerField(
        _("days without a meeting that raise a flag"), null=True, blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(730)],
        help_text=_("Empty: twice the meeting cadence."),
    )  # fmt: skip
    agreement_text = models.TextField(_("mentoring agreement"), max_length=20_000, blank=True)
    retention_days = models.PositiveIntegerField(
        _("keep notes and free text after closing (days)"), default=365,
        validators=[MinValueValidator(0), MaxValueValidator(3650)],
        help_text=_("Once the programme has been closed this long, notes and free text are purged."),
    )  # fmt: skip
    closed_at = models.DateTimeField(null=True, blank=True, editable=False)
    purged_at = models.DateTimeField(null=True, blank=True, editable=False)
    coordinators = models.ManyToManyField(
        settings.AUTH_USER_MODEL, related_name="coordinated_programmes", verbose_name=_("coordinators")
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+", editable=False
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    archived_at = models.DateTimeField(null=True, blank=True, editable=False)

    objects = ProgrammeQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_on__isnull=True) | Q(starts_on__isnull=True) | Q(ends_on__gte=models.F("starts_on")),
                name="programme_ends_after_start",
            ),
            models.CheckConstraint(
                condition=Q(enrolment_closes_on__isnull=True)
                | Q(enrolment_opens_on__isnull=True)
                | Q(enrolment_closes_on__gte=models.F("enrolment_opens_on")),
                name="programme_enrolment_closes_after_opening",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("programme-detail", kwargs={"slug": self.slug})

    @property
    def inactivity_days(self) -> int:
        return self.flag_inactivity_days or 2 * self.meeting_cadence_days


class Question(models.Model):
    """A custom application question; answers live on Answer."""

    class Kind(models.TextChoices):
        SHORT_TEXT = "short_text", _("Short text")
        LONG_TEXT = "long_text", _("Long text")
        SINGLE_CHOICE = "single_choice", _("Single choice")
        MULTIPLE_CHOICE = "multiple_choice", _("Multiple choice")
        NUMBER = "number", _("Number")
        YES_NO = "yes_no", _("Yes / no")

    class Audience(models.TextChoices):
        BOTH = "both", _("Mentors and mentees")
        MENTOR = "mentor", _("Mentors")
        MENTEE = "mentee", _("Mentees")

    programme = models.ForeignKey(Programme, on_delete=models.CASCADE, related_name="questions")
    label = models.CharField(_("question"), max_length=300)
    help_text = models.CharField(_("help text"), max_length=500, blank=True)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices, default=Kind.SHORT_TEXT)
    choices = models.JSONField(_("choices"), default=list, blank=True, help_text=_("For choice questions."))
    required = models.BooleanField(_("required"), default=False)
    audience = models.CharField(_("asked of"), max_length=8, choices=Audience.choices, default=Audience.BOTH)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["programme", "position", "pk"]

    def __str__(self) -> str:
        return self.label


class EnrolmentQuerySet(models.QuerySet):
    def visible_to(self, user: User) -> "EnrolmentQuerySet":
        if not user.is_authenticated:
            return self.none()
        if user.is_superuser or user.is_hr_admin:
            return self.all()
        return self.filter(Q(user=user) | Q(programme__coordinators=user)).distinct()

    def current(self) -> "EnrolmentQuerySet":
        """Enrolments that still count: not declined, withdrawn or removed."""
        return self.filter(status__in=[Enrolment.Status.INVITED, Enrolment.Status.APPLIED, Enrolment.Status.APPROVED])


class Enrolment(models.Model):
    """A user's role in one programme. Rows are never deleted: withdrawing or removing
    changes the status, so the history stays."""

    class Role(models.TextChoices):
        MENTOR = "mentor", _("Mentor")
        MENTEE = "mentee", _("Mentee")

    class Status(models.TextChoices):
        INVITED = "invited", _("Invited")
        APPLIED = "applied", _("Applied")
        APPROVED = "approved", _("Approved")
        DECLINED = "declined", _("Declined")
        WITHDRAWN = "withdrawn", _("Withdrawn")
        REMOVED = "removed", _("Removed")

    class Source(models.TextChoices):
        APPLICATION = "application", _("Application")
        INVITATION = "invitation", _("Invitation")
        IMPORT = "import", _("CSV import")
        COORDINATOR = "coordinator", _("Added by a coordinator")

    programme = models.ForeignKey(Programme, on_delete=models.CASCADE, related_name="enrolments")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="enrolments")
    role = models.CharField(_("role"), max_length=8, choices=Role.choices)
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.APPLIED)
    source = models.CharField(_("source"), max_length=12, choices=Source.choices, default=Source.APPLICATION)
    capacity_override = models.PositiveSmallIntegerField(
        _("capacity in this programme"), null=True, blank=True, validators=[MaxValueValidator(50)]
    )
    is_full = models.BooleanField(
        _("full"), default=False, help_text=_("A mentor who takes no new mentees in this programme for now.")
    )
    decision_message = models.TextField(_("message from the coordinator"), max_length=2000, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    left_at = models.DateTimeField(_("withdrawn or removed at"), null=True, blank=True)
    left_reason = models.TextField(_("reason for leaving"), max_length=2000, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = EnrolmentQuerySet.as_manager()

    class Meta:
        ordering = ["programme", "role", "pk"]
        constraints = [models.UniqueConstraint(fields=["programme", "user"], name="one_enrolment_per_programme")]
        indexes = [models.Index(fields=["programme", "status", "role"])]

    def __str__(self) -> str:
        return f"{self.user} as {self.get_role_display()} in {self.programme}"

    def get_absolute_url(self) -> str:
        return reverse("enrolment-detail", kwargs={"pk": self.pk})

    @property
    def capacity(self) -> int:
        if self.capacity_override is not None:
            return self.capacity_override
        return self.programme.default_mentor_capacity


class Answer(models.Model):
    enrolment = models.ForeignKey(Enrolment, on_delete=models.CASCADE, related_name="answers")
    question = models.ForeignKey(Question, on_delete=models.CASCADE, related_name="answers")
    value = models.JSONField(_("answer"), null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["enrolment", "question"], name="one_answer_per_question")]

    def __str__(self) -> str:
        return f"{self.question}: {self.value}"


class InvitationQuerySet(models.QuerySet):
    def visible_to(self, user: User) -> "InvitationQuerySet":
        if not user.is_authenticated:
            return self.none()
        if user.is_superuser or user.is_hr_admin:
            return self.all()
        return self.filter(programme__coordinators=user)


class Invitation(models.Model):
    """An e-mailed invitation to join a programme. The link carries a signed, expiring
    token of (pk, nonce); resending makes a new nonce, so older links stop working."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        ACCEPTED = "accepted", _("Accepted")
        REVOKED = "revoked", _("Revoked")

    programme = models.ForeignKey(Programme, on_delete=models.CASCADE, related_name="invitations")
    email = models.EmailField(_("e-mail address"))
    first_name = models.CharField(_("first name"), max_length=150, blank=True)
    last_name = models.CharField(_("last name"), max_length=150, blank=True)
    role = models.CharField(_("role"), max_length=8, choices=Enrolment.Role.choices)
    message = models.TextField(_("personal message"), max_length=2000, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PENDING)
    nonce = models.CharField(max_length=32, editable=False)
    invited_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    last_sent_at = models.DateTimeField(null=True, blank=True)
    send_count = models.PositiveSmallIntegerField(default=0)
    expires_at = models.DateTimeField()
    accepted_at = models.DateTimeField(null=True, blank=True)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    revoked_at = models.DateTimeField(null=True, blank=True)

    objects = InvitationQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                "programme", Lower("email"), condition=Q(status="pending"), name="one_pending_invitation_per_email"
            )
        ]

    def __str__(self) -> str:
        return f"Invitation of {self.email} to {self.programme}"


class ImportJobQuerySet(models.QuerySet):
    def visible_to(self, user: User) -> "ImportJobQuerySet":
        if not user.is_authenticated:
            return self.none()
        if user.is_superuser or user.is_hr_admin:
            return self.all()
        return self.filter(programme__coordinators=user)


class ImportJob(models.Model):
    """A CSV import of participants: uploaded, previewed (dry run), then confirmed."""

    class Status(models.TextChoices):
        PREVIEWING = "previewing", _("Checking the file")
        PREVIEWED = "previewed", _("Ready to confirm")
        IMPORTING = "importing", _("Importing")
        DONE = "done", _("Imported")
        FAILED = "failed", _("Failed")
        CANCELLED = "cancelled", _("Cancelled")

    programme = models.ForeignKey(Programme, on_delete=models.CASCADE, related_name="imports")
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    file = models.FileField(upload_to="imports/%Y/%m/")
    original_name = models.CharField(max_length=255)
    allow_new_skills = models.BooleanField(_("create skills that are not in the taxonomy yet"), default=False)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.PREVIEWING)
    total_rows = models.PositiveIntegerField(default=0)
    processed_rows = models.PositiveIntegerField(default=0)
    counts = models.JSONField(default=dict, blank=True)
    error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    confirmed_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    objects = ImportJobQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"Import {self.original_name} into {self.programme}"

    @property
    def progress_percent(self) -> int:
        return round(100 * self.processed_rows / self.total_rows) if self.total_rows else 0


class ImportRow(models.Model):
    """The outcome of one data line of an import, as the preview showed it."""

    class Outcome(models.TextChoices):
        CREATE = "create", _("Create")
        UPDATE = "update", _("Update")
        UNCHANGED = "unchanged", _("Unchanged")
        ERROR = "error", _("Error")

    job = models.ForeignKey(ImportJob, on_delete=models.CASCADE, related_name="rows")
    line = models.PositiveIntegerField()
    email = models.CharField(max_length=254, blank=True)
    outcome = models.CharField(max_length=10, choices=Outcome.choices)
    message = models.TextField(blank=True)
    data = models.JSONField(default=dict)

    class Meta:
        ordering = ["job", "line"]
        indexes = [models.Index(fields=["job", "outcome"])]

    def __str__(self) -> str:
        return f"line {self.line}: {self.outcome}"
