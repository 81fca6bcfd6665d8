"""API of the dashboards: a programme's figures, chart series and work queue, and the HR
overview across programmes. The same scoping, predicates and `reports.figures` numbers
as the HTML pages; aggregates only, never note text or goal content.
"""

import zoneinfo
from collections.abc import Iterator
from contextlib import contextmanager

from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.exceptions import PermissionDenied
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from matching.models import Flag
from mentoring.api import ErrorSerializer
from profiles.models import User
from programmes.models import Programme
from reports import figures, forms, permissions

BAD_FILTER = OpenApiResponse(description="A filter value that is not valid; the body names each field's problem.")
REASON_KINDS = [f"flag_{kind}" for kind in Flag.Kind.values] + ["no_meeting", "unlogged", "overdue_goals"]


# --- Filters -------------------------------------------------------------------------------------


class DashboardPeriodFilter(serializers.Serializer):
    date_from = serializers.DateField(
        required=False, help_text="First day counted (inclusive), in your time zone; default: the beginning."
    )
    date_to = serializers.DateField(
        required=False, help_text="Last day counted (inclusive), in your time zone; default: today and beyond."
    )

    def validate(self, data: dict) -> dict:
        try:
            forms.check_period(data.get("date_from"), data.get("date_to"))
        except ValidationError as error:
            raise serializers.ValidationError(error.message_dict) from error
        return data


class DashboardFilter(DashboardPeriodFilter):
    cohort = serializers.RegexField(
        r"^\d{4}-\d{2}$",
        required=False,
        max_length=7,
        help_text="Only people who enrolled in this month (YYYY-MM), and their pairs.",
    )

    def validate_cohort(self, value: str) -> str:
        try:
            month = figures.parse_cohort(value)
        except ValueError:
            raise serializers.ValidationError(_("Give a month as YYYY-MM, e.g. 2026-03.")) from None
        if not forms.EARLIEST <= month <= forms.LATEST:
            raise serializers.ValidationError(_("Give a month between 2000 and 2100."))
        return value


@contextmanager
def _in_zone_of(user: User) -> Iterator[None]:
    """Dates are the caller's: token requests get past the time zone middleware (DRF
    authenticates them in the view), so the zone is set here as well."""
    try:
        zone = zoneinfo.ZoneInfo(user.timezone or "UTC")
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        zone = zoneinfo.ZoneInfo("UTC")
    with timezone.override(zone):
        yield


def _filters(serializer_class: type[DashboardPeriodFilter], request: Request) -> dict:
    data = serializer_class(data=request.query_params)
    data.is_valid(raise_exception=True)
    return data.validated_data


# --- Shapes --------------------------------------------------------------------------------------


class DashboardProgrammeBrief(serializers.Serializer):
    id = serializers.IntegerField()
    slug = serializers.SlugField()
    name = serializers.CharField()
    status = serializers.ChoiceField(choices=Programme.Status.choices)
    archived = serializers.BooleanField()


class DashboardPeriodOutput(serializers.Serializer):
    date_from = serializers.DateField(allow_null=True)
    date_to = serializers.DateField(allow_null=True)
    cohort = serializers.CharField(allow_null=True)
    first_activity = serializers.DateField(
        allow_null=True, help_text="The first publication, meeting or goal counted; null when there is none."
    )


class DashboardTargetsOutput(serializers.Serializer):
    match_rate_target = serializers.IntegerField(help_text="Percent.")
    no_meeting_days = serializers.IntegerField(help_text="Days without a meeting before a pair is at risk.")


class DashboardStatusCounts(serializers.Serializer):
    invited = serializers.IntegerField()
    applied = serializers.IntegerField()
    approved = serializers.IntegerField()
    declined = serializers.IntegerField()
    withdrawn = serializers.IntegerField()
    removed = serializers.IntegerField()
    total = serializers.IntegerField()


class DashboardParticipantsOutput(serializers.Serializer):
    mentor = DashboardStatusCounts()
    mentee = DashboardStatusCounts()
    total = serializers.IntegerField()


class DashboardMatchingOutput(serializers.Serializer):
    mentees_approved = serializers.IntegerField()
    mentees_matched = serializers.IntegerField(help_text="Approved mentees with a published or ended match.")
    mentees_unmatched = serializers.IntegerField()
    match_rate = serializers.FloatField(allow_null=True, help_text="Percent; null without approved mentees.")
    match_rate_target = serializers.IntegerField(help_text="Percent.")
    meets_target = serializers.BooleanField(allow_null=True)


class DashboardMatchesOutput(serializers.Serializer):
    proposed = serializers.IntegerField()
    accepted = serializers.IntegerField()
    active = serializers.IntegerField()
    ended = serializers.IntegerField()
    declined = serializers.IntegerField()
    started_in_period = serializers.IntegerField()
    ended_in_period = serializers.IntegerField()


