"""One person with data in every app, under a name and e-mail address found nowhere else,
so that a scan of the whole database can prove an erasure complete."""

import datetime
import io
from dataclasses import dataclass, field

import pytest
from allauth.mfa.models import Authenticator
from django.contrib.admin.models import CHANGE, LogEntry
from django.contrib.contenttypes.models import ContentType
from django.core.files.base import ContentFile
from django.utils import timezone
from PIL import Image
from rest_framework.authtoken.models import Token

from audit.models import AuditEvent
from audit.services import record
from goals.models import Feedback, Goal, Milestone, ProgressUpdate
from matching.models import Flag, FlagNote, Match, MatchRun, MentorRequest, PairBlock
from notifications.services import notify
from profiles.models import User
from programmes.models import Answer, ImportJob, ImportRow, Invitation, Question
from reports.models import ExportJob
from sessions.models import ActionItem, CalendarFeed, Meeting, MeetingNote
from tests.factories import EnrolmentFactory, QuestionFactory, UserFactory

FIRST, LAST, EMAIL = "Zephyrine", "Quillfeather", "zq.unique@example.org"
FULL = f"{FIRST} {LAST}"


@dataclass
class Person:
    user: User
    mentor: User
    other_mentor: User
    coordinator: User
    match: Match
    objects: dict[str, object] = field(default_factory=dict)


def _png() -> ContentFile:
    buffer = io.BytesIO()
    Image.new("RGB", (4, 4), "red").save(buffer, format="PNG")
    return ContentFile(buffer.getvalue(), name="photo.png")


def _match(programme, mentor, mentee, **fields) -> Match:
    now = timezone.now()
    return Match.objects.create(
        programme=programme,
        mentor=mentor,
        mentee=mentee,
        source=Match.Source.COORDINATOR,
        exclusive=False,
        score=70.0,
        published_at=now - datetime.timedelta(days=40),
        **fields,
    )


