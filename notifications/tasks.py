import smtplib

from celery import shared_task
from django.db import OperationalError

from notifications import services


@shared_task(
    # Mail servers that are down, slow or refusing for a while, or the database holding
    # the send claim away; a refused address will not start working by itself, so that
    # one is not retried.
    autoretry_for=(smtplib.SMTPException, OSError, OperationalError),
    dont_autoretry_for=(smtplib.SMTPRecipientsRefused,),
    retry_backoff=30,
    retry_backoff_max=1800,
    retry_jitter=True,
    max_retries=5,
)
def send_notification_email_task(notification_id: int) -> None:
    services.send_notification_email(notification_id=notification_id)


@shared_task(acks_late=True, soft_time_limit=50, time_limit=55)
def requeue_owed_emails_task() -> int:
    """Every minute (the outbox sweep): queue again e-mails whose task never arrived."""
    return services.requeue_owed_emails()