class DashboardSideCounts(serializers.Serializer):
    mentor = serializers.IntegerField()
    mentee = serializers.IntegerField()
    other = serializers.IntegerField(help_text="Someone else, e.g. a coordinator.")


class DashboardAbsentCounts(serializers.Serializer):
    mentor = serializers.IntegerField()
    mentee = serializers.IntegerField()
    both = serializers.IntegerField()


class DashboardMeetingsOutput(serializers.Serializer):
    planned = serializers.IntegerField(help_text="Every meeting starting in the period, postponed ones included.")
    held = serializers.IntegerField()
    scheduled = serializers.IntegerField()
    unlogged = serializers.IntegerField(help_text="Still scheduled two days after their start.")
    cancelled = serializers.IntegerField()
    rescheduled = serializers.IntegerField(help_text="Postponements.")
    no_show = serializers.IntegerField()
    cancellation_rate = serializers.FloatField(allow_null=True, help_text="Percent of planned meetings.")
    postponement_rate = serializers.FloatField(allow_null=True, help_text="Percent of planned meetings.")
    no_show_rate = serializers.FloatField(allow_null=True, help_text="Percent of planned meetings.")
    cancelled_by = DashboardSideCounts()
    rescheduled_by = DashboardSideCounts()
    no_show_by = DashboardAbsentCounts(help_text="Who did not come.")
    pair_months = serializers.FloatField(help_text="Pairs active in each month of the period, summed.")
    per_match_per_month = serializers.FloatField(allow_null=True, help_text="Meetings held per pair-month.")


class DashboardGoalsOutput(serializers.Serializer):
    created = serializers.IntegerField(help_text="Goals set in the period.")
    not_started = serializers.IntegerField()
    in_progress = serializers.IntegerField()
    achieved = serializers.IntegerField()
    dropped = serializers.IntegerField()
    completion_rate = serializers.FloatField(allow_null=True, help_text="Percent achieved of those not dropped.")
    average_progress = serializers.FloatField(allow_null=True, help_text="Percent, dropped goals left out.")
    overdue = serializers.IntegerField(help_text="Open goals past their target date or with a milestone overdue.")


class DashboardFlagKindCounts(serializers.Serializer):
    cancellations = serializers.IntegerField()
    postponements = serializers.IntegerField()
    no_shows = serializers.IntegerField()
    inactivity = serializers.IntegerField()
    overdue_goals = serializers.IntegerField()


class DashboardFlagsOutput(serializers.Serializer):
    open = serializers.IntegerField()
    open_by_kind = DashboardFlagKindCounts()
    raised_in_period = serializers.IntegerField()


class DashboardSatisfactionOutput(serializers.Serializer):
    ratings = serializers.IntegerField(help_text="Always 0: participants cannot rate their mentoring yet.")
    average = serializers.FloatField(allow_null=True, help_text="Always null: no ratings yet.")


class DashboardFiguresOutput(serializers.Serializer):
    programme = DashboardProgrammeBrief()
    period = DashboardPeriodOutput()
    targets = DashboardTargetsOutput()
    participants = DashboardParticipantsOutput()
    matching = DashboardMatchingOutput()
    matches = DashboardMatchesOutput()
    meetings = DashboardMeetingsOutput()
    goals = DashboardGoalsOutput()
    flags = DashboardFlagsOutput()
    satisfaction = DashboardSatisfactionOutput()


def _counts(help_text: str) -> serializers.ListField:
    return serializers.ListField(child=serializers.IntegerField(), help_text=help_text)


class DashboardMeetingSeries(serializers.Serializer):
    held = _counts("Per bucket.")
    scheduled = _counts("Per bucket: still scheduled (upcoming or not logged).")
    cancelled = _counts("Per bucket.")
    rescheduled = _counts("Per bucket: postponed.")
    no_show = _counts("Per bucket.")


class DashboardMatchSeries(serializers.Serializer):
    waiting = _counts("At the end of each bucket: published, not started, not over.")
    active = _counts("At the end of each bucket.")
    ended = _counts("At the end of each bucket, in total.")


class DashboardGoalSeries(serializers.Serializer):
    created = _counts("Per bucket.")
    achieved = _counts("Per bucket.")


class DashboardSeriesOutput(serializers.Serializer):
    unit = serializers.ChoiceField(choices=["week", "month"])
    buckets = serializers.ListField(
        child=serializers.DateField(), help_text="First day of each week (Monday) or month."
    )
    meetings = DashboardMeetingSeries()
    matches = DashboardMatchSeries()
    goals = DashboardGoalSeries()