@pytest.fixture
def person(db, settings, tmp_path, coordinator, programme) -> Person:
    settings.MEDIA_ROOT = tmp_path
    now = timezone.now()
    user = UserFactory(first_name=FIRST, last_name=LAST, email=EMAIL)
    profile = user.profile
    profile.bio = f"I am {FIRST}, I love kites."
    profile.job_title, profile.department, profile.location = "Pilot", "Air", "Lyon"
    profile.availability = "Tuesdays"
    profile.photo.save("photo.png", _png(), save=False)
    profile.save()
    Token.objects.create(user=user)
    CalendarFeed.objects.create(user=user)
    Authenticator.objects.create(user=user, type=Authenticator.Type.RECOVERY_CODES, data={"seed": "x"})

    programme.status = "running"
    programme.kind = "group"
    programme.save()
    question = QuestionFactory(programme=programme, kind=Question.Kind.LONG_TEXT, label="Why join?")
    mentee = EnrolmentFactory(programme=programme, user=user, role="mentee", decision_message=f"Welcome {FIRST}!")
    Answer.objects.create(enrolment=mentee, question=question, value=f"My name is {FULL}.")
    mentor_user = UserFactory(first_name="Mona", last_name="Mentor")
    other_mentor_user = UserFactory(first_name="Olaf", last_name="Othermentor")
    mentor = EnrolmentFactory(programme=programme, user=mentor_user, role="mentor")
    other_mentor = EnrolmentFactory(programme=programme, user=other_mentor_user, role="mentor")

    match = _match(programme, mentor, mentee, status=Match.Status.ACTIVE, started_at=now - datetime.timedelta(days=30))
    _match(
        programme,
        other_mentor,
        mentee,
        status=Match.Status.DECLINED,
        declined_at=now - datetime.timedelta(days=39),
        declined_by=user,
        decline_reason=f"{FIRST} prefers someone else",
    )
    PairBlock.objects.create(programme=programme, mentor=other_mentor, mentee=mentee, reason=f"{LAST} asked")
    MentorRequest.objects.create(
        programme=programme,
        mentee=mentee,
        mentor=other_mentor,
        message=f"Hello, I am {FULL} ({EMAIL})",
        response="Sorry, full",
        status=MentorRequest.Status.DECLINED,
        expires_at=now,
    )

    meeting = Meeting.objects.create(
        match=match,
        organiser=user,
        start=now - datetime.timedelta(days=3),
        agenda=f"{FIRST}'s career plan",
        place=f"{FULL}'s office",
        mode=Meeting.Mode.IN_PERSON,
        status=Meeting.Status.COMPLETED,
        topics=[f"{FIRST} and delegation"],
        uid=Meeting.new_uid(),
    )
    cancelled = Meeting.objects.create(
        match=match,
        organiser=mentor_user,
        start=now - datetime.timedelta(days=10),
        status=Meeting.Status.CANCELLED,
        cancelled_by=user,
        cancelled_at=now - datetime.timedelta(days=11),
        cancel_reason=Meeting.CancelReason.ILLNESS,
        cancel_note=f"{FIRST} has the flu",
        uid=Meeting.new_uid(),
    )
    Meeting.objects.create(
        match=match,
        organiser=mentor_user,
        start=now - datetime.timedelta(days=20),
        status=Meeting.Status.RESCHEDULED,
        rescheduled_by=user,
        rescheduled_at=now - datetime.timedelta(days=21),
        reschedule_reason="Dentist, says Zephyrine",
        uid=Meeting.new_uid(),
    )
    own_private = MeetingNote.objects.create(
        meeting=meeting, author=user, visibility=MeetingNote.Visibility.PRIVATE, text="My private worries"
    )
    MeetingNote.objects.create(meeting=meeting, author=user, text="Shared: we agreed on goals")
    mentor_private = MeetingNote.objects.create(
        meeting=meeting,
        author=mentor_user,
        visibility=MeetingNote.Visibility.PRIVATE,
        text=f"{FIRST} seemed tired; {LAST.upper()} family news",
    )
    ActionItem.objects.create(match=match, meeting=meeting, owner=user, description="Read the book", created_by=user)

    goal = Goal.objects.create(
        match=match, title=f"{FIRST} leads a project", why="Promotion", success_measure="Shipped", created_by=user
    )
    Milestone.objects.create(goal=goal, title="Pick a project")
    update = ProgressUpdate.objects.create(goal=goal, author=user, text="Picked one", progress=40)
    Feedback.objects.create(goal=goal, update=update, author=mentor_user, text=f"Well done {FIRST}")

    flag = Flag.objects.create(
        match=match,
        kind=Flag.Kind.CANCELLATIONS,
        status=Flag.Status.RESOLVED,
        details={"count": 3, "by": {str(user.pk): {"name": FULL, "count": 3}}},
        resolved_at=now,
        resolved_by=coordinator,
        resolution=f"Spoke with {FIRST}",
    )
    FlagNote.objects.create(flag=flag, author=coordinator, text=f"Called {FULL} at {EMAIL}")
    MatchRun.objects.create(
        programme=programme,
        status=MatchRun.Status.DONE,
        report={"unmatched_mentees": [{"enrolment": mentee.pk, "name": FULL, "reasons": ["no mentor"]}]},
    )

    # What the platform itself wrote about them, to them and to others.
    notify(recipients=[user], kind="enrolment_approved", context={"enrolment": mentee}, url="/programmes/")
    notify(recipients=[coordinator], kind="application_received", context={"enrolment": mentee}, url="/programmes/")
    notify(
        recipients=[mentor_user, coordinator],
        kind="match_accepted",
        context={"match": match, "by": user},
        url="/matches/",
        actor=user,
    )

    Invitation.objects.create(
        programme=programme,
        email=EMAIL.upper(),
        first_name=FIRST,
        last_name=LAST,
        role="mentee",
        message=f"Dear {FIRST}, join us",
        nonce="abc",
        expires_at=now + datetime.timedelta(days=7),
        invited_by=coordinator,
    )
    job = ImportJob.objects.create(
        programme=programme,
        uploaded_by=coordinator,
        original_name="people.csv",
        status=ImportJob.Status.DONE,
    )
    job.file.save("people.csv", ContentFile(f"email,first name\n{EMAIL},{FIRST}\n".encode()), save=True)
    ImportRow.objects.create(
        job=job,
        line=2,
        email=EMAIL,
        outcome=ImportRow.Outcome.UPDATE,
        message=f"{FULL} updated",
        data={"email": EMAIL, "first name": FIRST, "last name": LAST},
    )
    export = ExportJob.objects.create(
        requested_by=coordinator, programme=programme, dataset=ExportJob.Dataset.PARTICIPANTS, status="done"
    )
    export.file.save("participants.csv", ContentFile(f"{FULL},{EMAIL}\n".encode()), save=True)
    ExportJob.objects.create(requested_by=user, dataset=ExportJob.Dataset.MATCHES, in_background=False, rows=3)

    LogEntry.objects.create(
        user=coordinator,
        content_type=ContentType.objects.get_for_model(User),
        object_id=str(user.pk),
        object_repr=str(user),
        action_flag=CHANGE,
        change_message=f'[{{"changed": {{"fields": ["{FULL}"]}}}}]',
    )
    record(actor=user, action=AuditEvent.Action.DATA_DOWNLOADED, target=user)
    record(actor=coordinator, action=AuditEvent.Action.RECORD_VIEWED, target=user, details={"person": user.pk})

    return Person(
        user=user,
        mentor=mentor_user,
        other_mentor=other_mentor_user,
        coordinator=coordinator,
        match=match,
        objects={
            "own_private": own_private,
            "mentor_private": mentor_private,
            "goal": goal,
            "cancelled": cancelled,
            "photo": profile.photo.name,
            "import_file": job.file.name,
            "export_file": export.file.name,
            "export": export,
        },
    )
