"""API of meetings: list, schedule, detail, reschedule, cancel, log; notes (private ones
only to their author); action items; the calendar feed token. Same scoping, predicates
and services as the HTML views."""

import datetime

from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import generics, serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from goals.models import Goal
from matching.models import Match
from mentoring.api import ErrorSerializer
from mentoring.shortcuts import require
from programmes.models import Enrolment
from sessions import permissions
from sessions.models import ActionItem, CalendarFeed, Meeting, MeetingNote
from sessions.services import feeds
from sessions.services import meetings as services
from sessions.timeline import CATEGORIES, KINDS, MATCH_RELATED, Timeline

ERRORS = {
    400: OpenApiResponse(description="Invalid input or a refused change; the body says what is wrong."),
    403: OpenApiResponse(ErrorSerializer, description="You may see this but not do this."),
    404: OpenApiResponse(ErrorSerializer, description="Not among the things you can see."),
}
MEETING_RELATED = (
    "match__programme", "match__mentor__user", "match__mentee__user", "organiser", "rescheduled_by",
    "cancelled_by", "logged_by",
)  # fmt: skip


def _meetings(request: Request) -> QuerySet[Meeting]:
    return Meeting.objects.visible_to(request.user).select_related(*MEETING_RELATED)


def _match(request: Request, pk: int) -> Match:
    return get_object_or_404(
        Match.objects.visible_to(request.user).select_related("programme", "mentor__user", "mentee__user"), pk=pk
    )


# --- Shapes ------------------------------------------------------------------------------


class MeetingPersonBrief(serializers.Serializer):
    id = serializers.IntegerField()
    display_name = serializers.CharField()


class MeetingOutput(serializers.Serializer):
    id = serializers.IntegerField()
    match = serializers.IntegerField(source="match_id")
    organiser = MeetingPersonBrief(allow_null=True)
    start = serializers.DateTimeField(help_text="In UTC.")
    end = serializers.SerializerMethodField()
    duration_minutes = serializers.IntegerField()
    mode = serializers.ChoiceField(choices=Meeting.Mode.choices)
    place = serializers.CharField()
    video_link = serializers.CharField()
    agenda = serializers.CharField()
    status = serializers.ChoiceField(choices=Meeting.Status.choices)
    uid = serializers.CharField()
    sequence = serializers.IntegerField()
    rescheduled_from = serializers.IntegerField(source="rescheduled_from_id", allow_null=True)
    rescheduled_by = MeetingPersonBrief(allow_null=True)
    rescheduled_at = serializers.DateTimeField(allow_null=True)
    reschedule_reason = serializers.CharField()
    cancelled_by = MeetingPersonBrief(allow_null=True)
    cancelled_at = serializers.DateTimeField(allow_null=True)
    cancel_reason = serializers.CharField()
    cancel_note = serializers.CharField()
    notice_hours = serializers.FloatField(allow_null=True)
    absent = serializers.CharField()
    topics = serializers.ListField(child=serializers.CharField())
    logged_by = MeetingPersonBrief(allow_null=True)
    logged_at = serializers.DateTimeField(allow_null=True)

    def get_end(self, meeting: Meeting) -> datetime.datetime:
        return meeting.start + datetime.timedelta(minutes=meeting.duration_minutes)


class MeetingConflictOutput(serializers.Serializer):
    meeting = serializers.IntegerField(source="pk")
    start = serializers.DateTimeField()
    duration_minutes = serializers.IntegerField()


class MeetingScheduledOutput(serializers.Serializer):
    meeting = MeetingOutput()
    conflicts = MeetingConflictOutput(many=True, help_text="Overlapping meetings of either side: a warning only.")


class MeetingWhenInput(serializers.Serializer):
    date = serializers.DateField(help_text="Local date in `timezone`.")
    time = serializers.TimeField(
        help_text="Local time in `timezone`. A time skipped by a DST change is refused; a repeated one means its "
        "first occurrence (summer time)."
    )
    timezone = serializers.CharField(
        max_length=64, required=False, help_text="IANA zone name, e.g. Europe/Copenhagen; default: your own."
    )
    duration_minutes = serializers.IntegerField(min_value=5, max_value=480, default=60)
    mode = serializers.ChoiceField(choices=Meeting.Mode.choices, default=Meeting.Mode.ONLINE)
    place = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    video_link = serializers.URLField(max_length=500, required=False, allow_blank=True, default="")
    agenda = serializers.CharField(max_length=4000, required=False, allow_blank=True, default="")

    def validate(self, data: dict) -> dict:
        zone = data.pop("timezone", None) or self.context["request"].user.timezone or "UTC"
        data["start"] = services.aware_from_local(day=data.pop("date"), at=data.pop("time"), zone_name=zone)
        return data


