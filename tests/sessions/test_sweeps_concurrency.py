"""Two sweeps at the same moment (two beat schedulers, or a slow sweep overlapping the
next): every reminder and prompt still goes out once, every flag opens once."""

import datetime

import pytest

from matching.models import Flag
from notifications.models import Notification
from sessions.models import Reminder
from sessions.services.flags import DIGEST_AFTER, raise_meeting_flags
from sessions.services.reminders import send_due_reminders, send_log_prompts
from tests.concurrency import postgresql_only, run_together
from tests.factories import MatchFactory, MeetingFactory, ProgrammeFactory, UserFactory

pytestmark = postgresql_only("SQLite serialises every writer, so two sweeps never overlap there")

NOW = datetime.datetime(2027, 3, 10, 9, 0, tzinfo=datetime.UTC)


def _matches(count: int) -> list:
    programme = ProgrammeFactory(coordinators=[UserFactory()])
    return [MatchFactory(programme=programme, status="active", started_at=NOW) for _ in range(count)]


@pytest.mark.parametrize("round_", range(3))
def test_two_reminder_sweeps_at_once_send_each_reminder_once(round_):
    for match in _matches(40):
        MeetingFactory(match=match, start=NOW + datetime.timedelta(minutes=30 + round_))

    outcomes = run_together(
        lambda: send_due_reminders(now=NOW),
        lambda: send_due_reminders(now=NOW),
    )

    assert all(isinstance(outcome, int) for outcome in outcomes), outcomes
    assert sum(outcomes) == 80
    assert Notification.objects.filter(kind="meeting_reminder").count() == 80
    assert Reminder.objects.filter(sent_at__isnull=True).count() == 0


def test_two_log_prompt_sweeps_at_once_prompt_each_person_once():
    for match in _matches(40):
        MeetingFactory(match=match, start=NOW - datetime.timedelta(hours=3))

    outcomes = run_together(lambda: send_log_prompts(now=NOW), lambda: send_log_prompts(now=NOW))

    assert all(isinstance(outcome, int) for outcome in outcomes), outcomes
    assert sum(outcomes) == 80
    assert Notification.objects.filter(kind="meeting_log_prompt").count() == 80


def test_two_flag_sweeps_at_once_open_one_flag_per_match_and_announce_it_once():
    # At most DIGEST_AFTER new flags in a programme: one message per flag, so a flag told
    # twice would show.
    for match in _matches(DIGEST_AFTER):
        for days in (1, 2, 3):
            MeetingFactory(
                match=match,
                start=NOW + datetime.timedelta(days=days),
                status="cancelled",
                cancelled_at=NOW - datetime.timedelta(days=days),
                cancelled_by=match.mentor.user,
            )

    outcomes = run_together(lambda: raise_meeting_flags(now=NOW), lambda: raise_meeting_flags(now=NOW))

    assert all(isinstance(outcome, int) for outcome in outcomes), outcomes
    assert sum(outcomes) == DIGEST_AFTER
    assert Flag.objects.filter(kind="cancellations", status="open").count() == DIGEST_AFTER
    assert Notification.objects.filter(kind="flag_raised").count() == DIGEST_AFTER
