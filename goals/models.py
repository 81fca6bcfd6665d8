from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from matching.models import Match
from profiles.models import Skill, User
from programmes.models import Programme


class GoalSettings(models.Model):
    """A programme's goal rules: how late is "overdue" and whether HR reads goal content."""

    programme = models.OneToOneField(Programme, on_delete=models.CASCADE, related_name="goal_settings")
    overdue_grace_days = models.PositiveSmallIntegerField(
        _("days past a due date before an overdue goal is flagged"), default=14,
        validators=[MinValueValidator(0), MaxValueValidator(365)],
    )  # fmt: skip
    hr_sees_content = models.BooleanField(
        _("HR admins may read goal content"),
        default=False,
        help_text=_("Otherwise HR admins see counts and progress only, never titles or updates."),
    )

    def __str__(self) -> str:
        return f"Goal settings of {self.programme}"


class GoalTemplateQuerySet(models.QuerySet):
    def visible_to(self, user: User) -> "GoalTemplateQuerySet":
        """Coordinators and admins see their programmes' templates; participants with a
        published match in the programme see its active templates (to adopt them)."""
        if not user.is_authenticated:
            return self.none()
        if user.is_superuser or user.is_hr_admin:
            return self.all()
        in_pair = Q(programme__matches__mentor__user=user) | Q(programme__matches__mentee__user=user)
        participant = in_pair & Q(is_active=True, programme__matches__status__in=Match.PUBLISHED_LIVE_STATUSES)
        return self.filter(participant | Q(programme__coordinators=user)).distinct()


class GoalTemplate(models.Model):
    """A goal a coordinator suggests to every pair of a programme; adopting it copies it
    (and its milestones, dated from the match start) into the pair's goals."""

    programme = models.ForeignKey(Programme, on_delete=models.CASCADE, related_name="goal_templates")
    title = models.CharField(_("title"), max_length=200)
    why = models.TextField(_("why it matters"), max_length=2000, blank=True)
    success_measure = models.TextField(_("what success looks like"), max_length=1000, blank=True)
    # Weeks after the match start; the adopted goal's target date.
    target_week = models.PositiveSmallIntegerField(
        _("target (weeks after the match starts)"), null=True, blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(520)],
    )  # fmt: skip
    position = models.PositiveIntegerField(default=0)
    is_active = models.BooleanField(_("offered to pairs"), default=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = GoalTemplateQuerySet.as_manager()

    class Meta:
        ordering = ["programme", "position", "pk"]

    def __str__(self) -> str:
        return self.title


class MilestoneTemplate(models.Model):
    template = models.ForeignKey(GoalTemplate, on_delete=models.CASCADE, related_name="milestones")
    title = models.CharField(_("milestone"), max_length=200)
    due_week = models.PositiveSmallIntegerField(
        _("due (weeks after the match starts)"), validators=[MinValueValidator(1), MaxValueValidator(520)]
    )
    position = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["template", "position", "due_week", "pk"]

    def __str__(self) -> str:
        return f"{self.title} (week {self.due_week})"


class GoalQuerySet(models.QuerySet):
    def visible_to(self, user: User) -> "GoalQuerySet":
        """Content of goals: the two people of a published match, the programme's
        coordinators and site admins; HR admins only where the programme allows it
        (otherwise they see aggregates, computed without this method)."""
        if not user.is_authenticated:
            return self.none()
        if user.is_superuser:
            return self.all()
        pair = (Q(match__mentor__user=user) | Q(match__mentee__user=user)) & ~Q(match__status=Match.Status.DRAFT)
        rule = pair | Q(match__programme__coordinators=user)
        if user.is_hr_admin:
            rule |= Q(match__programme__goal_settings__hr_sees_content=True)
        return self.filter(rule).distinct()

    def open(self) -> "GoalQuerySet":
        return self.filter(status__in=Goal.OPEN_STATUSES)


class Goal(models.Model):
    """A mentee's goal within one match, written by the mentee or the mentor with them."""

    class Status(models.TextChoices):
        NOT_STARTED = "not_started", _("Not started")
        IN_PROGRESS = "in_progress", _("In progress")
        ACHIEVED = "achieved", _("Achieved")
        DROPPED = "dropped", _("Dropped")

    OPEN_STATUSES = (Status.NOT_STARTED, Status.IN_PROGRESS)

    match = models.ForeignKey(Match, on_delete=models.CASCADE, related_name="goals")
    template = models.ForeignKey(GoalTemplate, on_delete=models.SET_NULL, null=True, blank=True, related_name="goals")
    title = models.CharField(_("goal"), max_length=200)
    why = models.TextField(_("why it matters"), max_length=2000, blank=True)
    success_measure = models.TextField(_("what success looks like"), max_length=1000, blank=True)
    target_date = models.DateField(_("target date"), null=True, blank=True)
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.NOT_STARTED)
    # Set by hand when the goal has no milestones; ignored while it has some.
    manual_progress = models.PositiveSmallIntegerField(
        _("progress (%)"), default=0, validators=[MinValueValidator(0), MaxValueValidator(100)]
    )
    # Derived and stored by the services (milestones done / milestones, else manual_progress;
    # 100 once achieved) so that reports average it with one aggregate query.
    progress = models.PositiveSmallIntegerField(default=0, validators=[MaxValueValidator(100)], editable=False)
    skills = models.ManyToManyField(Skill, blank=True, related_name="+", verbose_name=_("skills"))
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    achieved_at = models.DateTimeField(null=True, blank=True)
    achieved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    dropped_at = models.DateTimeField(null=True, blank=True)

    objects = GoalQuerySet.as_manager()

    class Meta:
        ordering = ["match", "target_date", "pk"]
        indexes = [models.Index(fields=["match", "status"]), models.Index(fields=["status", "target_date"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(progress__lte=100) & Q(manual_progress__lte=100), name="goal_progress_0_100"
            ),
            models.CheckConstraint(
                condition=~Q(status="achieved") | Q(achieved_at__isnull=False), name="achieved_goal_has_a_date"
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("goal-detail", kwargs={"pk": self.pk})


class Milestone(models.Model):
    goal = models.ForeignKey(Goal, on_delete=models.CASCADE, related_name="milestones")
    title = models.CharField(_("milestone"), max_length=200)
    due_on = models.DateField(_("due"), null=True, blank=True)
    done_at = models.DateTimeField(null=True, blank=True)
    done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    position = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["goal", "position", "due_on", "pk"]
        indexes = [models.Index(fields=["done_at", "due_on"])]

    def __str__(self) -> str:
        return self.title


class ProgressUpdate(models.Model):
    """A dated note on a goal by either side, with the progress at that moment."""

    goal = models.ForeignKey(Goal, on_delete=models.CASCADE, related_name="updates")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    text = models.TextField(_("update"), max_length=4000)
    progress = models.PositiveSmallIntegerField(_("progress (%)"), validators=[MaxValueValidator(100)])
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["goal", "-created_at", "-pk"]

    def __str__(self) -> str:
        return f"Update on goal {self.goal_id} ({self.progress}%)"


class Feedback(models.Model):
    """The mentor's feedback on a goal, or on one progress update of it."""

    goal = models.ForeignKey(Goal, on_delete=models.CASCADE, related_name="feedback")
    update = models.ForeignKey(ProgressUpdate, on_delete=models.CASCADE, null=True, blank=True, related_name="feedback")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    text = models.TextField(_("feedback"), max_length=4000)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["goal", "created_at", "pk"]
        verbose_name_plural = "feedback"

    def __str__(self) -> str:
        return f"Feedback on goal {self.goal_id}"
