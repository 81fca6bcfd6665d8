"""One world for the access matrix: a programme with two pairs, a second programme with a
pair of its own, and one object of every resource, each under a key the matrix names.

The matrix (tests/security/matrix.py) fills URL kwargs and form data from `World.keys`:
`"match"` is the pair's match id, `"programme"` the programme's slug, and so on. Everything
hangs off the first programme unless its key says `foreign_` (the second programme), so a
role's expected answer follows from who they are in the first programme.
"""

import datetime
import io
from dataclasses import dataclass, field
from typing import Any

from allauth.mfa.models import Authenticator
from django.core.files.base import ContentFile
from django.db import models
from django.utils import timezone
from PIL import Image

from audit.models import AuditEvent
from goals.models import Feedback, Goal, GoalSettings, GoalTemplate, Milestone, MilestoneTemplate, ProgressUpdate
from matching.models import Flag, FlagNote, Match, MatchRun, MentorRequest, PairBlock
from notifications.models import Notification
from profiles.models import User
from programmes.models import Enrolment, ImportJob, ImportRow, Invitation, Programme, Question
from programmes.services.invitations import make_token
from reports.models import ExportJob
from sessions.models import ActionItem, CalendarFeed, Meeting, MeetingNote, MeetingSettings
from tests.factories import EnrolmentFactory, ProgrammeFactory, QuestionFactory, SkillFactory, UserFactory

# The marker in each pair's texts, by the prefix of its objects' keys.
TAGS = {"": "pair", "other_pair_": "other", "foreign_": "foreign"}
SIDES, COORD, ADMINS = {"mentee", "mentor", "coordinator"}, {"coordinator"}, {"hr_admin", "site_admin"}
# Who may read each pair's texts, anywhere (pages, API answers, files): the rules of the
# models' visible_to. Private notes: their author only; shared notes: the pair and the
# coordinators where the programme allows it (the first does, the second does not); goal
# content: the pair, coordinators and site admins (HR only where the programme allows it,
# which neither does); flag notes: coordinators, HR and site admins, never the pair.
MARKERS: dict[str, set[str]] = {
    "PRIVATE-NOTE-pair": {"mentor"},
    "SHARED-NOTE-pair": SIDES,
    "GOAL-pair": SIDES | {"site_admin"},
    "MILESTONE-pair": SIDES | {"site_admin"},
    "UPDATE-pair": SIDES | {"site_admin"},
    "FEEDBACK-pair": SIDES | {"site_admin"},
    "FLAG-NOTE-pair": COORD | ADMINS,
    "ACTION-pair": SIDES | ADMINS,
    "AGENDA-pair": SIDES | ADMINS,
    "PRIVATE-NOTE-other": {"other_pair"},
    "SHARED-NOTE-other": {"other_pair", "coordinator"},
    "GOAL-other": {"other_pair", "coordinator", "site_admin"},
    "MILESTONE-other": {"other_pair", "coordinator", "site_admin"},
    "UPDATE-other": {"other_pair", "coordinator", "site_admin"},
    "FEEDBACK-other": {"other_pair", "coordinator", "site_admin"},
    "FLAG-NOTE-other": COORD | ADMINS,
    "ACTION-other": {"other_pair", "coordinator"} | ADMINS,
    "AGENDA-other": {"other_pair", "coordinator"} | ADMINS,
    "PRIVATE-NOTE-foreign": set(),
    "SHARED-NOTE-foreign": set(),
    "GOAL-foreign": {"other_coordinator", "site_admin"},
    "MILESTONE-foreign": {"other_coordinator", "site_admin"},
    "UPDATE-foreign": {"other_coordinator", "site_admin"},
    "FEEDBACK-foreign": {"other_coordinator", "site_admin"},
    "FLAG-NOTE-foreign": {"other_coordinator"} | ADMINS,
    "ACTION-foreign": {"other_coordinator"} | ADMINS,
    "AGENDA-foreign": {"other_coordinator"} | ADMINS,
}

IMPORT_CSV = "email,first name,last name,role\nada@example.com,Ada,Lovelace,mentor\n"


@dataclass
class World:
    users: dict[str, User | None]
    objects: dict[str, models.Model] = field(default_factory=dict)
    keys: dict[str, Any] = field(default_factory=dict)
    # Every row of each programme, by model label: a role of one programme lists none of
    # the other's.
    rows: dict[str, dict[str, set[int]]] = field(default_factory=dict)

    def user(self, role: str) -> User | None:
        """The person playing a role of tests/security/matrix.py's ROLES (None: anonymous)."""
        return self.users[role]