class DashboardReasonOutput(serializers.Serializer):
    kind = serializers.ChoiceField(choices=REASON_KINDS)
    label = serializers.CharField()
    action = serializers.CharField()
    url = serializers.CharField(help_text="The page where to act: the flag, the meeting or the pair.")


class DashboardPairAtRiskOutput(serializers.Serializer):
    match = serializers.IntegerField(source="match.pk")
    mentor = serializers.CharField()
    mentee = serializers.CharField()
    url = serializers.CharField()
    last_meeting = serializers.DateTimeField(allow_null=True)
    reasons = DashboardReasonOutput(many=True)


class DashboardWaitingRequestOutput(serializers.Serializer):
    id = serializers.IntegerField(source="request.pk")
    mentor = serializers.CharField()
    mentee = serializers.CharField()
    created_at = serializers.DateTimeField()
    expires_at = serializers.DateTimeField()
    days_waiting = serializers.IntegerField()
    action = serializers.CharField()
    url = serializers.CharField()


class DashboardWorkQueueOutput(serializers.Serializer):
    no_meeting_days = serializers.IntegerField()
    pairs = DashboardPairAtRiskOutput(many=True, help_text="The most urgent pairs (at most 50).")
    pairs_total = serializers.IntegerField()
    requests = DashboardWaitingRequestOutput(many=True, help_text="The oldest unanswered requests (at most 50).")
    requests_total = serializers.IntegerField()


class DashboardOutput(serializers.Serializer):
    figures = DashboardFiguresOutput()
    series = DashboardSeriesOutput()
    work_queue = DashboardWorkQueueOutput()


class DashboardDepartmentOutput(serializers.Serializer):
    department = serializers.CharField(help_text="From the profiles; empty when not given.")
    people = serializers.IntegerField()
    mentors = serializers.IntegerField()
    mentees = serializers.IntegerField()
    mentees_matched = serializers.IntegerField()
    match_rate = serializers.FloatField(allow_null=True)
    programmes = serializers.IntegerField()


class DashboardTrendsOutput(serializers.Serializer):
    unit = serializers.ChoiceField(choices=["month"])
    buckets = serializers.ListField(child=serializers.DateField())
    mentors_joined = _counts("Approved mentors by the month they enrolled.")
    mentees_joined = _counts("Approved mentees by the month they enrolled.")
    matches_started = _counts("Per month.")
    meetings_held = _counts("Per month.")
    goals_achieved = _counts("Per month.")


class ReportsOverviewPeriodOutput(serializers.Serializer):
    date_from = serializers.DateField(allow_null=True)
    date_to = serializers.DateField(allow_null=True)


class ReportsOverviewOutput(serializers.Serializer):
    period = ReportsOverviewPeriodOutput()
    programmes = DashboardFiguresOutput(many=True)
    departments = DashboardDepartmentOutput(many=True)
    trends = DashboardTrendsOutput()


# --- Endpoints -----------------------------------------------------------------------------------


class ProgrammeDashboardApi(APIView):
    @extend_schema(
        parameters=[DashboardFilter],
        responses={
            200: DashboardOutput,
            400: BAD_FILTER,
            404: OpenApiResponse(ErrorSerializer, description="Not a programme whose dashboard you can see."),
        },
    )
    def get(self, request: Request, slug: str) -> Response:
        """A programme's dashboard: figures, chart series and the work queue. For the
        programme's coordinators, HR admins and site admins."""
        programme = get_object_or_404(permissions.dashboard_programmes(request.user), slug=slug)
        data = _filters(DashboardFilter, request)
        period = {
            "date_from": data.get("date_from"),
            "date_to": data.get("date_to"),
            "cohort": data.get("cohort"),
        }
        with _in_zone_of(request.user):
            numbers, series = figures.programme_figures_and_series(programme=programme, **period)
            queue = figures.work_queue(programme=programme, cohort=period["cohort"])
            return Response(DashboardOutput({"figures": numbers, "series": series, "work_queue": queue}).data)


class ReportsOverviewApi(APIView):
    @extend_schema(
        parameters=[DashboardPeriodFilter],
        responses={
            200: ReportsOverviewOutput,
            400: BAD_FILTER,
            403: OpenApiResponse(ErrorSerializer, description="For HR admins and site admins only."),
        },
    )
    def get(self, request: Request) -> Response:
        """Every programme's figures side by side, participation by department and trends
        by month. For HR admins and site admins."""
        if not permissions.can_view_hr_overview(request.user):
            raise PermissionDenied
        data = _filters(DashboardPeriodFilter, request)
        with _in_zone_of(request.user):
            overview = figures.hr_overview(date_from=data.get("date_from"), date_to=data.get("date_to"))
            return Response(ReportsOverviewOutput(overview).data)
