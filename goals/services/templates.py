"""Goal templates (goals a programme's coordinators suggest to every pair, with milestones
due some weeks after the match starts) and a programme's goal settings.

Decisions:
- Templates are programme setup: like questions, they stop changing once the programme is
  closed or archived. A template's milestones are replaced as a whole on each edit (goals
  adopted earlier are copies and keep theirs).
- Withdrawing a template (`is_active=False`) hides it from pairs; deleting it keeps the
  adopted goals and only forgets where they came from.
- A milestone may not be due after the goal's own target week.
"""

from collections.abc import Iterable, Sequence
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils.translation import gettext as _

from goals.models import GoalSettings, GoalTemplate, MilestoneTemplate
from goals.services.goals import goal_settings_for
from profiles.models import User
from programmes.models import Programme
from programmes.services.programmes import ensure_programme_changeable

TEMPLATE_FIELDS = frozenset({"title", "why", "success_measure", "target_week", "is_active"})
SETTINGS_FIELDS = frozenset({"overdue_grace_days", "hr_sees_content"})
MAX_MILESTONES = 20
MAX_WEEK = 520


def _lock_programme(programme: Programme) -> Programme:
    locked = Programme.objects.select_for_update().get(pk=programme.pk)
    ensure_programme_changeable(locked)
    return locked


def _week(value: Any, field: str, *, required: bool) -> int | None:
    if value is None and not required:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= MAX_WEEK:
        raise ValidationError({field: _("Give a week from 1 to %(max)d.") % {"max": MAX_WEEK}})
    return value


def _clean_milestones(milestones: Iterable[tuple[str, int]], target_week: int | None) -> list[tuple[str, int]]:
    rows = []
    for title, due_week in milestones:
        if not isinstance(title, str):
            raise ValidationError({"milestones": _("Write each milestone as text.")})
        title = " ".join(title.split())
        if not title:
            raise ValidationError({"milestones": _("Each milestone needs a title.")})
        if len(title) > 200:
            raise ValidationError({"milestones": _("Keep each milestone under 200 characters.")})
        week = _week(due_week, "milestones", required=True)
        if target_week is not None and week > target_week:
            raise ValidationError(
                {
                    "milestones": _("“%(title)s” is due in week %(week)d, after the goal's target in week %(target)d.")
                    % {"title": title, "week": week, "target": target_week}
                }
            )
        rows.append((title, week))
    if len(rows) > MAX_MILESTONES:
        raise ValidationError({"milestones": _("At most %(count)d milestones.") % {"count": MAX_MILESTONES}})
    return rows


def _apply_fields(template: GoalTemplate, fields: dict[str, Any]) -> None:
    if "title" in fields:
        if not isinstance(fields["title"], str):
            raise ValidationError({"title": _("Write this as text.")})
        template.title = " ".join(fields["title"].split())
        if not template.title:
            raise ValidationError({"title": _("Say what the goal is.")})
    for name in ("why", "success_measure"):
        if name in fields:
            if not isinstance(fields[name], str):
                raise ValidationError({name: _("Write this as text.")})
            setattr(template, name, fields[name].strip())
    if "target_week" in fields:
        template.target_week = _week(fields["target_week"], "target_week", required=False)
    if "is_active" in fields:
        template.is_active = bool(fields["is_active"])
    template.full_clean(exclude=["programme", "created_by"], validate_constraints=False)


def _replace_milestones(template: GoalTemplate, rows: list[tuple[str, int]]) -> None:
    template.milestones.all().delete()
    MilestoneTemplate.objects.bulk_create(
        [
            MilestoneTemplate(template=template, title=title, due_week=week, position=n)
            for n, (title, week) in enumerate(rows)
        ]
    )


def create_goal_template(
    *,
    programme: Programme,
    by: User,
    title: str,
    why: str = "",
    success_measure: str = "",
    target_week: int | None = None,
    is_active: bool = True,
    milestones: Iterable[tuple[str, int]] = (),
) -> GoalTemplate:
    """A suggested goal for the programme's pairs, last in the list; `milestones` are
    `(title, due_week)` pairs."""
    with transaction.atomic():
        locked = _lock_programme(programme)
        template = GoalTemplate(programme=locked, created_by=by)
        _apply_fields(
            template,
            {"title": title, "why": why, "success_measure": success_measure, "target_week": target_week,
             "is_active": is_active},
        )  # fmt: skip
        rows = _clean_milestones(milestones, template.target_week)
        last = locked.goal_templates.aggregate(last=Max("position"))["last"]
        template.position = 0 if last is None else last + 1
        template.save()
        _replace_milestones(template, rows)
    return template


