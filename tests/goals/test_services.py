import datetime

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from goals.models import Feedback, Goal, GoalSettings, Milestone, ProgressUpdate
from goals.services import goals as services
from goals.services import templates as template_services
from notifications.models import Notification
from tests.factories import (
    GoalFactory,
    GoalTemplateFactory,
    MatchFactory,
    MilestoneFactory,
    MilestoneTemplateFactory,
    ProgressUpdateFactory,
    SkillFactory,
)


def _notified(kind: str) -> list[int]:
    return sorted(Notification.objects.filter(kind=kind).values_list("recipient_id", flat=True))


# --- Creating and changing goals ---------------------------------------------------------


def test_create_goal_with_milestones_and_the_mentees_skills(match, mentee, mentee_skills):
    due = timezone.localdate() + datetime.timedelta(days=10)

    goal = services.create_goal(
        match=match,
        by=mentee,
        title="  Lead   the team meeting ",
        why="Visibility",
        success_measure="4 meetings",
        target_date=due,
        skills=[mentee_skills[0], mentee_skills[1].pk],
        milestones=[("Draft an agenda", due), ("Lead one", None)],
    )

    goal.refresh_from_db()
    assert goal.title == "Lead the team meeting"
    assert goal.created_by == mentee
    assert set(goal.skills.all()) == set(mentee_skills)
    assert [m.title for m in goal.milestones.all()] == ["Draft an agenda", "Lead one"]
    assert goal.progress == 0


def test_a_skill_off_the_mentees_profile_is_a_field_error(match, mentee, mentor, mentee_skills):
    mentors_skill = SkillFactory(name="Negotiation")
    mentor.profile.skills_offered.add(mentors_skill)

    with pytest.raises(ValidationError) as error:
        services.create_goal(match=match, by=mentee, title="Negotiate", skills=[mentors_skill])

    assert "Negotiation" in str(error.value.message_dict["skills"])
    assert not Goal.objects.exists()


def test_an_unknown_skill_id_is_a_field_error(match, mentee):
    with pytest.raises(ValidationError) as error:
        services.create_goal(match=match, by=mentee, title="Grow", skills=[987654])

    assert "skills" in error.value.message_dict


def test_an_empty_title_is_refused(match, mentee):
    with pytest.raises(ValidationError) as error:
        services.create_goal(match=match, by=mentee, title="   ")

    assert "title" in error.value.message_dict


def test_a_bad_milestone_writes_nothing(match, mentee):
    with pytest.raises(ValidationError):
        services.create_goal(match=match, by=mentee, title="Grow", milestones=[("Fine", None), ("", None)])

    assert not Goal.objects.exists()
    assert not Milestone.objects.exists()


@pytest.mark.parametrize(
    ("status", "message"), [("ended", "ended"), ("declined", "declined"), ("draft", "not published")]
)
def test_goals_are_read_only_unless_the_match_is_published_and_live(match, mentee, status, message):
    goal = GoalFactory(match=match)
    match.status = status
    match.save()

    with pytest.raises(ValidationError, match=message):
        services.create_goal(match=match, by=mentee, title="Too late")
    with pytest.raises(ValidationError, match=message):
        services.update_goal(goal=goal, by=mentee, title="Changed")
    with pytest.raises(ValidationError, match=message):
        services.add_progress_update(goal=goal, by=mentee, text="Did it")

    goal.refresh_from_db()
    assert goal.title != "Changed"


@pytest.mark.parametrize("status", ["proposed", "accepted"])
def test_goals_can_be_written_before_the_match_is_active(match, mentee, status):
    match.status = status
    match.save()

    goal = services.create_goal(match=match, by=mentee, title="Get to know each other")

    assert goal.pk


def test_only_the_pair_writes_goals(match, coordinator):
    with pytest.raises(ValidationError, match="Only the mentor and the mentee"):
        services.create_goal(match=match, by=coordinator, title="Imposed")


def test_update_goal_changes_only_the_fields_given(goal, mentor):
    services.update_goal(goal=goal, by=mentor, why="Because", target_date=None)

    goal.refresh_from_db()
    assert (goal.why, goal.target_date, goal.title) == ("Because", None, "Lead the weekly team meeting")


def test_update_goal_keeps_a_skill_the_mentee_has_since_removed(goal, mentee, mentee_skills):
    goal.skills.add(mentee_skills[0])
    mentee.profile.skills_wanted.remove(mentee_skills[0])

    services.update_goal(goal=goal, by=mentee, skills=[mentee_skills[0], mentee_skills[1]])

    assert set(goal.skills.all()) == set(mentee_skills)