def _png() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), "teal").save(buffer, format="PNG")
    return buffer.getvalue()


def _pair(programme: Programme, mentor: User, mentee: User, **extra: Any) -> Match:
    now = timezone.now()
    return Match.objects.create(
        programme=programme,
        mentor=EnrolmentFactory(programme=programme, user=mentor, role="mentor"),
        mentee=EnrolmentFactory(programme=programme, user=mentee, role="mentee"),
        status=Match.Status.ACTIVE,
        source=Match.Source.COORDINATOR,
        exclusive=True,
        score=72.5,
        published_at=now - datetime.timedelta(days=30),
        mentor_accepted_at=now - datetime.timedelta(days=29),
        mentee_accepted_at=now - datetime.timedelta(days=29),
        started_at=now - datetime.timedelta(days=29),
        **extra,
    )


def _pair_objects(match: Match, *, coordinator: User, prefix: str = "") -> dict[str, models.Model]:
    """Meetings, notes, action items, a flag and goals of one pair. Their texts carry a
    marker per pair (see MARKERS), so a page that shows another pair's text is caught."""
    now = timezone.now()
    tag = TAGS[prefix]
    mentor, mentee = match.mentor.user, match.mentee.user
    meeting = Meeting.objects.create(
        match=match,
        organiser=mentor,
        start=(now + datetime.timedelta(days=7)).replace(microsecond=0),
        duration_minutes=60,
        mode=Meeting.Mode.ONLINE,
        video_link="https://meet.example.com/pair",
        agenda=f"AGENDA-{tag}",
        uid=Meeting.new_uid(),
    )
    past_meeting = Meeting.objects.create(
        match=match,
        organiser=mentee,
        start=(now - datetime.timedelta(hours=3)).replace(microsecond=0),
        duration_minutes=60,
        mode=Meeting.Mode.ONLINE,
        video_link="https://meet.example.com/past",
        uid=Meeting.new_uid(),
    )
    shared_note = MeetingNote.objects.create(meeting=meeting, author=mentor, text=f"SHARED-NOTE-{tag}")
    private_note = MeetingNote.objects.create(
        meeting=meeting, author=mentor, visibility=MeetingNote.Visibility.PRIVATE, text=f"PRIVATE-NOTE-{tag}"
    )
    goal = Goal.objects.create(
        match=match,
        title=f"GOAL-{tag}",
        why="Grow",
        target_date=timezone.localdate() + datetime.timedelta(days=60),
        status=Goal.Status.IN_PROGRESS,
        created_by=mentee,
    )
    milestone = Milestone.objects.create(goal=goal, title=f"MILESTONE-{tag}", due_on=timezone.localdate())
    update = ProgressUpdate.objects.create(goal=goal, author=mentee, text=f"UPDATE-{tag}", progress=10)
    feedback = Feedback.objects.create(goal=goal, update=update, author=mentor, text=f"FEEDBACK-{tag}")
    item = ActionItem.objects.create(
        match=match, meeting=past_meeting, owner=mentee, goal=goal, description=f"ACTION-{tag}", created_by=mentor
    )
    done_item = ActionItem.objects.create(
        match=match, owner=mentor, description=f"ACTION-{tag}-done", created_by=mentor, done_at=now
    )
    flag = Flag.objects.create(
        match=match, kind=Flag.Kind.INACTIVITY, details={"days": 30, "threshold": 28, "last_meeting": None}
    )
    flag_note = FlagNote.objects.create(flag=flag, author=coordinator, text=f"FLAG-NOTE-{tag}")
    return {
        f"{prefix}meeting": meeting,
        f"{prefix}past_meeting": past_meeting,
        f"{prefix}shared_note": shared_note,
        f"{prefix}private_note": private_note,
        f"{prefix}goal": goal,
        f"{prefix}milestone": milestone,
        f"{prefix}progress_update": update,
        f"{prefix}feedback": feedback,
        f"{prefix}action_item": item,
        f"{prefix}done_action_item": done_item,
        f"{prefix}flag": flag,
        f"{prefix}flag_note": flag_note,
    }


