"""Forms for applications, answers, decisions and the participants table: input shape
only; the rules live in programmes.services.enrolments."""

from collections.abc import Iterable
from typing import Any

import django_filters
from django import forms
from django.core.exceptions import ValidationError
from django.db.models import Case, Exists, F, OuterRef, Q, QuerySet, Value, When
from django.db.models.functions import Lower
from django.utils.html import escape
from django.utils.translation import gettext_lazy as _

from mentoring.shortcuts import add_service_errors
from profiles.models import Profile, Skill
from programmes.models import Enrolment, Programme, Question
from programmes.services.enrolments import MESSAGE_LIMIT, TEXT_LIMITS, validate_answers

# --- Answers -----------------------------------------------------------------------------


def _answer_field(question: Question) -> forms.Field:
    """A field that hands the raw value on: validate_answers is the one place that
    checks answers, for the HTML form and the API alike."""
    kind = question.kind
    attrs: dict[str, Any] = {}
    if question.required and kind != Question.Kind.MULTIPLE_CHOICE:
        attrs["required"] = True
    choices = [(choice, choice) for choice in question.choices]
    if kind == Question.Kind.SHORT_TEXT:
        widget = forms.TextInput(attrs={**attrs, "maxlength": TEXT_LIMITS[kind]})
    elif kind == Question.Kind.LONG_TEXT:
        widget = forms.Textarea(attrs={**attrs, "rows": 4, "maxlength": TEXT_LIMITS[kind]})
    elif kind == Question.Kind.SINGLE_CHOICE:
        widget = forms.RadioSelect(attrs=attrs, choices=choices)
    elif kind == Question.Kind.MULTIPLE_CHOICE:
        widget = forms.CheckboxSelectMultiple(choices=choices)
    elif kind == Question.Kind.NUMBER:
        widget = forms.NumberInput(attrs={**attrs, "step": "any"})
    else:
        widget = forms.RadioSelect(attrs=attrs, choices=[("yes", _("Yes")), ("no", _("No"))])
    # Django's form templates print help text unescaped; coordinators write this one.
    field = forms.Field(label=question.label, help_text=escape(question.help_text), required=False, widget=widget)
    field.answer_required = question.required
    field.is_group = kind in {Question.Kind.SINGLE_CHOICE, Question.Kind.MULTIPLE_CHOICE, Question.Kind.YES_NO}
    return field


def _initial(question: Question, value: Any) -> Any:
    if value is None:
        return None
    if question.kind == Question.Kind.YES_NO:
        return "yes" if value else "no"
    return value


class AnswersForm(forms.Form):
    """One field per question asked of the role, named `question_<id>`."""

    def __init__(
        self,
        data: Any = None,
        *,
        questions: Iterable[Question],
        role: str,
        answers: dict[int, Any] | None = None,
        prefix: str | None = None,
    ) -> None:
        super().__init__(data, prefix=prefix)
        self.role = role
        self.questions = [q for q in questions if q.audience in {Question.Audience.BOTH, role}]
        self.cleaned_answers: dict[int, Any] = {}
        answers = answers or {}
        for question in self.questions:
            name = f"question_{question.pk}"
            self.fields[name] = _answer_field(question)
            self.initial[name] = _initial(question, answers.get(question.pk))

    def clean(self) -> dict[str, Any]:
        cleaned_data = super().clean()
        raw = {question.pk: cleaned_data.get(f"question_{question.pk}") for question in self.questions}
        try:
            self.cleaned_answers = validate_answers(self.questions, self.role, raw)
        except ValidationError as error:
            add_service_errors(self, error)
        return cleaned_data


class RoleForm(forms.Form):
    role = forms.ChoiceField(label=_("Apply as"), choices=Enrolment.Role.choices, widget=forms.RadioSelect)


# --- Decisions ---------------------------------------------------------------------------


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(choices=[("approve", _("Approve")), ("decline", _("Decline"))])
    message = forms.CharField(
        label=_("Message to the applicant"),
        required=False,
        max_length=MESSAGE_LIMIT,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Optional. They see it on their programme page and in the e-mail."),
    )


class LeaveForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason"),
        required=False,
        max_length=MESSAGE_LIMIT,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class AddParticipantForm(forms.Form):
    email = forms.EmailField(label=_("E-mail address of their account"), max_length=254)
    role = forms.ChoiceField(label=_("Role"), choices=Enrolment.Role.choices)


