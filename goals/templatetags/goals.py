"""The goals section of the pair's page. A template tag, so that matching (left of goals in
the app order) shows goals without importing this app."""

from django import template
from django.db.models import F
from django.utils import timezone

from goals import permissions
from goals.models import Goal, GoalTemplate
from goals.services import goals as services
from matching.models import Match
from matching.permissions import side_of

register = template.Library()

GOALS_SHOWN = 5


@register.inclusion_tag("goals/_match_goals.html", takes_context=True)
def match_goals(context: template.Context, match: Match) -> dict:
    """The pair's goals with their progress, milestones done, the way to add one and the
    programme's suggestions; HR admins without access to goal content see counts only."""
    user = context["request"].user
    data = {"request": context["request"], "csrf_token": context.get("csrf_token"), "match": match, "mode": None}
    if not permissions.can_view_goals(user, match):
        if permissions.can_view_goal_summary(user, match):
            data.update(mode="summary", summary=services.goal_summary(match))
        return data
    goals = list(
        services.with_milestone_counts(Goal.objects.visible_to(user).filter(match=match)).order_by(
            F("target_date").asc(nulls_last=True), "pk"
        )
    )
    today = timezone.localdate()
    for goal in goals:
        goal.overdue = services.is_overdue(goal, today)
    # Open goals first: they are what the pair works on.
    goals.sort(key=lambda goal: goal.status not in Goal.OPEN_STATUSES)
    can_edit = permissions.can_edit_goals(user, match)
    suggestions = []
    if can_edit:
        suggestions = list(
            GoalTemplate.objects.visible_to(user)
            .filter(programme_id=match.programme_id, is_active=True)
            .exclude(goals__match=match)
            .order_by("position", "pk")
        )
    data.update(
        mode="content",
        goals=goals[:GOALS_SHOWN],
        more=max(len(goals) - GOALS_SHOWN, 0),
        total=len(goals),
        side=side_of(user, match),
        can_edit=can_edit,
        suggestions=suggestions,
        ended=match.status not in permissions.WRITABLE_MATCH_STATUSES,
    )
    return data


@register.filter
def goal_overdue(goal: Goal) -> bool:
    return services.is_overdue(goal)