class MeetingScheduleInput(MeetingWhenInput):
    match = serializers.IntegerField(min_value=1)


class MeetingRescheduleInput(MeetingWhenInput):
    reason = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")


class MeetingCancelInput(serializers.Serializer):
    reason = serializers.ChoiceField(choices=Meeting.CancelReason.choices)
    note = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")


class MeetingActionItemInlineInput(serializers.Serializer):
    description = serializers.CharField(max_length=500)
    owner = serializers.ChoiceField(choices=[Enrolment.Role.MENTOR, Enrolment.Role.MENTEE])
    due_on = serializers.DateField(required=False, allow_null=True, default=None)
    goal = serializers.IntegerField(
        min_value=1, max_value=2**63 - 1, required=False, allow_null=True, default=None,
        help_text="One of the pair's goals that this item serves.",
    )  # fmt: skip


class MeetingLogInput(serializers.Serializer):
    held = serializers.BooleanField(default=True)
    absent = serializers.ChoiceField(choices=Meeting.Absent.choices, required=False, allow_blank=True, default="")
    topics = serializers.ListField(
        child=serializers.CharField(max_length=services.TOPIC_LIMIT), max_length=services.TOPICS_MAX, default=list
    )
    shared_note = serializers.CharField(max_length=10_000, required=False, allow_blank=True, default="")
    private_note = serializers.CharField(max_length=10_000, required=False, allow_blank=True, default="")
    action_items = MeetingActionItemInlineInput(many=True, required=False, default=list)


class MeetingNoteOutput(serializers.Serializer):
    id = serializers.IntegerField()
    meeting = serializers.IntegerField(source="meeting_id")
    author = MeetingPersonBrief()
    visibility = serializers.ChoiceField(choices=MeetingNote.Visibility.choices)
    text = serializers.CharField()
    created_at = serializers.DateTimeField()


class MeetingNoteInput(serializers.Serializer):
    text = serializers.CharField(max_length=10_000)
    visibility = serializers.ChoiceField(choices=MeetingNote.Visibility.choices, default=MeetingNote.Visibility.SHARED)


class ActionItemOutput(serializers.Serializer):
    id = serializers.IntegerField()
    match = serializers.IntegerField(source="match_id")
    meeting = serializers.IntegerField(source="meeting_id", allow_null=True)
    owner = MeetingPersonBrief()
    description = serializers.CharField()
    due_on = serializers.DateField(allow_null=True)
    done_at = serializers.DateTimeField(allow_null=True)
    created_at = serializers.DateTimeField()
    goal = serializers.IntegerField(source="goal_id", allow_null=True, help_text="The goal this item serves.")


class MeetingActionItemInput(MeetingActionItemInlineInput):
    match = serializers.IntegerField(min_value=1)
    meeting = serializers.IntegerField(min_value=1, required=False, allow_null=True, default=None)


class CalendarFeedOutput(serializers.Serializer):
    active = serializers.BooleanField()
    url = serializers.CharField(allow_blank=True, help_text="Secret: whoever has it reads your upcoming meetings.")
    created_at = serializers.DateTimeField(allow_null=True)


def _owner(match: Match, role: str) -> object:
    return match.mentor.user if role == Enrolment.Role.MENTOR else match.mentee.user


def _goal(match: Match, goal_id: int | None) -> Goal | None:
    """The pair's goal by id; another pair's goal and a missing one get the same answer."""
    if goal_id is None:
        return None
    goal = Goal.objects.filter(pk=goal_id, match=match).first()
    if goal is None:
        raise ValidationError({"goal": _("Choose one of this pair's goals.")})
    return goal


def _conflicts(match: Match, start: datetime.datetime, duration: int, exclude: Meeting | None = None) -> list:
    found: dict[int, Meeting] = {}
    for person in services.pair_users(match):
        for meeting in services.conflicts_for(user=person, start=start, duration_minutes=duration, exclude=exclude):
            found[meeting.pk] = meeting
    return sorted(found.values(), key=lambda m: m.start)


# --- Meetings ----------------------------------------------------------------------------


class MeetingListFilter(serializers.Serializer):
    match = serializers.IntegerField(required=False, min_value=1, max_value=2**63 - 1)
    status = serializers.ChoiceField(required=False, choices=Meeting.Status.values)
    upcoming = serializers.BooleanField(required=False)


