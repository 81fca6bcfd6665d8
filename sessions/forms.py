"""Input shape of the meeting pages. Local date and time become an aware UTC start here
(in the viewer's zone); the rules about meetings live in the services."""

import datetime

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from goals.models import Goal
from matching.models import Match
from programmes.models import Enrolment
from sessions.models import ActionItem, Meeting, MeetingNote
from sessions.services.meetings import ActionItemInput, aware_from_local, clean_topics, is_ambiguous

DURATIONS = [(15, _("15 minutes")), (30, _("30 minutes")), (45, _("45 minutes")), (60, _("1 hour")),
             (90, _("1½ hours")), (120, _("2 hours")), (180, _("3 hours"))]  # fmt: skip
ACTION_ROWS = 3
OWNER_CHOICES = [("", _("—")), (Enrolment.Role.MENTOR, _("Mentor")), (Enrolment.Role.MENTEE, _("Mentee"))]


def goals_to_link(match: Match, keep: Goal | None = None) -> dict[int, Goal]:
    """The goals an action item may serve: the pair's open goals (and the one it already
    serves, so editing an item of an achieved goal keeps the link). One query."""
    rule = Q(status__in=Goal.OPEN_STATUSES)
    if keep is not None:
        rule |= Q(pk=keep.pk)
    return {goal.pk: goal for goal in Goal.objects.filter(match=match).filter(rule).order_by("target_date", "pk")}


def _goal_field(goals: dict[int, Goal]) -> forms.TypedChoiceField:
    return forms.TypedChoiceField(
        label=_("For the goal"),
        choices=[("", _("— none —")), *((pk, goal.title) for pk, goal in goals.items())],
        coerce=int,
        empty_value=None,
        required=False,
    )


class MeetingForm(forms.Form):
    day = forms.DateField(label=_("Date"), widget=forms.DateInput(attrs={"type": "date"}))
    time = forms.TimeField(
        label=_("Start time"),
        widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
        help_text=_("If the clocks go back that night and the time happens twice, the first one counts."),
    )
    duration_minutes = forms.TypedChoiceField(label=_("Duration"), choices=DURATIONS, coerce=int, initial=60)
    mode = forms.ChoiceField(
        label=_("Where"), choices=Meeting.Mode.choices, widget=forms.RadioSelect, initial=Meeting.Mode.ONLINE
    )
    place = forms.CharField(label=_("Place"), max_length=200, required=False, help_text=_("For meetings in person."))
    video_link = forms.URLField(
        label=_("Video link"),
        max_length=500,
        required=False,
        assume_scheme="https",
        help_text=_("For online meetings."),
    )
    agenda = forms.CharField(
        label=_("Agenda"), max_length=4000, required=False, widget=forms.Textarea(attrs={"rows": 4})
    )
    schedule_anyway = forms.BooleanField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, zone_name: str, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.zone_name = zone_name

    def clean(self) -> dict:
        data = super().clean()
        day, at = data.get("day"), data.get("time")
        if day is None or at is None:
            return data
        try:
            start = aware_from_local(day=day, at=at, zone_name=self.zone_name)
        except ValidationError as error:
            for field, messages in error.message_dict.items():
                self.add_error("time" if field == "timezone" else field, messages)
            return data
        if start <= timezone.now():
            self.add_error("day", _("The start must be in the future."))
        data["start"] = start
        data["ambiguous"] = is_ambiguous(day=day, at=at, zone_name=self.zone_name)
        if data.get("mode") == Meeting.Mode.IN_PERSON and not data.get("place", "").strip():
            self.add_error("place", _("Say where you meet in person."))
        return data

    def meeting_fields(self) -> dict:
        data = self.cleaned_data
        return {key: data[key] for key in ("start", "duration_minutes", "mode", "place", "video_link", "agenda")}

    @classmethod
    def initial_for(cls, meeting: Meeting) -> dict:
        local = timezone.localtime(meeting.start)
        return {
            "day": local.date(), "time": local.time().replace(second=0, microsecond=0),
            "duration_minutes": meeting.duration_minutes, "mode": meeting.mode, "place": meeting.place,
            "video_link": meeting.video_link, "agenda": meeting.agenda,
        }  # fmt: skip


