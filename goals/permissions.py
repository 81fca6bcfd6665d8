"""Who may do what with goals, milestones, progress updates, feedback and goal templates.
Pure predicates over the objects' own relations (callers fetch goals with
`select_related("match__programme", "match__mentor", "match__mentee")`).

Decisions:
- Goals belong to the pair: the mentor and the mentee of a published match that is not over
  (PROPOSED, ACCEPTED, ACTIVE) write goals, milestones and progress updates; feedback is
  the mentor's. Once a match has ended (or was declined) its goals are a read-only record.
- Coordinators read their programmes' goals and write goal templates and goal settings;
  they do not write a pair's goals. Site admins read everything (changes go through the
  Django admin). HR admins read goal content only where the programme's GoalSettings
  allows it; otherwise they see counts and progress (`can_view_goal_summary`).
"""

from goals.models import Goal, GoalSettings
from matching.models import Match
from matching.permissions import can_view_match, is_side
from profiles.models import User
from programmes.models import Programme
from programmes.permissions import can_manage_programme, is_coordinator

WRITABLE_MATCH_STATUSES = frozenset(Match.PUBLISHED_LIVE_STATUSES)


def hr_sees_content(programme: Programme) -> bool:
    return GoalSettings.objects.filter(programme=programme, hr_sees_content=True).exists()


def can_view_goals(user: User, match: Match) -> bool:
    """The content of a match's goals: titles, updates, feedback."""
    if not user.is_authenticated:
        return False
    if user.is_superuser:
        return True
    if is_side(user, match) and match.status != Match.Status.DRAFT:
        return True
    if is_coordinator(user, match.programme):
        return True
    return user.is_hr_admin and hr_sees_content(match.programme)


def can_view_goal_summary(user: User, match: Match) -> bool:
    """How many goals a match has per status and their mean progress, without content."""
    return can_view_match(user, match)


def can_edit_goals(user: User, match: Match) -> bool:
    """Write goals, milestones and progress updates, and adopt templates."""
    return user.is_authenticated and match.status in WRITABLE_MATCH_STATUSES and is_side(user, match)


def can_edit_goal(user: User, goal: Goal) -> bool:
    return can_edit_goals(user, goal.match)


def can_give_feedback(user: User, goal: Goal) -> bool:
    match = goal.match
    return user.is_authenticated and match.status in WRITABLE_MATCH_STATUSES and match.mentor.user_id == user.pk


def can_manage_goal_templates(user: User, programme: Programme) -> bool:
    """Goal templates and goal settings: the programme's coordinators and site admins."""
    return can_manage_programme(user, programme)


def can_view_goal_templates(user: User, programme: Programme) -> bool:
    """The coordinators' templates and settings pages; HR admins read them."""
    return user.is_authenticated and (user.is_hr_admin or can_manage_goal_templates(user, programme))
