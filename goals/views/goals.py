"""The pair's goal pages: my goals, a match's goals, write and edit a goal (with SMART
hints), a goal's page with its milestones, progress updates and feedback, and the POST
actions behind it. Scoped fetch (404) → `can_*` (403) → validate → one service call."""

import datetime
import itertools
from operator import attrgetter

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Count, F, Prefetch, Q, QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from goals import permissions
from goals.forms import (
    MILESTONE_ROWS,
    FeedbackForm,
    GoalForm,
    GoalStatusForm,
    MilestoneDoneForm,
    MilestoneForm,
    ProgressUpdateForm,
)
from goals.models import Feedback, Goal, GoalTemplate, Milestone, ProgressUpdate
from goals.services import goals as services
from matching.models import Match
from matching.permissions import side_of
from mentoring.shortcuts import add_service_errors, posted, require
from profiles.models import Skill

GOAL_RELATED = (
    "match__programme", "match__mentor__user", "match__mentee__user", "created_by", "achieved_by", "template",
)  # fmt: skip
MATCH_RELATED = ("programme", "mentor__user", "mentee__user")
MAX_MILESTONE_ROWS = 20
STATUS_FILTERS = ("open", *Goal.Status.values)


def _goals(user: object) -> QuerySet[Goal]:
    return Goal.objects.visible_to(user).select_related(*GOAL_RELATED)


def _goal_for(request: HttpRequest, pk: int) -> Goal:
    return get_object_or_404(_goals(request.user), pk=pk)


def _match_for(request: HttpRequest, pk: int) -> Match:
    return get_object_or_404(Match.objects.visible_to(request.user).select_related(*MATCH_RELATED), pk=pk)


def _milestone_for(goal: Goal, pk: int) -> Milestone:
    milestone = get_object_or_404(Milestone.objects.filter(goal=goal), pk=pk)
    milestone.goal = goal
    return milestone


def _ordered(goals: QuerySet[Goal]) -> QuerySet[Goal]:
    return goals.order_by(F("target_date").asc(nulls_last=True), "pk")


def _mark(goals: list[Goal]) -> list[Goal]:
    today = timezone.localdate()
    for goal in goals:
        goal.overdue = services.is_overdue(goal, today)
    return goals


def _suggestions(user: object, match: Match) -> list[GoalTemplate]:
    """Active templates of the match's programme this pair has not adopted yet."""
    if not permissions.can_edit_goals(user, match):
        return []
    return list(
        GoalTemplate.objects.visible_to(user)
        .filter(programme_id=match.programme_id, is_active=True)
        .exclude(goals__match=match)
        .prefetch_related("milestones")
        .order_by("position", "pk")
    )


def _celebrate_status(request: HttpRequest, goal: Goal) -> None:
    if goal.status == Goal.Status.ACHIEVED:
        messages.success(request, _("★ Goal achieved: “%(title)s”. Well done, both of you!") % {"title": goal.title})
    elif goal.status == Goal.Status.DROPPED:
        messages.success(request, _("Goal dropped. It stays on the record; you can reopen it any time."))
    else:
        messages.success(request, _("Goal marked %(status)s.") % {"status": goal.get_status_display().lower()})


# --- Lists -------------------------------------------------------------------------------


@login_required
def goal_list(request: HttpRequest) -> HttpResponse:
    """My goals across my matches, grouped by match, filtered by status."""
    user = request.user
    status = request.GET.get("status", "")
    if status not in STATUS_FILTERS:
        status = ""
    own = Q(mentor__user=user) | Q(mentee__user=user)
    matches = list(
        Match.objects.visible_to(user)
        .filter(own)
        .exclude(status__in=[Match.Status.DRAFT, Match.Status.DECLINED])
        .select_related(*MATCH_RELATED)
        .order_by("-created_at", "-pk")
    )
    match_ids = [match.pk for match in matches]
    counts = dict(
        Goal.objects.visible_to(user)
        .filter(match__in=match_ids)
        .order_by()
        .values("status")
        .annotate(n=Count("pk", distinct=True))
        .values_list("status", "n")
    )
    goals = services.with_milestone_counts(_goals(user).filter(match__in=match_ids))
    if status == "open":
        goals = goals.filter(status__in=Goal.OPEN_STATUSES)
    elif status:
        goals = goals.filter(status=status)
    ordered = goals.order_by("match_id", F("target_date").asc(nulls_last=True), "pk")
    by_match = {
        match_id: _mark(list(group)) for match_id, group in itertools.groupby(ordered, key=attrgetter("match_id"))
    }
    groups = []
    for match in matches:
        match_goals = by_match.get(match.pk, [])
        if not match_goals and (status or match.status == Match.Status.ENDED):
            continue
        side = side_of(user, match)
        groups.append(
            {
                "match": match,
                "side": side,
                "other": match.mentee.user if side == "mentor" else match.mentor.user,
                "goals": match_goals,
                "can_edit": permissions.can_edit_goals(user, match),
            }
        )
    open_count = sum(counts.get(value, 0) for value in Goal.OPEN_STATUSES)
    filters = [("", _("All"), sum(counts.values())), ("open", _("Open"), open_count)]
    filters += [(value, label, counts.get(value, 0)) for value, label in Goal.Status.choices]
    context = {"groups": groups, "status": status, "filters": filters, "has_matches": bool(matches)}
    return render(request, "goals/goal_list.html", context)