class RescheduleForm(MeetingForm):
    reason = forms.CharField(
        label=_("Why move it? (optional)"), max_length=2000, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class CancelForm(forms.Form):
    reason = forms.ChoiceField(label=_("Reason"), choices=[("", _("Choose…")), *Meeting.CancelReason.choices])
    note = forms.CharField(
        label=_("More about it (optional)"), max_length=2000, required=False, widget=forms.Textarea(attrs={"rows": 3})
    )


class LogForm(forms.Form):
    outcome = forms.ChoiceField(
        label=_("Did the meeting take place?"),
        choices=[("held", _("Yes, we met")), ("no_show", _("No, someone did not come"))],
        widget=forms.RadioSelect,
        initial="held",
    )
    absent = forms.ChoiceField(
        label=_("Who did not come"), choices=[("", _("—")), *Meeting.Absent.choices], required=False
    )
    topics = forms.CharField(
        label=_("Topics"), max_length=2000, required=False, help_text=_("Separate topics with commas.")
    )
    shared_note = forms.CharField(
        label=_("Shared note"), max_length=10_000, required=False, widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Both of you read it."),
    )  # fmt: skip
    private_note = forms.CharField(
        label=_("Private note"), max_length=10_000, required=False, widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Only you read it: never the other side, coordinators or HR."),
    )  # fmt: skip

    def __init__(self, *args, match: Match, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.match = match
        self.goals = goals_to_link(match)
        for row in range(ACTION_ROWS):
            self.fields[f"item_{row}_description"] = forms.CharField(
                label=_("Action item"), max_length=500, required=False
            )
            self.fields[f"item_{row}_owner"] = forms.ChoiceField(label=_("Who"), choices=OWNER_CHOICES, required=False)
            self.fields[f"item_{row}_due_on"] = forms.DateField(
                label=_("Due"), required=False, widget=forms.DateInput(attrs={"type": "date"})
            )
            self.fields[f"item_{row}_goal"] = _goal_field(self.goals)

    def action_rows(self) -> list[tuple[forms.BoundField, forms.BoundField, forms.BoundField, forms.BoundField]]:
        return [
            (
                self[f"item_{row}_description"],
                self[f"item_{row}_owner"],
                self[f"item_{row}_due_on"],
                self[f"item_{row}_goal"],
            )
            for row in range(ACTION_ROWS)
        ]

    def clean(self) -> dict:
        data = super().clean()
        held = data.get("outcome") == "held"
        data["held"] = held
        if held:
            data["absent"] = ""
        elif not data.get("absent"):
            self.add_error("absent", _("Say who did not come."))
        try:
            data["topic_list"] = clean_topics(data.get("topics", "").split(","))
        except ValidationError as error:
            self.add_error("topics", error.message_dict["topics"])
        items = []
        owners = {Enrolment.Role.MENTOR: self.match.mentor.user, Enrolment.Role.MENTEE: self.match.mentee.user}
        for row in range(ACTION_ROWS):
            description = data.get(f"item_{row}_description", "").strip()
            owner = data.get(f"item_{row}_owner")
            if not description:
                continue
            if not owner:
                self.add_error(f"item_{row}_owner", _("Say who does it."))
                continue
            items.append(
                ActionItemInput(
                    description=description,
                    owner=owners[owner],
                    due_on=data.get(f"item_{row}_due_on"),
                    goal=self.goals.get(data.get(f"item_{row}_goal")),
                )
            )
        data["items"] = items
        return data


class NoteForm(forms.Form):
    text = forms.CharField(label=_("Note"), max_length=10_000, widget=forms.Textarea(attrs={"rows": 3}))
    visibility = forms.ChoiceField(
        label=_("Who reads it"), choices=MeetingNote.Visibility.choices, initial=MeetingNote.Visibility.SHARED,
        widget=forms.RadioSelect,
    )  # fmt: skip


class ActionItemForm(forms.Form):
    description = forms.CharField(label=_("What"), max_length=500)
    owner = forms.ChoiceField(label=_("Who"), choices=OWNER_CHOICES[1:])
    due_on = forms.DateField(label=_("Due"), required=False, widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args, match: Match, item: ActionItem | None = None, **kwargs) -> None:
        if item is not None:
            role = Enrolment.Role.MENTOR if item.owner_id == match.mentor.user_id else Enrolment.Role.MENTEE
            kwargs.setdefault(
                "initial",
                {"description": item.description, "owner": role, "due_on": item.due_on, "goal": item.goal_id},
            )
        super().__init__(*args, **kwargs)
        self.match = match
        self.goals = goals_to_link(match, keep=item.goal if item is not None else None)
        self.fields["goal"] = _goal_field(self.goals)

    def clean_owner(self) -> object:
        role = self.cleaned_data["owner"]
        return self.match.mentor.user if role == Enrolment.Role.MENTOR else self.match.mentee.user

    def clean_goal(self) -> Goal | None:
        return self.goals.get(self.cleaned_data.get("goal"))


CATEGORY_CHOICES = [
    ("match", _("The match")),
    ("meetings", _("Meetings")),
    ("goals", _("Goals")),
    ("action_items", _("Action items")),
    ("flags", _("Flags")),
]


class TimelineFilterForm(forms.Form):
    """The pair's history page: which kinds of events to show (none ticked: all)."""

    category = forms.MultipleChoiceField(
        label=_("Show"), choices=CATEGORY_CHOICES, required=False, widget=forms.CheckboxSelectMultiple
    )


def tomorrow() -> datetime.date:
    return timezone.localdate() + datetime.timedelta(days=1)
