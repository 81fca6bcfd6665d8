"""A pair's goals: write goals, milestones, progress updates and the mentor's feedback;
derive progress; adopt a programme's goal templates; celebrate achievements.

Decisions:
- Goals change only while their match is published and not over (PROPOSED, ACCEPTED,
  ACTIVE); an ended or declined match keeps its goals as a read-only record.
- Every write locks the match row, then the goal row (then the milestone row), always in
  that order, and re-reads what it changes under the lock: two people ticking milestones
  of one goal at once both count, progress is derived from the committed milestones, a
  double click on "done" or "achieved" celebrates once, and a goal cannot change while
  its match is being ended.
- Progress is stored on the goal (reports average it in one query) and derived in one
  place, `refresh_progress`: done milestones / milestones * 100 rounded half up when the
  goal has milestones, else the progress set by hand; 100 once achieved.
- A progress update on a goal that has not started moves it to "in progress": writing an
  update means the work began. Reaching 100 % by hand does not achieve the goal: achieving
  is a deliberate step, and the one that celebrates.
- Skills linked to a goal come from the mentee's profile (skills wanted or offered).
"""

import datetime
from collections.abc import Iterable
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Avg, Count, Max, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from goals.models import Feedback, Goal, GoalSettings, GoalTemplate, Milestone, ProgressUpdate
from matching.models import Match
from notifications.services import notify
from profiles.models import Skill, User
from programmes.models import Programme

GOAL_FIELDS = frozenset({"title", "why", "success_measure", "target_date", "manual_progress", "skills", "status"})
MILESTONE_FIELDS = frozenset({"title", "due_on"})
MAX_MILESTONES = 50
TITLE_LIMIT = 200
LONG_HORIZON_DAYS = 366


# --- Reads that services, views and the API share ----------------------------------------


def derive_progress(*, status: str, manual_progress: int, milestones_total: int, milestones_done: int) -> int:
    if status == Goal.Status.ACHIEVED:
        return 100
    if milestones_total:
        # Half up in integers: 1 of 8 is 13 %, 2 of 3 is 67 % (round() would give 12 for 12.5).
        return (200 * milestones_done + milestones_total) // (2 * milestones_total)
    return manual_progress


def is_overdue(goal: Goal, today: datetime.date | None = None) -> bool:
    today = today or timezone.localdate()
    return goal.status in Goal.OPEN_STATUSES and goal.target_date is not None and goal.target_date < today


def match_start_date(match: Match) -> datetime.date:
    """The day a pair's mentoring started: active since, else proposed, else today."""
    moment = match.started_at or match.published_at
    return timezone.localdate(moment) if moment else timezone.localdate()


def mentee_skills(match: Match, goal: Goal | None = None) -> QuerySet[Skill]:
    """The skills a goal of this match may link to: the mentee's profile skills, and those the
    goal links to already (a skill the mentee has since taken off their profile stays)."""
    user_id = match.mentee.user_id
    rule = Q(wanted_by__user_id=user_id) | Q(offered_by__user_id=user_id)
    if goal is not None and goal.pk:
        rule |= Q(pk__in=Goal.skills.through.objects.filter(goal_id=goal.pk).values("skill_id"))
    return Skill.objects.filter(rule).distinct().order_by("name")


def with_milestone_counts(goals: QuerySet[Goal]) -> QuerySet[Goal]:
    """Annotate `milestones_total` and `milestones_done` (distinct: scoped querysets join)."""
    return goals.annotate(
        milestones_total=Count("milestones", distinct=True),
        milestones_done=Count("milestones", filter=Q(milestones__done_at__isnull=False), distinct=True),
    )