@login_required
def match_goals(request: HttpRequest, pk: int) -> HttpResponse:
    """A match's goals with their progress, and the programme's suggestions to adopt. HR
    admins without access to goal content see counts and progress only."""
    match = _match_for(request, pk)
    user = request.user
    context = {"match": match, "side": side_of(user, match), "programme": match.programme}
    if not permissions.can_view_goals(user, match):
        if not permissions.can_view_goal_summary(user, match):
            raise Http404
        context["summary"] = services.goal_summary(match)
        return render(request, "goals/match_goals.html", context)
    goals = _mark(list(_ordered(services.with_milestone_counts(_goals(user).filter(match=match)))))
    context.update(
        goals=goals,
        can_edit=permissions.can_edit_goals(user, match),
        suggestions=_suggestions(user, match),
    )
    return render(request, "goals/match_goals.html", context)


# --- Writing a goal ----------------------------------------------------------------------


def _row_count(request: HttpRequest, wanted: int) -> int:
    # The number of milestone rows travels with the form, so a POST reads the rows it showed.
    try:
        wanted = int(request.POST.get("rows", wanted)) if request.method == "POST" else wanted
    except (TypeError, ValueError):
        wanted = MILESTONE_ROWS
    return min(max(wanted, MILESTONE_ROWS), MAX_MILESTONE_ROWS)


def _template_initial(match: Match, template: GoalTemplate) -> dict:
    start = services.match_start_date(match)
    initial = {
        "title": template.title, "why": template.why, "success_measure": template.success_measure,
        "target_date": start + datetime.timedelta(weeks=template.target_week) if template.target_week else None,
        "template": template.pk,
    }  # fmt: skip
    for row, milestone in enumerate(template.milestones.all()):
        initial[f"milestone_{row}_title"] = milestone.title
        initial[f"milestone_{row}_due_on"] = start + datetime.timedelta(weeks=milestone.due_week)
    return initial


@login_required
def goal_create(request: HttpRequest, pk: int) -> HttpResponse:
    match = _match_for(request, pk)
    user = request.user
    require(permissions.can_edit_goals(user, match))
    templates = GoalTemplate.objects.visible_to(user).filter(programme_id=match.programme_id, is_active=True)
    initial: dict = {}
    template = None
    if request.method == "GET" and request.GET.get("template", "").isdigit():
        template = templates.prefetch_related("milestones").filter(pk=int(request.GET["template"])).first()
        if template is not None:
            initial = _template_initial(match, template)
    rows = _row_count(request, len(template.milestones.all()) if template else MILESTONE_ROWS)
    form = GoalForm(
        posted(request), skills=services.mentee_skills(match), templates=templates, milestone_rows=rows,
        initial=initial,
    )  # fmt: skip
    checking = "check" in request.POST
    if request.method == "POST" and not checking and form.is_valid():
        data = form.cleaned_data
        try:
            goal = services.create_goal(
                match=match, by=user, milestones=data["milestones"], template=data.get("template"),
                **form.goal_fields(),
            )  # fmt: skip
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Goal saved. Add milestones and progress updates as you go."))
            return redirect(goal)
    context = {"match": match, "form": form, "hints": form.hints(), "rows": rows, "template": template}
    return render(request, "goals/goal_form.html", context, status=400 if form.errors and not checking else 200)


