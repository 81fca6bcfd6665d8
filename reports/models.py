import secrets

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from profiles.models import User
from programmes.models import Programme


class DashboardSettings(models.Model):
    """A programme's dashboard targets."""

    programme = models.OneToOneField(Programme, on_delete=models.CASCADE, related_name="dashboard_settings")
    match_rate_target = models.PositiveSmallIntegerField(
        _("match rate target (%)"), default=70, validators=[MinValueValidator(1), MaxValueValidator(100)]
    )
    no_meeting_days = models.PositiveSmallIntegerField(
        _("days without a meeting before a pair is at risk"), null=True, blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(730)],
        help_text=_("Empty: the programme's inactivity threshold."),
    )  # fmt: skip

    def __str__(self) -> str:
        return f"Dashboard settings of {self.programme}"


class ExportJobQuerySet(models.QuerySet):
    def visible_to(self, user: User) -> "ExportJobQuerySet":
        """The export log: HR and site admins read every entry; anybody else their own."""
        if not user.is_authenticated:
            return self.none()
        if user.is_superuser or user.is_hr_admin:
            return self.all()
        return self.filter(requested_by=user)


def new_download_token() -> str:
    return secrets.token_urlsafe(32)


class ExportJob(models.Model):
    """One export: the log entry (who, what, when, rows) and, when a worker built it,
    the file only the requester may download until `expires_at`."""

    class Dataset(models.TextChoices):
        PARTICIPANTS = "participants", _("Participants")
        MATCHES = "matches", _("Matches")
        MEETINGS = "meetings", _("Meetings")
        GOALS = "goals", _("Goals and milestones")
        FLAGS = "flags", _("Flags")
        FIGURES = "figures", _("Dashboard figures")

    class Format(models.TextChoices):
        CSV = "csv", "CSV"
        XLSX = "xlsx", "XLSX"

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Running")
        DONE = "done", _("Ready")
        FAILED = "failed", _("Failed")
        EXPIRED = "expired", _("Expired")

    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    # Empty: every programme (HR and site admins only).
    programme = models.ForeignKey(Programme, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    dataset = models.CharField(_("data"), max_length=16, choices=Dataset.choices)
    format = models.CharField(_("format"), max_length=4, choices=Format.choices, default=Format.CSV)
    date_from = models.DateField(_("from"), null=True, blank=True)
    date_to = models.DateField(_("to"), null=True, blank=True)
    # True when the worker builds a file; False when the rows were streamed in the response.
    in_background = models.BooleanField(default=True)
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.QUEUED)
    progress = models.PositiveSmallIntegerField(default=0, validators=[MaxValueValidator(100)])
    rows = models.PositiveIntegerField(null=True, blank=True)
    file = models.FileField(upload_to="exports/%Y/%m/", blank=True, max_length=300)
    download_token = models.CharField(max_length=64, unique=True, default=new_download_token, editable=False)
    error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField(null=True, blank=True)
    downloaded_at = models.DateTimeField(null=True, blank=True)

    objects = ExportJobQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["status", "expires_at"]), models.Index(fields=["requested_by", "-created_at"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(date_from__isnull=True) | Q(date_to__isnull=True) | Q(date_to__gte=models.F("date_from")),
                name="export_dates_in_order",
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_dataset_display()} export {self.pk} ({self.status})"
