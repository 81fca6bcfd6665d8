"""Raising flags: thresholds with attribution, updating the open flag, one open per kind,
reopening only on new events after a resolution, inactivity, coordinators told."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from matching.models import Flag, FlagNote
from matching.services import flags as services
from notifications.models import Notification
from sessions.services import flags as sweeps
from sessions.tasks import raise_flags_task
from tests.factories import MatchFactory, MeetingFactory, pair_match

NOW = datetime.datetime(2027, 3, 10, 9, 0, tzinfo=datetime.UTC)
DAY = datetime.timedelta(days=1)


@pytest.fixture
def match(programme, mentor, mentee):
    return pair_match(programme, mentor, mentee, started_at=NOW - 100 * DAY)


def cancel(match, by, days_ago: float, **kwargs):
    fields = {"start": NOW - days_ago * DAY + DAY, "cancelled_at": NOW - days_ago * DAY, **kwargs}
    return MeetingFactory(match=match, status="cancelled", cancelled_by=by, **fields)


def postpone(match, by, days_ago: float):
    return MeetingFactory(
        match=match, start=NOW + 5 * DAY, status="rescheduled", rescheduled_by=by, rescheduled_at=NOW - days_ago * DAY
    )


def no_show(match, absent: str, days_ago: float):
    return MeetingFactory(match=match, start=NOW - days_ago * DAY, status="no_show", absent=absent)


def held(match, days_ago: float):
    return MeetingFactory(match=match, start=NOW - days_ago * DAY, status="completed")


def test_below_the_threshold_no_flag(match, mentor):
    cancel(match, mentor, 1)
    cancel(match, mentor, 2)

    assert sweeps.raise_meeting_flags(now=NOW) == 0
    assert not Flag.objects.exists()


def test_at_the_threshold_a_flag_says_who_cancelled_how_often(match, mentor, mentee):
    meetings = [cancel(match, mentee, 10), cancel(match, mentor, 5), cancel(match, mentee, 1)]

    assert sweeps.raise_meeting_flags(now=NOW) == 1

    flag = Flag.objects.get()
    assert (flag.kind, flag.status) == ("cancellations", "open")
    assert flag.details["count"] == 3
    assert flag.details["window_days"] == 60
    assert flag.details["threshold"] == 3
    assert flag.details["by"] == {
        str(mentee.pk): {"name": "Milo Mentee", "count": 2},
        str(mentor.pk): {"name": "Mona Mentor", "count": 1},
    }
    assert flag.details["meetings"] == [meeting.pk for meeting in meetings]
    assert flag.counts_from is None


def test_events_outside_the_window_do_not_count(match, mentor, programme):
    programme.flag_window_days = 30
    programme.save(update_fields=["flag_window_days"])
    cancel(match, mentor, 40)
    cancel(match, mentor, 20)
    cancel(match, mentor, 10)

    assert sweeps.raise_meeting_flags(now=NOW) == 0


def test_the_programme_threshold_applies(match, mentor, programme):
    programme.flag_cancellations = 2
    programme.save(update_fields=["flag_cancellations"])
    cancel(match, mentor, 2)
    cancel(match, mentor, 1)

    assert sweeps.raise_meeting_flags(now=NOW) == 1


def test_postponements_are_their_own_kind(match, mentor, mentee):
    postpone(match, mentor, 3)
    postpone(match, mentor, 2)
    postpone(match, mentee, 1)

    sweeps.raise_meeting_flags(now=NOW)

    flag = Flag.objects.get()
    assert flag.kind == "postponements"
    assert flag.details["by"][str(mentor.pk)]["count"] == 2


def test_no_shows_name_who_did_not_come(match, mentor, mentee):
    no_show(match, "mentee", 20)
    no_show(match, "both", 10)
    no_show(match, "mentee", 3)

    sweeps.raise_meeting_flags(now=NOW)

    flag = Flag.objects.get()
    assert flag.kind == "no_shows"
    assert flag.details["by"] == {
        str(mentee.pk): {"name": "Milo Mentee", "count": 3},
        str(mentor.pk): {"name": "Mona Mentor", "count": 1},
    }


def test_new_events_update_the_open_flag_rather_than_open_another(match, mentor):
    for days in (5, 4, 3):
        cancel(match, mentor, days)
    sweeps.raise_meeting_flags(now=NOW)
    flag = Flag.objects.get()

    newest = cancel(match, mentor, 1)
    changed = sweeps.raise_meeting_flags(now=NOW)

    assert changed == 1
    assert Flag.objects.count() == 1
    flag.refresh_from_db()
    assert flag.details["count"] == 4
    assert newest.pk in flag.details["meetings"]
    assert Notification.objects.filter(kind="flag_raised").count() == 1


def test_a_sweep_without_new_events_changes_nothing(match, mentor):
    for days in (5, 4, 3):
        cancel(match, mentor, days)
    sweeps.raise_meeting_flags(now=NOW)

    assert sweeps.raise_meeting_flags(now=NOW + datetime.timedelta(minutes=15)) == 0


def test_a_resolved_flag_reopens_only_on_events_after_the_resolution(match, mentor, coordinator):
    for days in (5, 4, 3):
        cancel(match, mentor, days)
    sweeps.raise_meeting_flags(now=NOW)
    flag = services.resolve_flag(flag=Flag.objects.get(), by=coordinator, resolution="Talked to both.")

    later = flag.resolved_at + DAY
    assert sweeps.raise_meeting_flags(now=later) == 0
    for hours in (1, 2):
        cancel(match, mentor, 0, cancelled_at=flag.resolved_at + datetime.timedelta(hours=hours))
    assert sweeps.raise_meeting_flags(now=later) == 0
    cancel(match, mentor, 0, cancelled_at=flag.resolved_at + datetime.timedelta(hours=3))
    assert sweeps.raise_meeting_flags(now=later) == 1

    reopened = Flag.objects.get(status="open")
    assert reopened.pk != flag.pk
    assert reopened.counts_from == flag.resolved_at
    assert reopened.details["count"] == 3
    assert Flag.objects.filter(kind="cancellations").count() == 2


def test_a_dismissed_flag_also_waits_for_new_events(match, mentor, coordinator):
    for days in (5, 4, 3):
        cancel(match, mentor, days)
    sweeps.raise_meeting_flags(now=NOW)
    flag = services.dismiss_flag(flag=Flag.objects.get(), by=coordinator, reason="Planned holidays.")

    assert sweeps.raise_meeting_flags(now=flag.resolved_at + DAY) == 0
    assert Flag.objects.get().status == "dismissed"


def test_one_open_flag_per_kind_each_kind_separately(match, mentor):
    for days in (5, 4, 3):
        cancel(match, mentor, days)
        postpone(match, mentor, days)

    sweeps.raise_meeting_flags(now=NOW)
    sweeps.raise_meeting_flags(now=NOW)

    assert sorted(Flag.objects.values_list("kind", flat=True)) == ["cancellations", "postponements"]


def test_matches_that_are_not_active_are_not_flagged(programme, mentor):
    ended = MatchFactory(programme=programme, status="ended")
    for days in (5, 4, 3):
        cancel(ended, ended.mentor.user, days)

    assert sweeps.raise_meeting_flags(now=NOW) == 0


def test_new_flags_tell_the_coordinators(match, mentor, coordinator, other_coordinator):
    for days in (5, 4, 3):
        cancel(match, mentor, days)

    sweeps.raise_meeting_flags(now=NOW)

    [notification] = Notification.objects.filter(kind="flag_raised")
    flag = Flag.objects.get()
    assert notification.recipient == coordinator
    assert notification.url == f"/flags/{flag.pk}/"
    assert "Mona Mentor" in notification.body
    assert "Mona Mentor: 3" in notification.body
    assert notification.send_email
    assert not Notification.objects.filter(recipient=other_coordinator).exists()


def test_many_new_flags_in_one_programme_make_one_digest(programme, coordinator):
    for _ in range(sweeps.DIGEST_AFTER + 1):
        crowded = MatchFactory(programme=programme, status="active", started_at=NOW - 100 * DAY)
        for days in (5, 4, 3):
            cancel(crowded, crowded.mentee.user, days)

    assert sweeps.raise_meeting_flags(now=NOW) == sweeps.DIGEST_AFTER + 1

    [digest] = Notification.objects.filter(kind="flag_raised")
    assert digest.recipient == coordinator
    assert digest.url == f"/programmes/{programme.slug}/flags/"
    assert digest.title == f"{sweeps.DIGEST_AFTER + 1} matches need attention in Leadership 2027"
    assert digest.body.count("Repeated cancellations:") == sweeps.DIGEST_AFTER + 1


# --- Inactivity -------------------------------------------------------------------------------


def test_inactivity_after_twice_the_cadence(match):
    held(match, 29)  # cadence 14 days → 28 days without a meeting

    assert sweeps.raise_inactivity_flags(now=NOW) == 1

    flag = Flag.objects.get()
    assert flag.kind == "inactivity"
    assert flag.details["days"] == 28
    assert flag.details["last_meeting"] == (NOW - 29 * DAY).isoformat()
    assert Notification.objects.filter(kind="flag_raised").count() == 1


@pytest.mark.parametrize(
    ("status", "days_ago"), [("completed", 10), ("scheduled", -3), ("scheduled", 5)], ids=["held", "planned", "recent"]
)
def test_a_meeting_held_or_scheduled_within_the_period_keeps_it_quiet(match, status, days_ago):
    MeetingFactory(match=match, start=NOW - days_ago * DAY, status=status)

    assert sweeps.raise_inactivity_flags(now=NOW) == 0


def test_cancelled_meetings_do_not_count_as_activity(match, mentor):
    cancel(match, mentor, 2)

    assert sweeps.raise_inactivity_flags(now=NOW) == 1


def test_the_programme_inactivity_days_apply(match, programme):
    programme.flag_inactivity_days = 60
    programme.save(update_fields=["flag_inactivity_days"])
    held(match, 40)

    assert sweeps.raise_inactivity_flags(now=NOW) == 0
    assert sweeps.raise_inactivity_flags(now=NOW + 21 * DAY) == 1


def test_a_new_match_is_not_inactive_yet(match):
    match.started_at = NOW - 10 * DAY
    match.save(update_fields=["started_at"])

    assert sweeps.raise_inactivity_flags(now=NOW) == 0


def test_inactivity_flag_opens_once_and_waits_a_new_period_after_resolution(match, coordinator):
    now = timezone.now()  # resolving stamps the real clock
    match.started_at = now - 100 * DAY
    match.save(update_fields=["started_at"])
    assert sweeps.raise_inactivity_flags(now=now) == 1
    assert sweeps.raise_inactivity_flags(now=now) == 0
    flag = services.resolve_flag(flag=Flag.objects.get(), by=coordinator, resolution="They plan to meet.")

    assert sweeps.raise_inactivity_flags(now=flag.resolved_at + 27 * DAY) == 0
    assert sweeps.raise_inactivity_flags(now=flag.resolved_at + 29 * DAY) == 1
    assert Flag.objects.get(status="open").counts_from == flag.resolved_at


def test_the_task_raises_both_kinds(match, mentor):
    now = timezone.now()  # the task runs on the real clock
    for days in (5, 4, 3):
        cancel(match, mentor, 0, start=now - days * DAY, cancelled_at=now - days * DAY)
    match.started_at = now - 100 * DAY
    match.save(update_fields=["started_at"])

    assert raise_flags_task.delay().get() == 2
    assert sorted(Flag.objects.values_list("kind", flat=True)) == ["cancellations", "inactivity"]


# --- Handling ---------------------------------------------------------------------------------


@pytest.fixture
def flag(match):
    return Flag.objects.create(match=match, kind="inactivity", details={"days": 28, "last_meeting": None})


def test_resolving_tells_the_pair(flag, coordinator, mentor, mentee):
    services.resolve_flag(flag=flag, by=coordinator, resolution="Agreed on a monthly slot.")

    flag.refresh_from_db()
    assert (flag.status, flag.resolved_by, flag.resolution) == ("resolved", coordinator, "Agreed on a monthly slot.")
    told = Notification.objects.filter(kind="flag_resolved")
    assert {notification.recipient for notification in told} == {mentor, mentee}
    assert "Agreed on a monthly slot." in told[0].body


def test_a_closed_flag_cannot_be_closed_again(flag, coordinator):
    services.dismiss_flag(flag=flag, by=coordinator, reason="Holidays")

    with pytest.raises(ValidationError, match="already dismissed"):
        services.resolve_flag(flag=flag, by=coordinator, resolution="Fine")


@pytest.mark.parametrize("text", ["", "   ", "x" * 4001])
def test_resolution_and_notes_need_sensible_text(flag, coordinator, text):
    with pytest.raises(ValidationError):
        services.resolve_flag(flag=flag, by=coordinator, resolution=text)
    with pytest.raises(ValidationError):
        services.add_flag_note(flag=flag, by=coordinator, text=text)

    assert Flag.objects.get().status == "open"


def test_notes_are_kept_in_order(flag, coordinator):
    services.add_flag_note(flag=flag, by=coordinator, text="Called the mentor.")
    services.add_flag_note(flag=flag, by=coordinator, text="Mentee on leave.")

    assert list(FlagNote.objects.values_list("text", flat=True)) == ["Called the mentor.", "Mentee on leave."]


@pytest.mark.parametrize("persona", ["mentor", "other_coordinator", "hr_admin"])
def test_only_coordinators_handle_flags(flag, persona, request):
    user = request.getfixturevalue(persona)

    with pytest.raises(ValidationError):
        services.resolve_flag(flag=flag, by=user, resolution="x")


def test_flag_sweep_queries_do_not_grow_with_the_number_of_matches(programme):
    def build(count: int) -> None:
        for _ in range(count):
            quiet = MatchFactory(programme=programme, status="active", started_at=NOW - 100 * DAY)
            held(quiet, 3)
            cancel(quiet, quiet.mentor.user, 2)

    def measure() -> int:
        flagged = MatchFactory(programme=programme, status="active", started_at=NOW - 100 * DAY)
        for days in (5, 4, 3):
            cancel(flagged, flagged.mentor.user, days)
        with CaptureQueriesContext(connection) as queries:
            assert sweeps.raise_meeting_flags(now=NOW) == 1
            sweeps.raise_inactivity_flags(now=NOW)
        return len(queries)

    build(2)
    small = measure()
    build(20)
    large = measure()

    assert small == large