def goal_summary(match: Match) -> dict[str, Any]:
    """Counts per status and mean progress, without content: what HR admins see where the
    programme keeps goal content to the pair and its coordinators."""
    summary = Goal.objects.filter(match=match).aggregate(
        total=Count("pk"),
        mean_progress=Avg("progress"),
        **{status: Count("pk", filter=Q(status=status)) for status in Goal.Status.values},
    )
    summary["mean_progress"] = round(summary["mean_progress"] or 0)
    summary["statuses"] = [(label, summary[value]) for value, label in Goal.Status.choices]
    return summary


def adopted_template_ids(match: Match) -> set[int]:
    return set(Goal.objects.filter(match=match, template__isnull=False).values_list("template_id", flat=True))


def smart_hints(
    *,
    title: str = "",
    why: str = "",
    success_measure: str = "",
    target_date: datetime.date | None = None,
    milestones: int = 0,
    status: str = Goal.Status.NOT_STARTED,
    today: datetime.date | None = None,
) -> list[str]:
    """What a SMART goal still lacks, as friendly questions. Hints never block saving."""
    if status not in Goal.OPEN_STATUSES:
        return []
    today = today or timezone.localdate()
    hints = []
    if title and len(title.split()) < 3:
        hints.append(_("A short title: is it specific? Say what you will do, e.g. “Lead the weekly team meeting”."))
    measure = success_measure.strip()
    if not measure:
        hints.append(_("No measure of success: how will you know you got there?"))
    elif not any(char.isdigit() for char in measure):
        hints.append(_("No number in the measure: can you count it, time it or give it a date?"))
    if target_date is None:
        hints.append(_("No target date: when will you know?"))
    elif target_date < today:
        hints.append(_("The target date has passed: pick a new date, or mark the goal achieved or dropped."))
    elif (target_date - today).days > LONG_HORIZON_DAYS and not milestones:
        hints.append(_("More than a year away: add milestones to see progress on the way."))
    if not why.strip():
        hints.append(_("Why does it matter? Writing it down keeps you going when it gets hard."))
    return hints


def hints_for(goal: Goal, milestones: int | None = None) -> list[str]:
    if milestones is None:
        milestones = goal.milestones.count()
    return smart_hints(
        title=goal.title, why=goal.why, success_measure=goal.success_measure, target_date=goal.target_date,
        milestones=milestones, status=goal.status,
    )  # fmt: skip


# --- Checks and locks --------------------------------------------------------------------


def _check_writable(match: Match) -> None:
    if match.status in Match.PUBLISHED_LIVE_STATUSES:
        return
    if match.status == Match.Status.ENDED:
        raise ValidationError(_("This match has ended: its goals are kept as a record and can no longer change."))
    if match.status == Match.Status.DECLINED:
        raise ValidationError(_("This match was declined: its goals can no longer change."))
    raise ValidationError(_("This match is not published yet: goals come once the pair has been told."))


def _check_side(match: Match, by: User) -> None:
    if by.pk not in {match.mentor.user_id, match.mentee.user_id}:
        raise ValidationError(_("Only the mentor and the mentee of the pair write its goals."))


def _locked_match(match_id: int) -> Match:
    match = (
        Match.objects.select_for_update(of=("self",))
        .select_related("programme", "mentor__user", "mentee__user")
        .get(pk=match_id)
    )
    _check_writable(match)
    return match


def _lock_goal(goal: Goal, by: User) -> Goal:
    match = _locked_match(goal.match_id)
    _check_side(match, by)
    locked = Goal.objects.select_for_update(of=("self",)).get(pk=goal.pk)
    locked.match = match
    return locked


def _lock_milestone(milestone: Milestone, by: User) -> Milestone:
    goal = _lock_goal(Goal(pk=milestone.goal_id, match_id=_match_id_of(milestone)), by)
    locked = Milestone.objects.select_for_update(of=("self",)).filter(pk=milestone.pk, goal_id=goal.pk).first()
    if locked is None:
        raise ValidationError(_("This milestone no longer exists."))
    locked.goal = goal
    return locked