# --- Progress ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("done", "total", "expected"),
    [(0, 4, 0), (1, 3, 33), (2, 3, 67), (1, 8, 13), (3, 8, 38), (1, 6, 17), (1, 200, 1), (4, 4, 100)],
)
def test_progress_from_milestones_rounds_half_up(done, total, expected):
    assert (
        services.derive_progress(status="in_progress", manual_progress=90, milestones_total=total, milestones_done=done)
        == expected
    )


def test_progress_follows_milestones_and_ignores_the_hand_set_value(goal, mentee):
    services.update_goal(goal=goal, by=mentee, manual_progress=40)
    goal.refresh_from_db()
    assert goal.progress == 40

    milestones = [services.add_milestone(goal=goal, by=mentee, title=f"Step {n}") for n in range(3)]
    goal.refresh_from_db()
    assert goal.progress == 0

    services.set_milestone_done(milestone=milestones[0], by=mentee, done=True)
    services.set_milestone_done(milestone=milestones[1], by=mentee, done=True)
    goal.refresh_from_db()
    assert goal.progress == 67

    services.delete_milestone(milestone=milestones[2], by=mentee)
    goal.refresh_from_db()
    assert goal.progress == 100

    services.set_milestone_done(milestone=milestones[1], by=mentee, done=False)
    goal.refresh_from_db()
    assert goal.progress == 50


def test_hand_set_progress_is_refused_once_there_are_milestones(goal, mentee):
    MilestoneFactory(goal=goal)

    with pytest.raises(ValidationError) as error:
        services.update_goal(goal=goal, by=mentee, manual_progress=80)
    assert "manual_progress" in error.value.message_dict
    with pytest.raises(ValidationError) as error:
        services.add_progress_update(goal=goal, by=mentee, text="Done a lot", progress=80)
    assert "progress" in error.value.message_dict


def test_achieved_forces_100_and_reopening_derives_again(goal, mentee):
    milestones = [MilestoneFactory(goal=goal) for _ in range(4)]
    services.set_milestone_done(milestone=milestones[0], by=mentee, done=True)

    services.set_goal_status(goal=goal, by=mentee, status="achieved")
    goal.refresh_from_db()
    assert (goal.status, goal.progress, goal.achieved_by) == ("achieved", 100, mentee)
    assert goal.achieved_at is not None

    services.set_goal_status(goal=goal, by=mentee, status="in_progress")
    goal.refresh_from_db()
    assert (goal.progress, goal.achieved_at, goal.achieved_by) == (25, None, None)


def test_dropping_stamps_the_date_and_reopening_clears_it(goal, mentor):
    services.set_goal_status(goal=goal, by=mentor, status="dropped")
    goal.refresh_from_db()
    assert goal.dropped_at is not None

    services.set_goal_status(goal=goal, by=mentor, status="not_started")
    goal.refresh_from_db()
    assert (goal.status, goal.dropped_at) == ("not_started", None)


def test_an_unknown_status_is_a_field_error(goal, mentee):
    with pytest.raises(ValidationError) as error:
        services.set_goal_status(goal=goal, by=mentee, status="finished")

    assert "status" in error.value.message_dict


def test_a_progress_update_records_the_progress_and_starts_the_goal(goal, mentor):
    update = services.add_progress_update(goal=goal, by=mentor, text="  First meeting led  ", progress=25)

    goal.refresh_from_db()
    assert (update.text, update.progress, update.author) == ("First meeting led", 25, mentor)
    assert (goal.status, goal.manual_progress, goal.progress) == ("in_progress", 25, 25)


def test_a_progress_update_without_progress_keeps_it(goal, mentee):
    services.update_goal(goal=goal, by=mentee, manual_progress=30)

    update = services.add_progress_update(goal=goal, by=mentee, text="Slow week")

    assert update.progress == 30


def test_an_empty_update_is_refused(goal, mentee):
    with pytest.raises(ValidationError) as error:
        services.add_progress_update(goal=goal, by=mentee, text="  ")

    assert "text" in error.value.message_dict
    assert not ProgressUpdate.objects.exists()


def test_stale_copies_still_derive_the_right_progress(goal, mentor, mentee):
    """Both sides opened the page before either ticked a milestone: each service call
    re-reads under the lock, so the second tick counts the first."""
    MilestoneFactory.create_batch(3, goal=goal)
    mentors_view = list(Milestone.objects.filter(goal=goal).order_by("pk"))
    mentees_view = list(Milestone.objects.filter(goal=goal).order_by("pk"))
    stale_goal = Goal.objects.get(pk=goal.pk)

    services.set_milestone_done(milestone=mentors_view[0], by=mentor, done=True)
    services.set_milestone_done(milestone=mentees_view[1], by=mentee, done=True)
    services.set_milestone_done(milestone=mentees_view[0], by=mentee, done=True)

    goal.refresh_from_db()
    assert goal.progress == 67
    services.set_goal_status(goal=goal, by=mentor, status="achieved")
    services.update_goal(goal=stale_goal, by=mentee, why="Still true")
    goal.refresh_from_db()
    assert (goal.status, goal.progress, goal.why) == ("achieved", 100, "Still true")