class BulkActionForm(forms.Form):
    ACTIONS = [("approve", _("Approve")), ("remove", _("Remove")), ("reinvite", _("Re-invite"))]

    action = forms.ChoiceField(label=_("With the selected people"), choices=ACTIONS)
    selected = forms.ModelMultipleChoiceField(
        queryset=Enrolment.objects.none(),
        error_messages={
            "required": _("Tick at least one person in the table."),
            "invalid_choice": _("Some of the ticked people are no longer in this programme; reload the page."),
            "invalid_pk_value": _("Some of the ticked people are no longer in this programme; reload the page."),
        },
    )
    reason = forms.CharField(label=_("Reason for removing"), required=False, max_length=MESSAGE_LIMIT)

    def __init__(self, data: Any = None, *, programme: Programme) -> None:
        super().__init__(data)
        self.fields["selected"].queryset = programme.enrolments.select_related("user", "programme")


# --- The participants table --------------------------------------------------------------

# Statuses sort in the order a participant goes through them, not alphabetically.
STATUS_ORDER = Case(
    *(When(status=status, then=Value(index)) for index, status in enumerate(Enrolment.Status.values)),
    default=Value(len(Enrolment.Status.values)),
)
SORTS: dict[str, list[Any]] = {
    "name": [Lower("user__last_name"), Lower("user__first_name"), Lower("user__email")],
    "email": [Lower("user__email")],
    "role": [F("role"), Lower("user__last_name"), Lower("user__first_name")],
    "status": [STATUS_ORDER, Lower("user__last_name"), Lower("user__first_name")],
    "department": [Lower("user__profile__department"), Lower("user__last_name"), Lower("user__first_name")],
    "joined": [F("created_at")],
}
SORT_CHOICES = [(f"{prefix}{key}", key) for key in SORTS for prefix in ("", "-")]  # "name", "-name", …


def order_participants(queryset: QuerySet[Enrolment], sort: str) -> QuerySet[Enrolment]:
    key = sort.removeprefix("-")
    expressions = SORTS.get(key, SORTS["name"])
    if sort.startswith("-"):
        expressions = [expression.desc() for expression in expressions]
    return queryset.order_by(*expressions, "pk")


class ParticipantFilter(django_filters.FilterSet):
    """Search, filters and sorting of a programme's participants, for the HTML table,
    its CSV download and the API alike."""

    q = django_filters.CharFilter(label=_("Search"), method="filter_search", max_length=200)
    role = django_filters.ChoiceFilter(label=_("Role"), choices=Enrolment.Role.choices, empty_label=_("Any role"))
    status = django_filters.ChoiceFilter(
        label=_("Status"), choices=Enrolment.Status.choices, empty_label=_("Any status")
    )
    department = django_filters.CharFilter(
        label=_("Department"), field_name="user__profile__department", lookup_expr="iexact", max_length=120
    )
    skill = django_filters.ModelChoiceFilter(
        label=_("Skill"), queryset=Skill.objects.all(), method="filter_skill", empty_label=_("Any skill")
    )
    matched = django_filters.ChoiceFilter(
        label=_("Matched"),
        choices=[("yes", _("Matched")), ("no", _("Not matched"))],
        method="filter_matched",
        empty_label=_("Matched or not"),
    )
    sort = django_filters.ChoiceFilter(label=_("Sort by"), choices=SORT_CHOICES, method="filter_sort")

    class Meta:
        model = Enrolment
        fields = ["q", "role", "status", "department", "skill", "matched", "sort"]

    def filter_search(self, queryset: QuerySet[Enrolment], name: str, value: str) -> QuerySet[Enrolment]:
        for term in value.split()[:5]:
            queryset = queryset.filter(
                Q(user__first_name__icontains=term)
                | Q(user__last_name__icontains=term)
                | Q(user__email__icontains=term)
            )
        return queryset

    def filter_skill(self, queryset: QuerySet[Enrolment], name: str, value: Skill) -> QuerySet[Enrolment]:
        # Mentors are found by the skills they offer, mentees by the ones they want.
        offered = Profile.skills_offered.through.objects.filter(profile__user=OuterRef("user"), skill=value)
        wanted = Profile.skills_wanted.through.objects.filter(profile__user=OuterRef("user"), skill=value)
        return queryset.filter(
            Q(Exists(offered), role=Enrolment.Role.MENTOR) | Q(Exists(wanted), role=Enrolment.Role.MENTEE)
        )

    def filter_matched(self, queryset: QuerySet[Enrolment], name: str, value: str) -> QuerySet[Enrolment]:
        # Matches live in the matching app, which builds on this one: reach them through
        # their related names. Drafts do not count: participants have not seen them yet.
        published = ["proposed", "accepted", "active"]
        matched = Enrolment.objects.filter(
            Q(matches_as_mentor__status__in=published) | Q(matches_as_mentee__status__in=published)
        ).values("pk")
        return queryset.filter(pk__in=matched) if value == "yes" else queryset.exclude(pk__in=matched)

    def filter_sort(self, queryset: QuerySet[Enrolment], name: str, value: str) -> QuerySet[Enrolment]:
        return order_participants(queryset, value)