class ActionItemListFilter(serializers.Serializer):
    match = serializers.IntegerField(required=False, min_value=1, max_value=2**63 - 1)
    open = serializers.BooleanField(required=False)


@extend_schema(
    parameters=[
        OpenApiParameter("match", int, description="Only this match's meetings."),
        OpenApiParameter("status", str, enum=Meeting.Status.values, description="Only meetings in this status."),
        OpenApiParameter("upcoming", bool, description="Only scheduled meetings that have not started."),
    ]
)
class MeetingListApi(generics.ListAPIView):
    """Meetings you can see: your own, and your programmes' for coordinators. Newest first."""

    serializer_class = MeetingOutput

    def get_queryset(self) -> QuerySet[Meeting]:
        if getattr(self, "swagger_fake_view", False):
            return Meeting.objects.none()
        meetings = _meetings(self.request).order_by("-start", "pk")
        filters = MeetingListFilter(data=self.request.query_params)
        filters.is_valid(raise_exception=True)
        params = filters.validated_data
        if "match" in params:
            meetings = meetings.filter(match_id=params["match"])
        if "status" in params:
            meetings = meetings.filter(status=params["status"])
        if params.get("upcoming"):
            meetings = meetings.filter(status=Meeting.Status.SCHEDULED, start__gte=timezone.now()).order_by("start")
        return meetings

    @extend_schema(request=MeetingScheduleInput, responses={201: MeetingScheduledOutput, **ERRORS})
    def post(self, request: Request) -> Response:
        """Schedule a meeting for an active match; the other side gets an invitation."""
        data = MeetingScheduleInput(data=request.data, context={"request": request})
        data.is_valid(raise_exception=True)
        fields = dict(data.validated_data)
        match = _match(request, fields.pop("match"))
        require(permissions.can_schedule_meeting(request.user, match))
        conflicts = _conflicts(match, fields["start"], fields["duration_minutes"])
        meeting = services.schedule_meeting(match=match, organiser=request.user, **fields)
        meeting = _meetings(request).get(pk=meeting.pk)
        return Response(
            MeetingScheduledOutput({"meeting": meeting, "conflicts": conflicts}).data, status=status.HTTP_201_CREATED
        )


class MeetingDetailApi(APIView):
    @extend_schema(responses={200: MeetingOutput, **ERRORS})
    def get(self, request: Request, pk: int) -> Response:
        return Response(MeetingOutput(get_object_or_404(_meetings(request), pk=pk)).data)


class MeetingRescheduleApi(APIView):
    @extend_schema(request=MeetingRescheduleInput, responses={201: MeetingScheduledOutput, **ERRORS})
    def post(self, request: Request, pk: int) -> Response:
        """Move a scheduled meeting: a new meeting replaces it (same calendar event, SEQUENCE + 1)."""
        meeting = get_object_or_404(_meetings(request), pk=pk)
        require(permissions.can_change_meeting(request.user, meeting))
        data = MeetingRescheduleInput(data=request.data, context={"request": request})
        data.is_valid(raise_exception=True)
        fields = dict(data.validated_data)
        conflicts = _conflicts(meeting.match, fields["start"], fields["duration_minutes"], exclude=meeting)
        new = services.reschedule_meeting(meeting=meeting, by=request.user, **fields)
        new = _meetings(request).get(pk=new.pk)
        return Response(
            MeetingScheduledOutput({"meeting": new, "conflicts": conflicts}).data, status=status.HTTP_201_CREATED
        )


class MeetingCancelApi(APIView):
    @extend_schema(request=MeetingCancelInput, responses={200: MeetingOutput, **ERRORS})
    def post(self, request: Request, pk: int) -> Response:
        """Cancel a scheduled meeting with a reason; the other side is told."""
        meeting = get_object_or_404(_meetings(request), pk=pk)
        require(permissions.can_change_meeting(request.user, meeting))
        data = MeetingCancelInput(data=request.data)
        data.is_valid(raise_exception=True)
        meeting = services.cancel_meeting(meeting=meeting, by=request.user, **data.validated_data)
        return Response(MeetingOutput(meeting).data)