def test_a_milestone_of_a_deleted_row_is_reported(goal, mentee):
    milestone = MilestoneFactory(goal=goal)
    copy = Milestone.objects.get(pk=milestone.pk)
    services.delete_milestone(milestone=milestone, by=mentee)

    with pytest.raises(ValidationError, match="no longer exists"):
        services.set_milestone_done(milestone=copy, by=mentee, done=True)


# --- Celebrations and feedback -----------------------------------------------------------


def test_achieving_tells_both_sides_exactly_once(goal, mentor, mentee):
    services.set_goal_status(goal=goal, by=mentee, status="achieved")
    services.set_goal_status(goal=goal, by=mentee, status="achieved")
    services.set_goal_status(goal=Goal.objects.get(pk=goal.pk), by=mentor, status="achieved")

    assert _notified("goal_achieved") == sorted([mentor.pk, mentee.pk])
    notification = Notification.objects.get(kind="goal_achieved", recipient=mentor)
    assert "Lead the weekly team meeting" in notification.title
    assert notification.url == goal.get_absolute_url()
    assert "Milo Mentee marked" in notification.body


def test_creating_an_achieved_goal_celebrates(match, mentee):
    goal = services.create_goal(match=match, by=mentee, title="Done already", status="achieved")

    assert goal.progress == 100
    assert len(_notified("goal_achieved")) == 2


def test_a_milestone_done_twice_is_celebrated_once(goal, mentor, mentee):
    milestone = MilestoneFactory(goal=goal, title="Agenda drafted")

    first = services.set_milestone_done(milestone=milestone, by=mentee, done=True)
    again = services.set_milestone_done(milestone=milestone, by=mentor, done=True)

    assert again.done_at == first.done_at
    assert again.done_by == mentee
    assert _notified("milestone_done") == sorted([mentor.pk, mentee.pk])
    assert "Agenda drafted" in Notification.objects.filter(kind="milestone_done").first().title


def test_feedback_is_the_mentors_and_tells_the_mentee(goal, mentor, mentee):
    update = ProgressUpdateFactory(goal=goal)

    feedback = services.add_feedback(goal=goal, by=mentor, text="Great step", update=update)

    assert (feedback.update, feedback.author) == (update, mentor)
    assert _notified("goal_feedback") == [mentee.pk]
    assert "Great step" in Notification.objects.get(kind="goal_feedback").body
    with pytest.raises(ValidationError, match="mentor's to give"):
        services.add_feedback(goal=goal, by=mentee, text="Self-praise")


def test_feedback_on_an_update_of_another_goal_is_refused(goal, mentor):
    foreign = ProgressUpdateFactory(goal=GoalFactory(match=goal.match))

    with pytest.raises(ValidationError) as error:
        services.add_feedback(goal=goal, by=mentor, text="Hm", update=foreign)

    assert "update" in error.value.message_dict
    assert not Feedback.objects.exists()


# --- Templates ---------------------------------------------------------------------------


def test_adopting_a_template_dates_it_from_the_match_start(match, mentee):
    template = GoalTemplateFactory(programme=match.programme, title="Agree how we work", target_week=6)
    MilestoneTemplateFactory(template=template, title="Agreement signed", due_week=2)

    goal = services.adopt_template(match=match, template=template, by=mentee)

    start = datetime.date(2027, 1, 4)
    assert (goal.title, goal.template, goal.target_date) == (
        "Agree how we work",
        template,
        start + datetime.timedelta(weeks=6),
    )
    assert list(goal.milestones.values_list("title", "due_on")) == [("Agreement signed", datetime.date(2027, 1, 18))]


def test_adoption_dates_fall_back_to_publication_then_today(match, mentee):
    template = GoalTemplateFactory(programme=match.programme, target_week=1)
    match.started_at = None
    match.save()
    assert services.adopt_template(match=match, template=template, by=mentee).target_date == datetime.date(2027, 1, 8)

    match.published_at = None
    match.save()
    assert services.match_start_date(match) == timezone.localdate()


def test_adopting_the_same_template_twice_is_refused(match, mentee, mentor):
    template = GoalTemplateFactory(programme=match.programme, title="Agree how we work")
    services.adopt_template(match=match, template=template, by=mentee)

    with pytest.raises(ValidationError, match="already adopted"):
        services.adopt_template(match=match, template=template, by=mentor)
    assert Goal.objects.filter(template=template).count() == 1


