from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from profiles.models import User


class NotificationQuerySet(models.QuerySet):
    def visible_to(self, user: User) -> "NotificationQuerySet":
        """A person's own notifications only: nobody, admins included, reads another's."""
        if not user.is_authenticated:
            return self.none()
        return self.filter(recipient=user).select_related("actor")

    def in_app(self) -> "NotificationQuerySet":
        """The ones listed in the app; rows kept only to track an e-mail are not."""
        return self.filter(show_in_app=True)

    def unread(self) -> "NotificationQuerySet":
        return self.filter(read_at__isnull=True)


class Notification(models.Model):
    """One thing a person was told about, rendered once in their language and time zone.

    A row exists whenever the person wanted the kind in the app, by e-mail, or both:
    `show_in_app` says whether it is listed, `send_email` whether it is mailed, and
    `emailed_at` is the claim that makes the e-mail go out at most once.

    The row is also the e-mail's outbox entry: `email_task` names the Celery task that
    sends it (blank: the plain notification e-mail) with `email_args`, and
    `email_queued_at` / `email_queued_times` say when and how often that task was queued.
    A task lost on its way to the broker (a process killed between the commit and the
    publish, a broker that refused it) is queued again by the every-minute sweep
    (`requeue_owed_emails`); the claim keeps a second copy from sending twice.
    """

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications", verbose_name=_("recipient")
    )
    kind = models.CharField(_("kind"), max_length=64)
    title = models.CharField(_("title"), max_length=255)
    body = models.TextField(_("message"))
    url = models.CharField(_("link"), max_length=500, blank=True, help_text=_("A path on this site."))
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("caused by"),
    )
    show_in_app = models.BooleanField(_("listed in the app"), default=True)
    send_email = models.BooleanField(_("sent by e-mail"), default=False)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    read_at = models.DateTimeField(_("read"), null=True, blank=True)
    emailed_at = models.DateTimeField(_("e-mailed"), null=True, blank=True)
    email_task = models.CharField(
        _("e-mail task"),
        max_length=200,
        blank=True,
        help_text=_("The Celery task that sends the e-mail; blank for the plain notification e-mail."),
    )
    email_args = models.JSONField(_("e-mail task arguments"), default=dict, blank=True)
    email_queued_at = models.DateTimeField(_("e-mail queued"), null=True, blank=True)
    email_queued_times = models.PositiveSmallIntegerField(_("times the e-mail was queued"), default=0)

    objects = NotificationQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["recipient", "read_at"], name="notification_recipient_read"),
            models.Index(fields=["recipient", "-created_at"], name="notification_recipient_new"),
            # The outbox sweep reads only e-mails still owed: a small part of the table.
            models.Index(
                fields=["email_queued_at"],
                condition=models.Q(send_email=True, emailed_at__isnull=True),
                name="notification_email_owed",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def is_read(self) -> bool:
        return self.read_at is not None


class NotificationPreference(models.Model):
    """A person's choice for one kind; without a row the kind's defaults apply."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="notification_preferences",
        verbose_name=_("user"),
    )
    kind = models.CharField(_("kind"), max_length=64)
    email = models.BooleanField(_("e-mail"))
    in_app = models.BooleanField(_("in the app"))
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "kind"], name="one_preference_per_kind")]

    def __str__(self) -> str:
        return f"{self.user}: {self.kind}"