class MeetingLogApi(APIView):
    @extend_schema(request=MeetingLogInput, responses={200: MeetingOutput, **ERRORS})
    def post(self, request: Request, pk: int) -> Response:
        """Log a meeting after its start: held or no-show, topics, notes and action items at once."""
        meeting = get_object_or_404(_meetings(request), pk=pk)
        require(permissions.can_log_meeting(request.user, meeting))
        data = MeetingLogInput(data=request.data)
        data.is_valid(raise_exception=True)
        fields = dict(data.validated_data)
        items = [
            services.ActionItemInput(
                description=item["description"],
                owner=_owner(meeting.match, item["owner"]),
                due_on=item["due_on"],
                goal=_goal(meeting.match, item["goal"]),
            )
            for item in fields.pop("action_items")
        ]
        services.log_meeting(meeting=meeting, by=request.user, action_items=items, **fields)
        return Response(MeetingOutput(_meetings(request).get(pk=meeting.pk)).data)


class MeetingNotesApi(generics.ListAPIView):
    """Notes on a meeting you may read: shared ones, and your own private ones."""

    serializer_class = MeetingNoteOutput

    def get_queryset(self) -> QuerySet[MeetingNote]:
        if getattr(self, "swagger_fake_view", False):
            return MeetingNote.objects.none()
        meeting = get_object_or_404(_meetings(self.request), pk=self.kwargs["pk"])
        return MeetingNote.objects.visible_to(self.request.user).filter(meeting=meeting).select_related("author")

    @extend_schema(request=MeetingNoteInput, responses={201: MeetingNoteOutput, **ERRORS})
    def post(self, request: Request, pk: int) -> Response:
        meeting = get_object_or_404(_meetings(request), pk=pk)
        require(permissions.can_add_note(request.user, meeting))
        data = MeetingNoteInput(data=request.data)
        data.is_valid(raise_exception=True)
        note = services.add_note(meeting=meeting, author=request.user, **data.validated_data)
        return Response(MeetingNoteOutput(note).data, status=status.HTTP_201_CREATED)


# --- Action items ------------------------------------------------------------------------


@extend_schema(
    parameters=[
        OpenApiParameter("match", int, description="Only this match's action items."),
        OpenApiParameter("open", bool, description="Only items not done yet."),
    ]
)
class ActionItemListApi(generics.ListAPIView):
    """Action items of the matches you can see."""

    serializer_class = ActionItemOutput

    def get_queryset(self) -> QuerySet[ActionItem]:
        if getattr(self, "swagger_fake_view", False):
            return ActionItem.objects.none()
        items = ActionItem.objects.visible_to(self.request.user).select_related("owner")
        filters = ActionItemListFilter(data=self.request.query_params)
        filters.is_valid(raise_exception=True)
        params = filters.validated_data
        if "match" in params:
            items = items.filter(match_id=params["match"])
        if params.get("open"):
            items = items.open()
        return items

    @extend_schema(request=MeetingActionItemInput, responses={201: ActionItemOutput, **ERRORS})
    def post(self, request: Request) -> Response:
        data = MeetingActionItemInput(data=request.data)
        data.is_valid(raise_exception=True)
        fields = dict(data.validated_data)
        match = _match(request, fields.pop("match"))
        require(permissions.can_add_action_item(request.user, match))
        meeting_id = fields.pop("meeting")
        meeting = get_object_or_404(_meetings(request), pk=meeting_id) if meeting_id else None
        goal = _goal(match, fields.pop("goal"))
        item = services.add_action_item(
            match=match, created_by=request.user, owner=_owner(match, fields.pop("owner")), meeting=meeting, goal=goal,
            **fields,
        )  # fmt: skip
        return Response(ActionItemOutput(item).data, status=status.HTTP_201_CREATED)


def _action_item(request: Request, pk: int) -> ActionItem:
    return get_object_or_404(
        ActionItem.objects.visible_to(request.user).select_related(
            "owner", "match__mentor__user", "match__mentee__user"
        ),
        pk=pk,
    )


class ActionItemUpdateInput(serializers.Serializer):
    description = serializers.CharField(max_length=500, required=False)
    owner = serializers.ChoiceField(choices=[Enrolment.Role.MENTOR, Enrolment.Role.MENTEE], required=False)
    due_on = serializers.DateField(required=False, allow_null=True, help_text="null: no due date.")
    goal = serializers.IntegerField(
        min_value=1, max_value=2**63 - 1, required=False, allow_null=True, help_text="null: not linked to a goal."
    )