def test_inactive_or_foreign_templates_cannot_be_adopted(match, mentee, other_programme):
    withdrawn = GoalTemplateFactory(programme=match.programme, is_active=False)
    foreign = GoalTemplateFactory(programme=other_programme)

    with pytest.raises(ValidationError, match="no longer offer"):
        services.adopt_template(match=match, template=withdrawn, by=mentee)
    with pytest.raises(ValidationError, match="another programme"):
        services.adopt_template(match=match, template=foreign, by=mentee)


def test_another_pair_may_adopt_the_same_template(match, mentee):
    template = GoalTemplateFactory(programme=match.programme)
    other = MatchFactory(programme=match.programme, status="active")
    services.adopt_template(match=match, template=template, by=mentee)

    services.adopt_template(match=other, template=template, by=other.mentee.user)

    assert Goal.objects.filter(template=template).count() == 2


def test_template_crud_and_order(programme, coordinator):
    first = template_services.create_goal_template(
        programme=programme, by=coordinator, title="First", target_week=8, milestones=[("Kick-off", 1)]
    )
    second = template_services.create_goal_template(programme=programme, by=coordinator, title="Second")

    template_services.move_goal_template(template=second, by=coordinator, direction="up")
    assert list(programme.goal_templates.order_by("position").values_list("title", flat=True)) == ["Second", "First"]

    template_services.update_goal_template(
        template=first, by=coordinator, title="First!", milestones=[("A", 2), ("B", 4)]
    )
    first.refresh_from_db()
    assert first.title == "First!"
    assert list(first.milestones.values_list("title", "due_week")) == [("A", 2), ("B", 4)]

    template_services.set_goal_template_active(template=first, by=coordinator, active=False)
    first.refresh_from_db()
    assert not first.is_active

    template_services.reorder_goal_templates(programme=programme, by=coordinator, template_ids=[first.pk, second.pk])
    assert list(programme.goal_templates.order_by("position").values_list("pk", flat=True)) == [first.pk, second.pk]
    with pytest.raises(ValidationError):
        template_services.reorder_goal_templates(programme=programme, by=coordinator, template_ids=[first.pk])

    template_services.delete_goal_template(template=second, by=coordinator)
    assert list(programme.goal_templates.values_list("pk", flat=True)) == [first.pk]


def test_a_template_milestone_after_the_target_is_refused(programme, coordinator):
    with pytest.raises(ValidationError, match="after the goal's target"):
        template_services.create_goal_template(
            programme=programme, by=coordinator, title="Short", target_week=4, milestones=[("Late", 6)]
        )


def test_templates_of_a_closed_programme_do_not_change(programme, coordinator):
    template = GoalTemplateFactory(programme=programme)
    programme.status = "closed"
    programme.save()

    with pytest.raises(ValidationError, match="closed"):
        template_services.update_goal_template(template=template, by=coordinator, title="New")
    with pytest.raises(ValidationError, match="closed"):
        template_services.create_goal_template(programme=programme, by=coordinator, title="New")


def test_goal_settings_are_created_on_first_use_and_updated(programme, coordinator):
    assert not GoalSettings.objects.exists()
    assert services.goal_settings_for(programme).overdue_grace_days == 14

    template_services.update_goal_settings(
        programme=programme, by=coordinator, overdue_grace_days=3, hr_sees_content=True
    )

    settings = GoalSettings.objects.get(programme=programme)
    assert (settings.overdue_grace_days, settings.hr_sees_content) == (3, True)
    with pytest.raises(ValidationError):
        template_services.update_goal_settings(programme=programme, by=coordinator, overdue_grace_days=400)


# --- Hints -------------------------------------------------------------------------------


def test_smart_hints_point_out_what_is_missing():
    today = datetime.date(2027, 5, 1)

    hints = services.smart_hints(title="Grow", today=today)

    assert any("No target date: when will you know?" in hint for hint in hints)
    assert any("No measure" in hint for hint in hints)
    assert any("Why does it matter" in hint for hint in hints)
    complete = services.smart_hints(
        title="Lead the weekly team meeting", why="Visibility", success_measure="Lead 4 meetings",
        target_date=datetime.date(2027, 7, 1), today=today,
    )  # fmt: skip
    assert complete == []
    assert services.smart_hints(title="Grow", status="achieved") == []
    assert any(
        "passed" in hint
        for hint in services.smart_hints(
            title="x y z", success_measure="3", target_date=datetime.date(2027, 4, 1), today=today
        )
    )


def test_ticking_off_a_milestone_starts_a_goal_that_had_not_started(db):
    from goals.models import Goal
    from goals.services import goals as goal_services
    from tests.factories import GoalFactory, MilestoneFactory

    goal = GoalFactory(status=Goal.Status.NOT_STARTED)
    milestone = MilestoneFactory(goal=goal)

    goal_services.set_milestone_done(milestone=milestone, by=goal.match.mentee.user, done=True)

    goal.refresh_from_db()
    assert goal.status == Goal.Status.IN_PROGRESS
    assert goal.progress == 100