def update_goal_template(
    *, template: GoalTemplate, by: User, milestones: Iterable[tuple[str, int]] | None = None, **fields: Any
) -> GoalTemplate:
    """Change some of: title, why, success_measure, target_week, is_active; with
    `milestones`, replace the template's milestones by these."""
    unknown = set(fields) - TEMPLATE_FIELDS
    if unknown:
        raise TypeError(f"update_goal_template() got unexpected fields: {', '.join(sorted(unknown))}")
    with transaction.atomic():
        _lock_programme(Programme(pk=template.programme_id))
        locked = GoalTemplate.objects.select_for_update().filter(pk=template.pk).first()
        if locked is None:
            raise ValidationError(_("This suggestion no longer exists."))
        _apply_fields(locked, fields)
        if milestones is not None:
            rows = _clean_milestones(milestones, locked.target_week)
        else:
            rows = None
            current = list(locked.milestones.values_list("title", "due_week"))
            _clean_milestones(current, locked.target_week)
        locked.save()
        if rows is not None:
            _replace_milestones(locked, rows)
    return locked


def set_goal_template_active(*, template: GoalTemplate, by: User, active: bool) -> GoalTemplate:
    """Offer a template to pairs again, or withdraw it (adopted goals stay)."""
    return update_goal_template(template=template, by=by, is_active=active)


def delete_goal_template(*, template: GoalTemplate, by: User) -> None:
    with transaction.atomic():
        _lock_programme(Programme(pk=template.programme_id))
        GoalTemplate.objects.filter(pk=template.pk).delete()


def _renumber(templates: Sequence[GoalTemplate]) -> None:
    for position, template in enumerate(templates):
        template.position = position
    GoalTemplate.objects.bulk_update(templates, ["position"])


def move_goal_template(*, template: GoalTemplate, by: User, direction: str) -> None:
    """Swap a template with its neighbour above (`up`) or below (`down`)."""
    if direction not in {"up", "down"}:
        raise ValidationError({"direction": _("Move a suggestion up or down.")})
    with transaction.atomic():
        locked = _lock_programme(Programme(pk=template.programme_id))
        templates = list(locked.goal_templates.order_by("position", "pk"))
        index = next((i for i, item in enumerate(templates) if item.pk == template.pk), None)
        if index is None:
            raise ValidationError(_("This suggestion no longer exists."))
        other = index - 1 if direction == "up" else index + 1
        if 0 <= other < len(templates):
            templates[index], templates[other] = templates[other], templates[index]
        _renumber(templates)


def reorder_goal_templates(*, programme: Programme, by: User, template_ids: Sequence[int]) -> list[GoalTemplate]:
    """Put the programme's templates in the given order; every template exactly once."""
    with transaction.atomic():
        locked = _lock_programme(programme)
        templates = {template.pk: template for template in locked.goal_templates.all()}
        if len(template_ids) != len(set(template_ids)) or set(template_ids) != set(templates):
            raise ValidationError({"order": _("List every suggested goal of this programme exactly once.")})
        ordered = [templates[pk] for pk in template_ids]
        _renumber(ordered)
    return ordered


def update_goal_settings(*, programme: Programme, by: User, **fields: Any) -> GoalSettings:
    """Change some of: overdue_grace_days (0 to 365), hr_sees_content."""
    unknown = set(fields) - SETTINGS_FIELDS
    if unknown:
        raise TypeError(f"update_goal_settings() got unexpected fields: {', '.join(sorted(unknown))}")
    with transaction.atomic():
        locked = _lock_programme(programme)
        goal_settings = goal_settings_for(locked)
        goal_settings = GoalSettings.objects.select_for_update().get(pk=goal_settings.pk)
        if "overdue_grace_days" in fields:
            days = fields["overdue_grace_days"]
            if isinstance(days, bool) or not isinstance(days, int) or not 0 <= days <= 365:
                raise ValidationError({"overdue_grace_days": _("Give a number of days from 0 to 365.")})
            goal_settings.overdue_grace_days = days
        if "hr_sees_content" in fields:
            goal_settings.hr_sees_content = bool(fields["hr_sees_content"])
        goal_settings.save()
    return goal_settings