@login_required
def goal_edit(request: HttpRequest, pk: int) -> HttpResponse:
    goal = _goal_for(request, pk)
    user = request.user
    require(permissions.can_edit_goal(user, goal))
    milestones = goal.milestones.count()
    form = GoalForm(
        posted(request), skills=services.mentee_skills(goal.match, goal), has_milestones=bool(milestones),
        initial=GoalForm.initial_for(goal),
    )  # fmt: skip
    checking = "check" in request.POST
    if request.method == "POST" and not checking and form.is_valid():
        try:
            services.update_goal(goal=goal, by=user, **form.goal_fields())
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Goal updated."))
            return redirect(goal)
    context = {
        "match": goal.match, "goal": goal, "form": form, "rows": 0,
        "hints": form.hints(milestones=milestones, status=goal.status),
    }  # fmt: skip
    return render(request, "goals/goal_form.html", context, status=400 if form.errors and not checking else 200)


@login_required
@require_POST
def goal_hints(request: HttpRequest) -> HttpResponse:
    """The SMART hints of what is typed so far (htmx swaps them in next to the form)."""
    rows = _row_count(request, MILESTONE_ROWS)
    form = GoalForm(request.POST, skills=Skill.objects.none(), milestone_rows=rows)
    try:
        milestones = max(int(request.POST.get("milestones", 0)), 0)
    except ValueError:
        milestones = 0
    return render(request, "goals/_smart_hints.html", {"hints": form.hints(milestones=milestones), "live": True})


