"""Input shape of the goal pages; the rules about goals live in the services."""

import datetime

from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from goals.models import Goal, GoalTemplate
from goals.services import goals as services
from profiles.models import Skill

MILESTONE_ROWS = 3
TEMPLATE_MILESTONE_EXTRA = 3
DATE_INPUT = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def _as_date(value: object) -> datetime.date | None:
    if isinstance(value, datetime.date):
        return value
    if not value:
        return None
    try:
        return forms.DateField().clean(value)
    except forms.ValidationError:
        return None


class SkillChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: Skill) -> str:
        return obj.name


class GoalForm(forms.Form):
    """A goal's own fields. With `milestone_rows` (creating a goal) a few first milestones;
    with `has_milestones` (editing a goal that has some) no hand-set progress."""

    title = forms.CharField(
        label=_("Goal"), max_length=200, help_text=_("What will you do? Be specific, e.g. “Run the quarterly review”.")
    )
    why = forms.CharField(
        label=_("Why it matters"), max_length=2000, required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    success_measure = forms.CharField(
        label=_("What success looks like"), max_length=1000, required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Something you can measure: a number, a date, a result others can see."),
    )  # fmt: skip
    target_date = forms.DateField(label=_("Target date"), required=False, widget=DATE_INPUT)
    manual_progress = forms.IntegerField(
        label=_("Progress (%)"), min_value=0, max_value=100, required=False, initial=0,
        widget=forms.NumberInput(attrs={"step": 5}),
        help_text=_("Once the goal has milestones, progress follows them."),
    )  # fmt: skip
    skills = SkillChoiceField(
        label=_("Skills it develops"), queryset=Skill.objects.none(), required=False,
        widget=forms.CheckboxSelectMultiple, help_text=_("From the mentee's profile."),
    )  # fmt: skip
    template = forms.ModelChoiceField(queryset=GoalTemplate.objects.none(), required=False, widget=forms.HiddenInput)

    def __init__(
        self,
        *args,
        skills: QuerySet[Skill],
        templates: QuerySet[GoalTemplate] | None = None,
        milestone_rows: int = 0,
        has_milestones: bool = False,
        **kwargs,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["skills"].queryset = skills
        self.milestone_rows = milestone_rows
        if templates is None:
            del self.fields["template"]
        else:
            self.fields["template"].queryset = templates
        if has_milestones:
            del self.fields["manual_progress"]
        for row in range(milestone_rows):
            self.fields[f"milestone_{row}_title"] = forms.CharField(
                label=_("Milestone"), max_length=200, required=False
            )
            self.fields[f"milestone_{row}_due_on"] = forms.DateField(label=_("Due"), required=False, widget=DATE_INPUT)

    def milestone_fields(self) -> list[tuple[forms.BoundField, forms.BoundField]]:
        return [(self[f"milestone_{row}_title"], self[f"milestone_{row}_due_on"]) for row in range(self.milestone_rows)]

    def clean(self) -> dict:
        data = super().clean()
        rows = []
        for row in range(self.milestone_rows):
            title = (data.get(f"milestone_{row}_title") or "").strip()
            due_on = data.get(f"milestone_{row}_due_on")
            if title:
                rows.append((title, due_on))
            elif due_on:
                self.add_error(f"milestone_{row}_title", _("Say what the milestone is, or clear its date."))
        data["milestones"] = rows
        if data.get("manual_progress") is None:
            data["manual_progress"] = 0
        return data

    def goal_fields(self) -> dict:
        data = self.cleaned_data
        fields = {name: data[name] for name in ("title", "why", "success_measure", "target_date") if name in data}
        fields["skills"] = list(data.get("skills") or [])
        if "manual_progress" in self.fields:
            fields["manual_progress"] = data["manual_progress"]
        return fields

    def hints(self, *, milestones: int = 0, status: str = Goal.Status.NOT_STARTED) -> list[str]:
        """SMART hints from what was typed, valid or not, or from the initial values."""
        source = self.data if self.is_bound else self.initial
        if not source:
            return []

        def text(name: str) -> str:
            value = source.get(name)
            return value if isinstance(value, str) else ""

        typed = sum(1 for row in range(self.milestone_rows) if text(f"milestone_{row}_title").strip())
        return services.smart_hints(
            title=text("title"), why=text("why"), success_measure=text("success_measure"),
            target_date=_as_date(source.get("target_date")), milestones=milestones + typed, status=status,
        )  # fmt: skip

    @classmethod
    def initial_for(cls, goal: Goal) -> dict:
        return {
            "title": goal.title, "why": goal.why, "success_measure": goal.success_measure,
            "target_date": goal.target_date, "manual_progress": goal.manual_progress,
            "skills": [skill.pk for skill in goal.skills.all()],
        }  # fmt: skip


class GoalStatusForm(forms.Form):
    status = forms.ChoiceField(label=_("Status"), choices=Goal.Status.choices)


class MilestoneForm(forms.Form):
    title = forms.CharField(label=_("Milestone"), max_length=200)
    due_on = forms.DateField(label=_("Due"), required=False, widget=DATE_INPUT)


class MilestoneDoneForm(forms.Form):
    done = forms.TypedChoiceField(
        choices=[("1", _("Done")), ("0", _("Not done"))], coerce=lambda value: value == "1", empty_value=None
    )


class ProgressUpdateForm(forms.Form):
    text = forms.CharField(
        label=_("What happened?"), max_length=4000, widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("A step taken, something learnt, what got in the way."),
    )  # fmt: skip
    progress = forms.IntegerField(
        label=_("Progress now (%)"), min_value=0, max_value=100, required=False,
        widget=forms.NumberInput(attrs={"step": 5}),
    )  # fmt: skip

    def __init__(self, *args, has_milestones: bool = False, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if has_milestones:
            del self.fields["progress"]


class FeedbackForm(forms.Form):
    text = forms.CharField(label=_("Your feedback"), max_length=4000, widget=forms.Textarea(attrs={"rows": 3}))
    update = forms.IntegerField(required=False, min_value=1, widget=forms.HiddenInput)


# --- Coordinators --------------------------------------------------------------------------


class GoalTemplateForm(forms.Form):
    title = forms.CharField(label=_("Goal"), max_length=200)
    why = forms.CharField(
        label=_("Why it matters"), max_length=2000, required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    success_measure = forms.CharField(
        label=_("What success looks like"), max_length=1000, required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )  # fmt: skip
    target_week = forms.IntegerField(
        label=_("Target (weeks after the match starts)"), min_value=1, max_value=520, required=False,
        help_text=_("Leave empty for no target date."),
    )  # fmt: skip
    is_active = forms.BooleanField(label=_("Offer it to pairs"), required=False, initial=True)

    @classmethod
    def initial_for(cls, template: GoalTemplate) -> dict:
        return {
            "title": template.title, "why": template.why, "success_measure": template.success_measure,
            "target_week": template.target_week, "is_active": template.is_active,
        }  # fmt: skip


class MilestoneTemplateRowForm(forms.Form):
    title = forms.CharField(label=_("Milestone"), max_length=200, required=False)
    due_week = forms.IntegerField(label=_("Due in week"), min_value=1, max_value=520, required=False)

    def clean(self) -> dict:
        data = super().clean()
        if data.get("title", "").strip() and data.get("due_week") is None:
            self.add_error("due_week", _("Say in which week it is due."))
        if not data.get("title", "").strip() and data.get("due_week") is not None:
            self.add_error("title", _("Say what the milestone is, or clear its week."))
        return data


MilestoneTemplateFormSet = forms.formset_factory(
    MilestoneTemplateRowForm, extra=TEMPLATE_MILESTONE_EXTRA, max_num=20, validate_max=True
)


def milestone_rows(formset: forms.BaseFormSet) -> list[tuple[str, int]]:
    return [
        (form.cleaned_data["title"].strip(), form.cleaned_data["due_week"])
        for form in formset.forms
        if form.cleaned_data.get("title", "").strip()
    ]


class GoalTemplateMoveForm(forms.Form):
    direction = forms.ChoiceField(choices=[("up", _("Up")), ("down", _("Down"))])


class GoalTemplateActiveForm(forms.Form):
    active = forms.TypedChoiceField(
        choices=[("1", _("Offer")), ("0", _("Withdraw"))], coerce=lambda value: value == "1", empty_value=None
    )


class GoalSettingsForm(forms.Form):
    overdue_grace_days = forms.IntegerField(
        label=_("Days past a due date before an overdue goal is flagged"), min_value=0, max_value=365,
        help_text=_("An open goal or milestone this many days past its date raises an “Overdue goals” flag."),
    )  # fmt: skip
    hr_sees_content = forms.BooleanField(
        label=_("HR admins may read goal content"), required=False,
        help_text=_("Otherwise HR admins see counts and progress only, never titles or updates."),
    )  # fmt: skip