def build_world() -> World:
    now = timezone.now()
    coordinator = UserFactory(first_name="Carmen", last_name="Coordinator")
    other_coordinator = UserFactory(first_name="Oscar", last_name="Othercoordinator")
    users: dict[str, User | None] = {
        "anonymous": None,
        "mentee": UserFactory(first_name="Milo", last_name="Mentee"),
        "mentor": UserFactory(first_name="Mona", last_name="Mentor"),
        "other_pair": UserFactory(first_name="Olga", last_name="Otherpair"),
        "coordinator": coordinator,
        "other_coordinator": other_coordinator,
        "hr_admin": UserFactory(first_name="Helena", last_name="HR", is_hr_admin=True),
        "site_admin": UserFactory(first_name="Sam", last_name="Siteadmin", is_superuser=True, is_staff=True),
    }
    # Production requires an authenticator app of everyone who sees others' data.
    for role in ("coordinator", "other_coordinator", "hr_admin", "site_admin"):
        Authenticator.objects.create(
            user=users[role], type=Authenticator.Type.TOTP, data={"secret": "JBSWY3DPEHPK3PXP"}
        )
    world = World(users=users)
    objects = world.objects

    # --- the first programme: two pairs -------------------------------------------------
    programme = ProgrammeFactory(
        name="Leadership 2027",
        slug="leadership-2027",
        status=Programme.Status.RUNNING,
        mentees_choose_mentor=True,
        starts_on=now.date() - datetime.timedelta(days=60),
        ends_on=now.date() + datetime.timedelta(days=300),
        agreement_text="",
        coordinators=[coordinator],
    )
    MeetingSettings.objects.create(programme=programme, coordinators_read_shared_notes=True)
    GoalSettings.objects.create(programme=programme)
    match = _pair(programme, users["mentor"], users["mentee"])
    other_match = _pair(programme, users["other_pair"], UserFactory(first_name="Ola", last_name="Othermentee"))
    objects.update(
        programme=programme,
        match=match,
        other_match=other_match,
        enrolment=match.mentee,
        mentor_enrolment=match.mentor,
        other_pair_enrolment=other_match.mentor,
    )
    objects.update(_pair_objects(match, coordinator=coordinator))
    objects.update(_pair_objects(other_match, coordinator=coordinator, prefix="other_pair_"))

    # --- programme set-up, people pages, imports ----------------------------------------
    objects["question"] = QuestionFactory(programme=programme, label="Why mentoring?")
    invited_user = UserFactory(first_name="Ivy", last_name="Invited")
    objects["invited_enrolment"] = EnrolmentFactory(
        programme=programme, user=invited_user, role="mentee", status="invited", source="invitation"
    )
    objects["invitation"] = Invitation.objects.create(
        programme=programme,
        email="guest@example.com",
        role="mentee",
        nonce="nonce-guest",
        invited_by=coordinator,
        last_sent_at=now,
        send_count=1,
        expires_at=now + datetime.timedelta(days=14),
    )
    job = ImportJob.objects.create(
        programme=programme,
        uploaded_by=coordinator,
        original_name="people.csv",
        status=ImportJob.Status.PREVIEWED,
        total_rows=1,
        processed_rows=1,
        counts={"create": 1},
    )
    job.file.save("people.csv", ContentFile(IMPORT_CSV.encode()), save=True)
    ImportRow.objects.create(job=job, line=2, email="ada@example.com", outcome="create", data={"role": "mentor"})
    objects["import_job"] = job

    # --- matching: a run with a draft, a block, a mentee's request ----------------------
    spare_mentor = EnrolmentFactory(programme=programme, role="mentor", user__first_name="Sid")
    spare_mentee = EnrolmentFactory(programme=programme, role="mentee", user__first_name="Tia")
    blocked_mentee = EnrolmentFactory(programme=programme, role="mentee", user__first_name="Bo")
    requesting_mentee = EnrolmentFactory(programme=programme, role="mentee", user__first_name="Rae")
    run = MatchRun.objects.create(
        programme=programme, started_by=coordinator, status=MatchRun.Status.DONE, progress=100, finished_at=now
    )
    objects["match_run"] = run
    objects["proposal"] = Match.objects.create(
        programme=programme, mentor=spare_mentor, mentee=spare_mentee, status=Match.Status.DRAFT, run=run, score=60
    )
    objects["pair_block"] = PairBlock.objects.create(
        programme=programme, mentor=spare_mentor, mentee=blocked_mentee, created_by=coordinator
    )
    objects["mentor_request"] = MentorRequest.objects.create(
        programme=programme,
        mentee=requesting_mentee,
        mentor=match.mentor,
        message="Please?",
        score=61,
        expires_at=now + datetime.timedelta(days=7),
    )
    objects["spare_mentor_enrolment"] = spare_mentor
    objects["spare_mentee_enrolment"] = spare_mentee

    # --- goal templates, exports, audit, notifications, skills, feeds -------------------
    template = GoalTemplate.objects.create(programme=programme, title="Build your network", target_week=12)
    MilestoneTemplate.objects.create(template=template, title="Meet five people", due_week=4)
    objects["goal_template"] = template
    objects["export_job"] = ExportJob.objects.create(
        requested_by=coordinator,
        programme=programme,
        dataset=ExportJob.Dataset.MATCHES,
        status=ExportJob.Status.DONE,
        rows=2,
        file=ContentFile(b"a,b\n", name="matches.csv"),
        finished_at=now,
        expires_at=now + datetime.timedelta(days=7),
    )
    objects["audit_event"] = AuditEvent.objects.create(
        actor=coordinator, action=AuditEvent.Action.MATCHES_PUBLISHED, programme_id=programme.pk
    )
    objects["notification"] = Notification.objects.create(
        recipient=users["mentee"], kind="match_active", title="Your match is active", body="Hello", url="/matches/"
    )
    objects["skill"] = SkillFactory(name="Negotiation")
    objects["other_skill"] = SkillFactory(name="Python")
    objects["calendar_feed"] = CalendarFeed.objects.create(user=users["mentee"])
    profile = users["mentee"].profile
    profile.photo.save("milo.png", ContentFile(_png()), save=True)

    # --- the second programme: its own coordinator and pair -----------------------------
    other_programme = ProgrammeFactory(
        name="Sales Academy", slug="sales-academy", status=Programme.Status.RUNNING, coordinators=[other_coordinator]
    )
    foreign_match = _pair(other_programme, UserFactory(first_name="Fay"), UserFactory(first_name="Finn"))
    objects.update(other_programme=other_programme, foreign_match=foreign_match)
    objects.update(_pair_objects(foreign_match, coordinator=other_coordinator, prefix="foreign_"))
    objects["foreign_question"] = QuestionFactory(programme=other_programme)
    objects["foreign_notification"] = Notification.objects.create(
        recipient=foreign_match.mentee.user, kind="match_active", title="Foreign", body="Hi", url="/matches/"
    )
    world.rows = {"programme": _rows_of(programme), "other_programme": _rows_of(other_programme)}

    world.keys = _keys(world)
    return world