@login_required
@require_POST
def goal_adopt(request: HttpRequest, pk: int, template_pk: int) -> HttpResponse:
    match = _match_for(request, pk)
    user = request.user
    template = get_object_or_404(
        GoalTemplate.objects.visible_to(user).filter(programme_id=match.programme_id), pk=template_pk
    )
    require(permissions.can_edit_goals(user, match))
    try:
        goal = services.adopt_template(match=match, template=template, by=user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect("match-goals", pk=match.pk)
    messages.success(request, _("“%(title)s” is now one of your goals. Adjust it to fit you.") % {"title": goal.title})
    return redirect(goal)


# --- A goal's page -----------------------------------------------------------------------


@login_required
def goal_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _render_detail(request, _goal_for(request, pk))


def _render_detail(
    request: HttpRequest,
    goal: Goal,
    *,
    milestone_form: MilestoneForm | None = None,
    update_form: ProgressUpdateForm | None = None,
    feedback_form: FeedbackForm | None = None,
    status: int = 200,
) -> HttpResponse:
    user = request.user
    match = goal.match
    milestones = list(goal.milestones.select_related("done_by"))
    feedback = Feedback.objects.select_related("author").order_by("created_at", "pk")
    updates = list(
        goal.updates.select_related("author")
        .prefetch_related(Prefetch("feedback", queryset=feedback))
        .order_by("-created_at", "-pk")
    )
    can_edit = permissions.can_edit_goal(user, goal)
    done = sum(1 for milestone in milestones if milestone.done_at)
    today = timezone.localdate()
    context = {
        "goal": goal,
        "match": match,
        "side": side_of(user, match),
        "skills": list(goal.skills.order_by("name")),
        "milestones": milestones,
        "milestones_done": done,
        "updates": updates,
        "goal_feedback": list(feedback.filter(goal=goal, update__isnull=True)),
        "action_items": list(goal.action_items.select_related("owner").order_by("done_at", "due_on", "pk")),
        "overdue": services.is_overdue(goal, today),
        "today": today,
        "hints": services.hints_for(goal, len(milestones)) if can_edit else [],
        "can_edit": can_edit,
        "can_feedback": permissions.can_give_feedback(user, goal),
        "writable": match.status in permissions.WRITABLE_MATCH_STATUSES,
        "all_done": bool(milestones) and done == len(milestones) and goal.status in Goal.OPEN_STATUSES,
        "statuses": [(value, label) for value, label in Goal.Status.choices if value != goal.status],
        "milestone_form": milestone_form or MilestoneForm(),
        "update_form": update_form or ProgressUpdateForm(has_milestones=bool(milestones)),
        "feedback_form": feedback_form or FeedbackForm(),
        "feedback_error_for": _feedback_error_for(feedback_form, updates),
    }
    return render(request, "goals/goal_detail.html", context, status=status)


def _feedback_error_for(form: FeedbackForm | None, updates: list[ProgressUpdate]) -> int | str | None:
    """Which feedback form on the page shows the errors: an update's (its id) or the goal's."""
    if form is None or not form.errors:
        return None
    raw = str(form.data.get("update", ""))
    pks = {update.pk for update in updates}
    return int(raw) if raw.isdigit() and int(raw) in pks else "goal"


@login_required
@require_POST
def goal_status(request: HttpRequest, pk: int) -> HttpResponse:
    goal = _goal_for(request, pk)
    require(permissions.can_edit_goal(request.user, goal))
    form = GoalStatusForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose a status from the list."))
        return redirect(goal)
    try:
        goal = services.set_goal_status(goal=goal, by=request.user, status=form.cleaned_data["status"])
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        _celebrate_status(request, goal)
    return redirect(goal)


@login_required
@require_POST
def milestone_add(request: HttpRequest, pk: int) -> HttpResponse:
    goal = _goal_for(request, pk)
    require(permissions.can_edit_goal(request.user, goal))
    form = MilestoneForm(request.POST)
    if form.is_valid():
        try:
            services.add_milestone(goal=goal, by=request.user, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Milestone added."))
            return redirect(f"{goal.get_absolute_url()}#milestones-heading")
    return _render_detail(request, goal, milestone_form=form, status=400)


@login_required
@require_POST
def milestone_done(request: HttpRequest, pk: int, milestone_pk: int) -> HttpResponse:
    goal = _goal_for(request, pk)
    milestone = _milestone_for(goal, milestone_pk)
    require(permissions.can_edit_goal(request.user, goal))
    form = MilestoneDoneForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Say whether the milestone is done."))
        return redirect(goal)
    was_done = milestone.done_at is not None
    try:
        milestone = services.set_milestone_done(milestone=milestone, by=request.user, done=form.cleaned_data["done"])
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        if milestone.done_at and not was_done:
            messages.success(request, _("★ Milestone done: “%(title)s”. Keep going!") % {"title": milestone.title})
        elif not milestone.done_at and was_done:
            messages.success(request, _("Milestone marked as not done."))
    return redirect(f"{goal.get_absolute_url()}#milestones-heading")


@login_required
def milestone_edit(request: HttpRequest, pk: int, milestone_pk: int) -> HttpResponse:
    goal = _goal_for(request, pk)
    milestone = _milestone_for(goal, milestone_pk)
    require(permissions.can_edit_goal(request.user, goal))
    form = MilestoneForm(posted(request), initial={"title": milestone.title, "due_on": milestone.due_on})
    if request.method == "POST" and form.is_valid():
        try:
            services.update_milestone(milestone=milestone, by=request.user, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Milestone updated."))
            return redirect(f"{goal.get_absolute_url()}#milestones-heading")
    context = {"goal": goal, "match": goal.match, "milestone": milestone, "form": form}
    return render(request, "goals/milestone_form.html", context, status=400 if form.errors else 200)


@login_required
@require_POST
def milestone_delete(request: HttpRequest, pk: int, milestone_pk: int) -> HttpResponse:
    goal = _goal_for(request, pk)
    milestone = _milestone_for(goal, milestone_pk)
    require(permissions.can_edit_goal(request.user, goal))
    try:
        services.delete_milestone(milestone=milestone, by=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("Milestone removed."))
    return redirect(f"{goal.get_absolute_url()}#milestones-heading")


@login_required
@require_POST
def update_add(request: HttpRequest, pk: int) -> HttpResponse:
    goal = _goal_for(request, pk)
    require(permissions.can_edit_goal(request.user, goal))
    form = ProgressUpdateForm(request.POST, has_milestones=goal.milestones.exists())
    if form.is_valid():
        try:
            services.add_progress_update(
                goal=goal, by=request.user, text=form.cleaned_data["text"], progress=form.cleaned_data.get("progress")
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Progress update saved."))
            return redirect(f"{goal.get_absolute_url()}#updates-heading")
    return _render_detail(request, goal, update_form=form, status=400)


@login_required
@require_POST
def feedback_add(request: HttpRequest, pk: int) -> HttpResponse:
    goal = _goal_for(request, pk)
    require(permissions.can_give_feedback(request.user, goal))
    form = FeedbackForm(request.POST)
    if form.is_valid():
        update = None
        if form.cleaned_data["update"]:
            update = ProgressUpdate.objects.filter(goal=goal, pk=form.cleaned_data["update"]).first()
            if update is None:
                form.add_error(None, _("That progress update belongs to another goal."))
        if not form.errors:
            try:
                services.add_feedback(goal=goal, by=request.user, text=form.cleaned_data["text"], update=update)
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(request, _("Feedback sent. The mentee is told."))
                anchor = f"#update-{update.pk}" if update else "#feedback-heading"
                return redirect(f"{goal.get_absolute_url()}{anchor}")
    return _render_detail(request, goal, feedback_form=form, status=400)