class ActionItemDetailApi(APIView):
    @extend_schema(responses={200: ActionItemOutput, **ERRORS})
    def get(self, request: Request, pk: int) -> Response:
        return Response(ActionItemOutput(_action_item(request, pk)).data)

    @extend_schema(request=ActionItemUpdateInput, responses={200: ActionItemOutput, **ERRORS})
    def patch(self, request: Request, pk: int) -> Response:
        """Change what, who, when or the goal: either side of an active match. A new due date
        allows a new overdue reminder."""
        item = _action_item(request, pk)
        require(permissions.can_edit_action_item(request.user, item))
        data = ActionItemUpdateInput(data=request.data)
        data.is_valid(raise_exception=True)
        fields = dict(data.validated_data)
        changes: dict = {}
        if "description" in fields:
            changes["description"] = fields["description"]
        if "owner" in fields:
            changes["owner"] = _owner(item.match, fields["owner"])
        if "due_on" in fields:
            changes["due_on"] = fields["due_on"]
        if "goal" in fields:
            changes["goal"] = _goal(item.match, fields["goal"])
        services.update_action_item(item=item, by=request.user, **changes)
        return Response(ActionItemOutput(_action_item(request, pk)).data)


class ActionItemReopenApi(APIView):
    @extend_schema(request=None, responses={200: ActionItemOutput, **ERRORS})
    def post(self, request: Request, pk: int) -> Response:
        """Un-tick an item marked done by mistake."""
        item = _action_item(request, pk)
        require(permissions.can_reopen_action_item(request.user, item))
        services.reopen_action_item(item=item, by=request.user)
        return Response(ActionItemOutput(_action_item(request, pk)).data)


# --- Timeline ----------------------------------------------------------------------------


class TimelineEntryOutput(serializers.Serializer):
    at = serializers.DateTimeField()
    kind = serializers.ChoiceField(choices=KINDS)
    category = serializers.ChoiceField(choices=list(CATEGORIES))
    actor = MeetingPersonBrief(allow_null=True)
    text = serializers.CharField()
    detail = serializers.CharField(help_text="More about it: a reason, topics, an update's text. May be empty.")
    url = serializers.CharField(help_text="A page of this site about it; may be empty.")
    celebration = serializers.BooleanField(help_text="An achievement: a goal achieved or a milestone reached.")


@extend_schema(
    parameters=[
        OpenApiParameter(
            "category",
            str,
            many=True,
            enum=list(CATEGORIES),
            description="Only these categories; repeat the parameter or separate values with commas. Default: all.",
        ),
    ]
)
class MatchTimelineApi(generics.ListAPIView):
    """The history of a match you can see, newest first: the match's steps, meetings, goals
    (their content only where you may read goals), action items and flags. Never any meeting
    note."""

    serializer_class = TimelineEntryOutput

    def get_queryset(self) -> Timeline | QuerySet[Match]:
        if getattr(self, "swagger_fake_view", False):
            return Match.objects.none()
        match = get_object_or_404(
            Match.objects.visible_to(self.request.user).select_related(*MATCH_RELATED), pk=self.kwargs["pk"]
        )
        return Timeline(match=match, user=self.request.user, categories=self.request.query_params.getlist("category"))


class ActionItemCompleteApi(APIView):
    @extend_schema(request=None, responses={200: ActionItemOutput, **ERRORS})
    def post(self, request: Request, pk: int) -> Response:
        item = get_object_or_404(
            ActionItem.objects.visible_to(request.user).select_related("owner", "match__mentor", "match__mentee"),
            pk=pk,
        )
        require(permissions.can_complete_action_item(request.user, item))
        return Response(ActionItemOutput(services.complete_action_item(item=item, by=request.user)).data)


# --- Calendar feed -----------------------------------------------------------------------


def _feed_data(request: Request, feed: CalendarFeed | None) -> dict:
    if feed is None:
        return {"active": False, "url": "", "created_at": None}
    url = request.build_absolute_uri(reverse("calendar-feed", kwargs={"token": feed.token}))
    return {"active": True, "url": url, "created_at": feed.created_at}


class FeedTokenApi(APIView):
    @extend_schema(responses={200: CalendarFeedOutput})
    def get(self, request: Request) -> Response:
        """Your private calendar feed URL, if you made one."""
        return Response(
            CalendarFeedOutput(_feed_data(request, CalendarFeed.objects.filter(user=request.user).first())).data
        )

    @extend_schema(request=None, responses={200: CalendarFeedOutput})
    def delete(self, request: Request) -> Response:
        """Revoke the feed: its URL stops working."""
        feeds.revoke_feed(user=request.user)
        return Response(CalendarFeedOutput(_feed_data(request, None)).data)


class FeedRegenerateApi(APIView):
    @extend_schema(request=None, responses={200: CalendarFeedOutput})
    def post(self, request: Request) -> Response:
        """Create the feed, or replace its URL (the old one stops working)."""
        return Response(CalendarFeedOutput(_feed_data(request, feeds.regenerate_feed_token(user=request.user))).data)
