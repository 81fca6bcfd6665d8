import datetime

import factory
from allauth.account.models import EmailAddress
from django.utils import timezone

from profiles.models import Profile, Skill, User

PASSWORD = "correct-horse-battery"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"person{n}@example.com")
    first_name = factory.Faker("first_name")
    last_name = factory.Faker("last_name")
    password = factory.django.Password(PASSWORD)

    @factory.post_generation
    def profile_and_email(obj, create, extracted, **kwargs):
        if create:
            Profile.objects.get_or_create(user=obj)
            EmailAddress.objects.get_or_create(user=obj, email=obj.email, defaults={"primary": True, "verified": True})


class SkillFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Skill

    name = factory.Sequence(lambda n: f"Skill {n}")


class ProgrammeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "programmes.Programme"
        skip_postgeneration_save = True

    name = factory.Sequence(lambda n: f"Programme {n}")
    slug = factory.Sequence(lambda n: f"programme-{n}")
    status = "enrolling"

    @factory.post_generation
    def coordinators(obj, create, extracted, **kwargs):
        if create and extracted:
            obj.coordinators.add(*extracted)


class EnrolmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "programmes.Enrolment"

    programme = factory.SubFactory(ProgrammeFactory)
    user = factory.SubFactory(UserFactory)
    role = "mentee"
    status = "approved"
    source = "coordinator"


class NotificationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "notifications.Notification"

    recipient = factory.SubFactory(UserFactory)
    kind = "enrolment_approved"
    title = factory.Sequence(lambda n: f"Notification {n}")
    body = "Something happened."
    url = "/programmes/"

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        # created_at is auto_now_add; tests that need an older notification pass one.
        created_at = kwargs.pop("created_at", None)
        notification = super()._create(model_class, *args, **kwargs)
        if created_at is not None:
            model_class.objects.filter(pk=notification.pk).update(created_at=created_at)
            notification.created_at = created_at
        return notification


class QuestionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "programmes.Question"

    programme = factory.SubFactory(ProgrammeFactory)
    label = factory.Sequence(lambda n: f"Question {n}")
    kind = "short_text"
    position = factory.Sequence(lambda n: n)


class AnswerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "programmes.Answer"

    enrolment = factory.SubFactory(EnrolmentFactory)
    question = factory.SubFactory(QuestionFactory)
    value = "An answer"


class MatchFactory(factory.django.DjangoModelFactory):
    """A match between two approved enrolments of one programme (a draft unless told)."""

    class Meta:
        model = "matching.Match"

    programme = factory.SubFactory(ProgrammeFactory)
    mentor = factory.SubFactory(EnrolmentFactory, programme=factory.SelfAttribute("..programme"), role="mentor")
    mentee = factory.SubFactory(EnrolmentFactory, programme=factory.SelfAttribute("..programme"), role="mentee")
    status = "draft"
    source = "algorithm"
    exclusive = factory.LazyAttribute(lambda match: match.programme.kind != "group")
    score = 50.0


class MatchRunFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "matching.MatchRun"

    programme = factory.SubFactory(ProgrammeFactory)
    status = "done"
    progress = 100


class MentorRequestFactory(factory.django.DjangoModelFactory):
    """A pending request from a mentee to a mentor of the same programme."""

    class Meta:
        model = "matching.MentorRequest"

    programme = factory.SubFactory(ProgrammeFactory, mentees_choose_mentor=True, status="matching")
    mentor = factory.SubFactory(EnrolmentFactory, programme=factory.SelfAttribute("..programme"), role="mentor")
    mentee = factory.SubFactory(EnrolmentFactory, programme=factory.SelfAttribute("..programme"), role="mentee")
    status = "pending"
    score = 60.0
    expires_at = factory.LazyFunction(lambda: timezone.now() + datetime.timedelta(days=7))


class MeetingFactory(factory.django.DjangoModelFactory):
    """A scheduled online meeting of an active match, a week from now unless told."""

    class Meta:
        model = "mentoring_sessions.Meeting"

    match = factory.SubFactory(MatchFactory, status="active")
    organiser = factory.LazyAttribute(lambda meeting: meeting.match.mentor.user)
    start = factory.LazyFunction(lambda: (timezone.now() + datetime.timedelta(days=7)).replace(microsecond=0))
    duration_minutes = 60
    mode = "online"
    video_link = "https://meet.example.com/abc"
    uid = factory.Sequence(lambda n: f"meeting-{n}@mentoring")


class MeetingNoteFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "mentoring_sessions.MeetingNote"

    meeting = factory.SubFactory(MeetingFactory)
    author = factory.LazyAttribute(lambda note: note.meeting.match.mentor.user)
    visibility = "shared"
    text = "We talked about delegation."


class ActionItemFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "mentoring_sessions.ActionItem"

    match = factory.SubFactory(MatchFactory, status="active")
    owner = factory.LazyAttribute(lambda item: item.match.mentee.user)
    description = "Read the chapter on feedback"


class GoalTemplateFactory(factory.django.DjangoModelFactory):
    """A goal a coordinator offers to every pair of a programme."""

    class Meta:
        model = "goals.GoalTemplate"

    programme = factory.SubFactory(ProgrammeFactory)
    title = factory.Sequence(lambda n: f"Suggested goal {n}")
    success_measure = "Signed mentoring agreement"
    target_week = 12
    position = factory.Sequence(lambda n: n)


class MilestoneTemplateFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "goals.MilestoneTemplate"

    template = factory.SubFactory(GoalTemplateFactory)
    title = factory.Sequence(lambda n: f"Suggested milestone {n}")
    due_week = 2
    position = factory.Sequence(lambda n: n)


class GoalFactory(factory.django.DjangoModelFactory):
    """A goal of an active match, written by its mentee."""

    class Meta:
        model = "goals.Goal"

    match = factory.SubFactory(MatchFactory, status="active")
    title = factory.Sequence(lambda n: f"Goal {n}")
    why = "It matters for my next role."
    success_measure = "Lead three meetings"
    target_date = factory.LazyFunction(lambda: timezone.localdate() + datetime.timedelta(days=60))
    created_by = factory.LazyAttribute(lambda goal: goal.match.mentee.user)


class MilestoneFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "goals.Milestone"

    goal = factory.SubFactory(GoalFactory)
    title = factory.Sequence(lambda n: f"Milestone {n}")
    due_on = factory.LazyFunction(lambda: timezone.localdate() + datetime.timedelta(days=14))
    position = factory.Sequence(lambda n: n)


class ProgressUpdateFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "goals.ProgressUpdate"

    goal = factory.SubFactory(GoalFactory)
    author = factory.LazyAttribute(lambda update: update.goal.match.mentee.user)
    text = "Led my first team meeting."
    progress = 30


def pair_match(programme, mentor, mentee, **fields):
    """A match between the mentor's and the mentee's enrolments in `programme`, active
    unless `status` says otherwise."""
    return MatchFactory(
        programme=programme,
        mentor=mentor.enrolments.get(programme=programme),
        mentee=mentee.enrolments.get(programme=programme),
        **{"status": "active", **fields},
    )