def _rows_of(programme: Programme) -> dict[str, set[int]]:
    """Every row that belongs to one programme, by model label."""
    matches = Match.objects.filter(programme=programme)

    def ids(queryset: models.QuerySet, column: str = "pk") -> set[int]:
        return set(queryset.values_list(column, flat=True))

    return {
        "programmes.Programme": {programme.pk},
        "programmes.Enrolment": ids(Enrolment.objects.filter(programme=programme)),
        "programmes.Question": ids(Question.objects.filter(programme=programme)),
        "programmes.Invitation": ids(Invitation.objects.filter(programme=programme)),
        "programmes.ImportJob": ids(ImportJob.objects.filter(programme=programme)),
        "profiles.Profile": ids(Enrolment.objects.filter(programme=programme), "user_id"),
        "matching.Match": ids(matches),
        "matching.MatchRun": ids(MatchRun.objects.filter(programme=programme)),
        "matching.PairBlock": ids(PairBlock.objects.filter(programme=programme)),
        "matching.MentorRequest": ids(MentorRequest.objects.filter(programme=programme)),
        "matching.Flag": ids(Flag.objects.filter(match__in=matches)),
        "mentoring_sessions.Meeting": ids(Meeting.objects.filter(match__in=matches)),
        "mentoring_sessions.MeetingNote": ids(MeetingNote.objects.filter(meeting__match__in=matches)),
        "mentoring_sessions.ActionItem": ids(ActionItem.objects.filter(match__in=matches)),
        "goals.Goal": ids(Goal.objects.filter(match__in=matches)),
        "goals.GoalTemplate": ids(GoalTemplate.objects.filter(programme=programme)),
        "reports.ExportJob": ids(ExportJob.objects.filter(programme=programme)),
        "notifications.Notification": ids(Notification.objects.filter(recipient__enrolments__programme=programme)),
    }


def _keys(world: World) -> dict[str, Any]:
    """What the matrix puts into URLs and forms, by key."""
    objects = world.objects
    keys: dict[str, Any] = {name: obj.pk for name, obj in objects.items()}
    keys["programme"] = objects["programme"].slug
    keys["other_programme"] = objects["other_programme"].slug
    keys["invitation_token"] = make_token(objects["invitation"])
    keys["feed_token"] = objects["calendar_feed"].token
    keys["export_token"] = objects["export_job"].download_token
    for role, user in world.users.items():
        if user is not None:
            keys[f"{role}_user"] = user.pk
            keys[f"{role}_email"] = user.email
    keys["profile"] = world.users["mentee"].pk
    keys["foreign_profile"] = objects["foreign_match"].mentee.user_id
    keys["coordinator_user"] = world.users["coordinator"].pk
    return keys