def _match_id_of(milestone: Milestone) -> int:
    if "goal" in milestone._state.fields_cache:
        return milestone.goal.match_id
    return Goal.objects.values_list("match_id", flat=True).get(pk=milestone.goal_id)


# --- Cleaning ----------------------------------------------------------------------------


def _one_line(value: Any, field: str) -> str:
    if not isinstance(value, str):
        raise ValidationError({field: _("Write this as text.")})
    return " ".join(value.split())


def _text(value: Any, field: str) -> str:
    if not isinstance(value, str):
        raise ValidationError({field: _("Write this as text.")})
    return value.strip()


def _date(value: Any, field: str) -> datetime.date | None:
    if value is None:
        return None
    if not isinstance(value, datetime.date) or isinstance(value, datetime.datetime):
        raise ValidationError({field: _("Give a date.")})
    return value


def _percent(value: Any, field: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 100:
        raise ValidationError({field: _("Give a whole number from 0 to 100.")})
    return value


def _clean_milestones(milestones: Iterable[tuple[str, datetime.date | None]]) -> list[tuple[str, datetime.date | None]]:
    rows = []
    for title, due_on in milestones:
        title = _one_line(title, "milestones")
        if not title:
            raise ValidationError({"milestones": _("Each milestone needs a title.")})
        if len(title) > TITLE_LIMIT:
            raise ValidationError(
                {"milestones": _("Keep each milestone under %(limit)d characters.") % {"limit": TITLE_LIMIT}}
            )
        rows.append((title, _date(due_on, "milestones")))
    if len(rows) > MAX_MILESTONES:
        raise ValidationError({"milestones": _("At most %(count)d milestones.") % {"count": MAX_MILESTONES}})
    return rows


def _resolve_skills(match: Match, skills: Iterable[Skill | int], goal: Goal | None = None) -> list[Skill]:
    wanted: list[int] = []
    for skill in skills:
        pk = skill.pk if isinstance(skill, Skill) else skill
        if isinstance(pk, bool) or not isinstance(pk, int):
            raise ValidationError({"skills": _("Give skills by their id.")})
        if pk not in wanted:
            wanted.append(pk)
    if not wanted:
        return []
    allowed = {skill.pk: skill for skill in mentee_skills(match, goal).filter(pk__in=wanted)}
    missing = [pk for pk in wanted if pk not in allowed]
    if missing:
        names = ", ".join(Skill.objects.filter(pk__in=missing).order_by("name").values_list("name", flat=True))
        if names:
            message = _("Link skills from the mentee's profile only; not there: %(names)s.") % {"names": names}
        else:
            message = _("Link skills from the mentee's profile only.")
        raise ValidationError({"skills": message})
    return [allowed[pk] for pk in wanted]


def _validate(instance: Goal | Milestone | ProgressUpdate | Feedback, exclude: list[str]) -> None:
    instance.full_clean(exclude=exclude, validate_constraints=False)


GOAL_EXCLUDE = ["match", "template", "created_by", "achieved_by"]


def _apply_status(goal: Goal, status: str, by: User) -> bool:
    """Set the status and its stamps; returns whether the goal has just been achieved."""
    if status not in Goal.Status.values:
        raise ValidationError({"status": _("Choose a status from the list.")})
    if status == goal.status:
        return False
    now = timezone.now()
    goal.status = status
    goal.achieved_at = now if status == Goal.Status.ACHIEVED else None
    goal.achieved_by = by if status == Goal.Status.ACHIEVED else None
    goal.dropped_at = now if status == Goal.Status.DROPPED else None
    return status == Goal.Status.ACHIEVED


# --- Progress and celebrations -----------------------------------------------------------


@transaction.atomic
def refresh_progress(goal: Goal) -> int:
    """Derive and store the goal's progress from what is committed (under the goal's lock)."""
    row = Goal.objects.select_for_update().filter(pk=goal.pk).values("status", "manual_progress", "progress").get()
    counts = Milestone.objects.filter(goal_id=goal.pk).aggregate(
        total=Count("pk"), done=Count("pk", filter=Q(done_at__isnull=False))
    )
    progress = derive_progress(
        status=row["status"], manual_progress=row["manual_progress"], milestones_total=counts["total"],
        milestones_done=counts["done"],
    )  # fmt: skip
    if progress != row["progress"]:
        Goal.objects.filter(pk=goal.pk).update(progress=progress)
    goal.progress = progress
    return progress


def _celebrate(*, goal: Goal, kind: str, actor: User, milestone: Milestone | None = None) -> None:
    match = goal.match
    notify(
        recipients=[match.mentor.user, match.mentee.user],
        kind=kind,
        context={"goal": goal, "milestone": milestone, "actor": actor},
        url=goal.get_absolute_url(),
        actor=actor,
    )


# --- Goals -------------------------------------------------------------------------------


def _check_adoptable(match: Match, template: GoalTemplate) -> None:
    if template.programme_id != match.programme_id:
        raise ValidationError({"template": _("This suggestion belongs to another programme.")})
    if not template.is_active:
        raise ValidationError({"template": _("The coordinators no longer offer this suggestion.")})
    if Goal.objects.filter(match=match, template=template).exists():
        raise ValidationError(
            {"template": _("You already adopted “%(title)s”: it is among your goals.") % {"title": template.title}}
        )


def _create_goal(
    *,
    match: Match,
    by: User,
    title: str,
    why: str,
    success_measure: str,
    target_date: datetime.date | None,
    status: str,
    manual_progress: int,
    skills: Iterable[Skill | int],
    milestones: list[tuple[str, datetime.date | None]],
    template: GoalTemplate | None,
) -> Goal:
    """The body of create_goal and adopt_template, with the match locked and checked."""
    _check_side(match, by)
    if template is not None:
        _check_adoptable(match, template)
    goal = Goal(
        match=match,
        template=template,
        title=_one_line(title, "title"),
        why=_text(why, "why"),
        success_measure=_text(success_measure, "success_measure"),
        target_date=_date(target_date, "target_date"),
        manual_progress=_percent(manual_progress, "manual_progress"),
        created_by=by,
    )
    if not goal.title:
        raise ValidationError({"title": _("Say what the goal is.")})
    achieved = _apply_status(goal, status, by)
    skill_list = _resolve_skills(match, skills)
    _validate(goal, GOAL_EXCLUDE)
    goal.save()
    goal.skills.set(skill_list)
    Milestone.objects.bulk_create(
        [
            Milestone(goal=goal, title=row_title, due_on=due_on, position=n)
            for n, (row_title, due_on) in enumerate(milestones)
        ]
    )
    refresh_progress(goal)
    if achieved:
        _celebrate(goal=goal, kind="goal_achieved", actor=by)
    return goal


def create_goal(
    *,
    match: Match,
    by: User,
    title: str,
    why: str = "",
    success_measure: str = "",
    target_date: datetime.date | None = None,
    status: str = Goal.Status.NOT_STARTED,
    manual_progress: int = 0,
    skills: Iterable[Skill | int] = (),
    milestones: Iterable[tuple[str, datetime.date | None]] = (),
    template: GoalTemplate | None = None,
) -> Goal:
    """A new goal of the pair, with its first milestones (`(title, due_on)` pairs). With a
    `template` (the form pre-filled from a suggestion) the goal counts as that adoption."""
    rows = _clean_milestones(milestones)
    with transaction.atomic():
        match = _locked_match(match.pk)
        return _create_goal(
            match=match, by=by, title=title, why=why, success_measure=success_measure, target_date=target_date,
            status=status, manual_progress=manual_progress, skills=skills, milestones=rows, template=template,
        )  # fmt: skip


def adopt_template(*, match: Match, template: GoalTemplate, by: User) -> Goal:
    """Copy a programme's suggested goal into the pair's goals, dated from the match start."""
    with transaction.atomic():
        match = _locked_match(match.pk)
        template = GoalTemplate.objects.filter(pk=template.pk).first()
        if template is None:
            raise ValidationError({"template": _("This suggestion no longer exists.")})
        start = match_start_date(match)
        rows = [
            (milestone.title, start + datetime.timedelta(weeks=milestone.due_week))
            for milestone in template.milestones.all()
        ]
        target = start + datetime.timedelta(weeks=template.target_week) if template.target_week else None
        return _create_goal(
            match=match, by=by, title=template.title, why=template.why, success_measure=template.success_measure,
            target_date=target, status=Goal.Status.NOT_STARTED, manual_progress=0, skills=(), milestones=rows,
            template=template,
        )  # fmt: skip


def update_goal(*, goal: Goal, by: User, **fields: Any) -> Goal:
    """Change some of: title, why, success_measure, target_date, manual_progress, skills,
    status (as `set_goal_status` does)."""
    unknown = set(fields) - GOAL_FIELDS
    if unknown:
        raise TypeError(f"update_goal() got unexpected fields: {', '.join(sorted(unknown))}")
    with transaction.atomic():
        locked = _lock_goal(goal, by)
        if "title" in fields:
            locked.title = _one_line(fields["title"], "title")
            if not locked.title:
                raise ValidationError({"title": _("Say what the goal is.")})
        for name in ("why", "success_measure"):
            if name in fields:
                setattr(locked, name, _text(fields[name], name))
        if "target_date" in fields:
            locked.target_date = _date(fields["target_date"], "target_date")
        if "manual_progress" in fields:
            value = _percent(fields["manual_progress"], "manual_progress")
            if value != locked.manual_progress and locked.milestones.exists():
                raise ValidationError(
                    {"manual_progress": _("This goal's progress follows its milestones: tick them off instead.")}
                )
            locked.manual_progress = value
        achieved = _apply_status(locked, fields["status"], by) if "status" in fields else False
        skill_list = _resolve_skills(locked.match, fields["skills"], locked) if "skills" in fields else None
        _validate(locked, GOAL_EXCLUDE)
        locked.save()
        if skill_list is not None:
            locked.skills.set(skill_list)
        refresh_progress(locked)
        if achieved:
            _celebrate(goal=locked, kind="goal_achieved", actor=by)
    return locked


def set_goal_status(*, goal: Goal, by: User, status: str) -> Goal:
    """Achieved stamps who and when, makes progress 100 and celebrates with both sides;
    dropped stamps when; back to not started or in progress clears both. Setting the
    status a goal already has changes nothing and tells nobody."""
    return update_goal(goal=goal, by=by, status=status)


# --- Milestones --------------------------------------------------------------------------


def add_milestone(*, goal: Goal, by: User, title: str, due_on: datetime.date | None = None) -> Milestone:
    ((title, due_on),) = _clean_milestones([(title, due_on)])
    with transaction.atomic():
        locked = _lock_goal(goal, by)
        existing = locked.milestones.aggregate(count=Count("pk"), last=Max("position"))
        if existing["count"] >= MAX_MILESTONES:
            raise ValidationError({"title": _("At most %(count)d milestones.") % {"count": MAX_MILESTONES}})
        last = existing["last"]
        milestone = Milestone(goal=locked, title=title, due_on=due_on, position=0 if last is None else last + 1)
        _validate(milestone, ["goal", "done_by"])
        milestone.save()
        refresh_progress(locked)
    return milestone


def update_milestone(*, milestone: Milestone, by: User, **fields: Any) -> Milestone:
    """Change a milestone's title and/or due date."""
    unknown = set(fields) - MILESTONE_FIELDS
    if unknown:
        raise TypeError(f"update_milestone() got unexpected fields: {', '.join(sorted(unknown))}")
    with transaction.atomic():
        locked = _lock_milestone(milestone, by)
        if "title" in fields:
            locked.title = _one_line(fields["title"], "title")
            if not locked.title:
                raise ValidationError({"title": _("Say what the milestone is.")})
        if "due_on" in fields:
            locked.due_on = _date(fields["due_on"], "due_on")
        _validate(locked, ["goal", "done_by"])
        locked.save(update_fields=["title", "due_on"])
    return locked


def delete_milestone(*, milestone: Milestone, by: User) -> None:
    with transaction.atomic():
        locked = _lock_milestone(milestone, by)
        goal = locked.goal
        locked.delete()
        refresh_progress(goal)


def set_milestone_done(*, milestone: Milestone, by: User, done: bool) -> Milestone:
    """Tick a milestone off (celebrated with both sides) or back on. Ticking off a milestone
    that is already done changes nothing and tells nobody."""
    with transaction.atomic():
        locked = _lock_milestone(milestone, by)
        if (locked.done_at is not None) == done:
            return locked
        locked.done_at = timezone.now() if done else None
        locked.done_by = by if done else None
        locked.save(update_fields=["done_at", "done_by"])
        goal = locked.goal
        if done and goal.status == Goal.Status.NOT_STARTED:
            # Ticking off a step means the work has begun, as a progress update does.
            Goal.objects.filter(pk=goal.pk).update(status=Goal.Status.IN_PROGRESS, updated_at=timezone.now())
            goal.status = Goal.Status.IN_PROGRESS
        refresh_progress(goal)
        if done:
            _celebrate(goal=goal, kind="milestone_done", actor=by, milestone=locked)
    return locked


# --- Progress updates and feedback -------------------------------------------------------


def add_progress_update(*, goal: Goal, by: User, text: str, progress: int | None = None) -> ProgressUpdate:
    """A dated note by either side. `progress` sets the goal's progress by hand, which only
    a goal without milestones has; the update records the progress it leaves the goal at."""
    text = _text(text, "text")
    if not text:
        raise ValidationError({"text": _("Write what happened first.")})
    if progress is not None:
        progress = _percent(progress, "progress")
    with transaction.atomic():
        locked = _lock_goal(goal, by)
        if progress is not None:
            if locked.milestones.exists():
                raise ValidationError(
                    {"progress": _("This goal's progress follows its milestones: tick them off instead.")}
                )
            locked.manual_progress = progress
        if locked.status == Goal.Status.NOT_STARTED:
            locked.status = Goal.Status.IN_PROGRESS
        locked.save(update_fields=["manual_progress", "status", "updated_at"])
        update = ProgressUpdate(goal=locked, author=by, text=text, progress=refresh_progress(locked))
        _validate(update, ["goal", "author"])
        update.save()
    return update


def add_feedback(*, goal: Goal, by: User, text: str, update: ProgressUpdate | None = None) -> Feedback:
    """The mentor's feedback on a goal or on one of its progress updates; the mentee is told."""
    text = _text(text, "text")
    if not text:
        raise ValidationError({"text": _("Write your feedback first.")})
    with transaction.atomic():
        match = _locked_match(goal.match_id)
        if by.pk != match.mentor.user_id:
            raise ValidationError(_("Feedback on goals is the mentor's to give."))
        locked = Goal.objects.get(pk=goal.pk)
        locked.match = match
        if update is not None and update.goal_id != locked.pk:
            raise ValidationError({"update": _("That progress update belongs to another goal.")})
        feedback = Feedback(goal=locked, update=update, author=by, text=text)
        _validate(feedback, ["goal", "update", "author"])
        feedback.save()
        notify(
            recipients=[match.mentee.user],
            kind="goal_feedback",
            context={"goal": locked, "feedback": feedback},
            url=locked.get_absolute_url(),
            actor=by,
        )
    return feedback


# --- Settings ----------------------------------------------------------------------------


def goal_settings_for(programme: Programme) -> GoalSettings:
    return GoalSettings.objects.get_or_create(programme=programme)[0]
