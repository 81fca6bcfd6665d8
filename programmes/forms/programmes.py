"""Forms for programmes, coordinators and application questions: input shape only; the
rules between fields and objects live in programmes.services.programmes."""

from typing import Any

from django import forms
from django.forms.models import model_to_dict
from django.utils.translation import gettext_lazy as _

from programmes.models import Programme, Question
from programmes.services.programmes import MAX_CHOICES


def _field(name: str, **kwargs: Any) -> forms.Field:
    """The model's own form field (label, limits, choices, help text) for a plain form,
    so the service rather than ModelForm's instance validation decides between fields."""
    return Programme._meta.get_field(name).formfield(**kwargs)


def _date_field(name: str) -> forms.Field:
    return _field(name, widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))


class ProgrammeForm(forms.Form):
    name = _field("name")
    description = _field("description", widget=forms.Textarea(attrs={"rows": 5}))
    kind = _field("kind")
    schedule = _field("schedule")
    starts_on = _date_field("starts_on")
    ends_on = _date_field("ends_on")
    enrolment_opens_on = _date_field("enrolment_opens_on")
    enrolment_closes_on = _date_field("enrolment_closes_on")
    is_open = _field("is_open")
    meeting_cadence_days = _field("meeting_cadence_days")
    relationship_weeks = _field("relationship_weeks")
    default_mentor_capacity = _field("default_mentor_capacity")
    mentees_choose_mentor = _field("mentees_choose_mentor")
    match_approval = _field("match_approval")
    flag_cancellations = _field("flag_cancellations")
    flag_postponements = _field("flag_postponements")
    flag_window_days = _field("flag_window_days")
    flag_inactivity_days = _field("flag_inactivity_days")
    agreement_text = _field(
        "agreement_text",
        widget=forms.Textarea(attrs={"rows": 8}),
        help_text=_("Mentor and mentee both accept this text when a match is made."),
    )
    retention_days = _field("retention_days", required=False)

    sections = [
        (_("About"), ["name", "description", "kind"]),
        (
            _("Dates"),
            ["schedule", "starts_on", "ends_on", "enrolment_opens_on", "enrolment_closes_on", "is_open"],
        ),
        (
            _("Mentoring"),
            ["meeting_cadence_days", "relationship_weeks", "default_mentor_capacity", "mentees_choose_mentor"],
        ),
        (_("Matching"), ["match_approval"]),
        (
            _("Health flags"),
            ["flag_cancellations", "flag_postponements", "flag_window_days", "flag_inactivity_days"],
        ),
        (_("Mentoring agreement"), ["agreement_text"]),
        (_("Data retention"), ["retention_days"]),
    ]

    @classmethod
    def for_programme(cls, programme: Programme, data: Any = None) -> "ProgrammeForm":
        return cls(data, initial=model_to_dict(programme, fields=list(cls.base_fields)))

    def fieldsets(self) -> list[tuple[str, list[forms.BoundField]]]:
        return [(title, [self[name] for name in names]) for title, names in self.sections]

    def clean_retention_days(self) -> int:
        # Left empty: keep what the programme has (the model's default for a new one).
        value = self.cleaned_data["retention_days"]
        if value is None:
            value = self.initial.get("retention_days")
        return Programme._meta.get_field("retention_days").default if value is None else value


class TransitionForm(forms.Form):
    status = forms.ChoiceField(choices=Programme.Status.choices)


class CoordinatorAddForm(forms.Form):
    email = forms.EmailField(label=_("E-mail address of their account"), max_length=254)


class QuestionForm(forms.Form):
    label = forms.CharField(label=_("Question"), max_length=300)
    help_text = forms.CharField(label=_("Help text"), max_length=500, required=False)
    kind = forms.ChoiceField(label=_("Kind of answer"), choices=Question.Kind.choices)
    choices = forms.CharField(
        label=_("Choices"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=MAX_CHOICES * 210,
        help_text=_("For single and multiple choice questions: one choice per line."),
    )
    required = forms.BooleanField(label=_("An answer is required"), required=False)
    audience = forms.ChoiceField(label=_("Asked of"), choices=Question.Audience.choices)

    @classmethod
    def for_question(cls, question: Question, data: Any = None) -> "QuestionForm":
        initial = {
            "label": question.label,
            "help_text": question.help_text,
            "kind": question.kind,
            "choices": "\n".join(question.choices),
            "required": question.required,
            "audience": question.audience,
        }
        return cls(data, initial=initial)

    def clean_choices(self) -> list[str]:
        return [line.strip() for line in self.cleaned_data["choices"].splitlines() if line.strip()]


class QuestionMoveForm(forms.Form):
    direction = forms.ChoiceField(choices=[("up", _("Up")), ("down", _("Down"))])
