from datetime import datetime

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class AppendOnlyError(RuntimeError):
    """The audit log is append-only: events are never changed or deleted by the app."""


class AuditEventQuerySet(models.QuerySet):
    def update(self, **kwargs: object) -> int:
        raise AppendOnlyError("Audit events cannot be changed.")

    def delete(self) -> tuple[int, dict[str, int]]:
        raise AppendOnlyError("Audit events cannot be deleted.")

    def visible_to(self, user: object) -> "AuditEventQuerySet":
        """HR and site admins read the audit log; nobody else."""
        if not getattr(user, "is_authenticated", False):
            return self.none()
        if user.is_superuser or user.is_hr_admin:
            return self.all()
        return self.none()

    def filtered(
        self,
        *,
        action: str = "",
        actor_email: str = "",
        programme_id: int | None = None,
        since: datetime | None = None,
        until: datetime | None = None,
    ) -> "AuditEventQuerySet":
        """The log's filters, shared by the page and the API; `until` is exclusive."""
        events = self
        if action:
            events = events.filter(action=action)
        if actor_email:
            events = events.filter(actor__email__icontains=actor_email)
        if programme_id is not None:
            events = events.filter(programme_id=programme_id)
        if since is not None:
            events = events.filter(at__gte=since)
        if until is not None:
            events = events.filter(at__lt=until)
        return events


class AuditEvent(models.Model):
    """One sensitive action, appended and never changed (see audit.services.record).

    Holds ids and non-personal facts only, so erasing a person never needs to rewrite
    the log: the actor's name comes from the User row, which erasure anonymises."""

    class Action(models.TextChoices):
        MATCHES_PUBLISHED = "matches.published", _("Matches published")
        MATCH_OVERRIDDEN = "match.overridden", _("Match made or changed by hand")
        MATCH_ENDED = "match.ended", _("Match ended")
        EXPORT_CREATED = "export.created", _("Export")
        EXPORT_DOWNLOADED = "export.downloaded", _("Export downloaded")
        ROLE_CHANGED = "role.changed", _("Role changed")
        FLAG_RESOLVED = "flag.resolved", _("Flag resolved or dismissed")
        RECORD_VIEWED = "record.viewed", _("Participant record opened")
        DATA_DOWNLOADED = "data.downloaded", _("Personal data downloaded")
        PERSON_ERASED = "person.erased", _("Person erased")
        PROGRAMME_PURGED = "programme.purged", _("Programme free text purged")

    at = models.DateTimeField(auto_now_add=True, db_index=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    action = models.CharField(max_length=32, choices=Action.choices)
    # The programme it concerns (HR filters by it); empty for site-wide actions. A plain
    # id, not a foreign key: the log outlives what it mentions, and audit sits left of
    # every app that records into it.
    programme_id = models.PositiveIntegerField(null=True, blank=True, db_index=True)
    target_type = models.CharField(max_length=40, blank=True)
    target_id = models.CharField(max_length=40, blank=True)
    details = models.JSONField(default=dict, blank=True)
    ip_address = models.GenericIPAddressField(null=True, blank=True)

    objects = AuditEventQuerySet.as_manager()

    class Meta:
        ordering = ["-at", "-pk"]
        indexes = [models.Index(fields=["action", "-at"]), models.Index(fields=["target_type", "target_id"])]

    def __str__(self) -> str:
        return f"{self.action} by {self.actor_id} at {self.at:%Y-%m-%d %H:%M}"

    def save(self, *args: object, **kwargs: object) -> None:
        # Append-only: the first save inserts, any later one would rewrite history.
        if not self._state.adding:
            raise AppendOnlyError("Audit events cannot be changed.")
        super().save(*args, **kwargs)

    def delete(self, *args: object, **kwargs: object) -> tuple[int, dict[str, int]]:
        raise AppendOnlyError("Audit events cannot be deleted.")
