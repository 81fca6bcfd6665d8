"""API of the audit log: one read-only list for HR and site admins (403 for anyone else).

Filters are checked by a serializer (400 with field messages); dates are whole days in the
caller's time zone, `date_to` included."""

import datetime
import zoneinfo

from django.db.models import QuerySet
from django.utils import timezone
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import generics, serializers
from rest_framework.exceptions import PermissionDenied
from rest_framework.request import Request

from audit import permissions
from audit.models import AuditEvent
from mentoring.api import ErrorSerializer


class AuditActorOutput(serializers.Serializer):
    id = serializers.IntegerField()
    display_name = serializers.CharField()
    email = serializers.EmailField()


class AuditEventOutput(serializers.Serializer):
    id = serializers.IntegerField()
    at = serializers.DateTimeField()
    action = serializers.ChoiceField(choices=AuditEvent.Action.choices)
    actor = AuditActorOutput(allow_null=True, help_text="Empty for the system (a periodic task) or a deleted account.")
    programme_id = serializers.IntegerField(allow_null=True)
    target_type = serializers.CharField(help_text='What it concerns, as "app_label.model"; empty for none.')
    target_id = serializers.CharField()
    details = serializers.DictField(help_text="Ids, counts and statuses; never personal data.")
    ip_address = serializers.IPAddressField(allow_null=True)


# Far-off dates would overflow when turned into aware datetimes; nothing was logged then.
EARLIEST_DAY, LATEST_DAY = datetime.date(1970, 1, 1), datetime.date(9000, 12, 31)


def _within_range(value: datetime.date) -> datetime.date:
    if not EARLIEST_DAY <= value <= LATEST_DAY:
        raise serializers.ValidationError(f"Choose a date between {EARLIEST_DAY} and {LATEST_DAY}.")
    return value


class AuditFilter(serializers.Serializer):
    action = serializers.ChoiceField(choices=AuditEvent.Action.choices, required=False)
    actor = serializers.CharField(max_length=254, required=False, help_text="Part of the actor's e-mail address.")
    programme = serializers.IntegerField(min_value=1, max_value=2_147_483_647, required=False)
    date_from = serializers.DateField(required=False)
    date_to = serializers.DateField(required=False)

    def validate_actor(self, value: str) -> str:
        # NUL cannot go into a PostgreSQL query.
        return value.replace("\x00", "").strip()

    def validate_date_from(self, value: datetime.date) -> datetime.date:
        return _within_range(value)

    def validate_date_to(self, value: datetime.date) -> datetime.date:
        return _within_range(value)

    def validate(self, attrs: dict) -> dict:
        if attrs.get("date_from") and attrs.get("date_to") and attrs["date_to"] < attrs["date_from"]:
            raise serializers.ValidationError({"date_to": "The end date is before the start date."})
        return attrs


def day_start(day: datetime.date, zone: datetime.tzinfo) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time.min, tzinfo=zone)


def user_zone(user: object) -> datetime.tzinfo:
    try:
        return zoneinfo.ZoneInfo(getattr(user, "timezone", "") or "UTC")
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return timezone.get_current_timezone()


@extend_schema_view(
    get=extend_schema(
        parameters=[
            OpenApiParameter("action", str, enum=AuditEvent.Action.values),
            OpenApiParameter("actor", str, description="Part of the actor's e-mail address."),
            OpenApiParameter("programme", int, description="A programme's id."),
            OpenApiParameter("date_from", datetime.date, description="First day (your time zone)."),
            OpenApiParameter("date_to", datetime.date, description="Last day, included (your time zone)."),
        ],
        responses={
            200: AuditEventOutput(many=True),
            403: OpenApiResponse(ErrorSerializer, description="Only HR and site admins read the audit log."),
        },
    )
)
class AuditEventListApi(generics.ListAPIView):
    """The audit log, newest first: matches published or changed by hand, matches ended,
    exports, role changes, flag resolutions, participant records opened, personal data
    downloaded, people erased, programmes purged."""

    serializer_class = AuditEventOutput

    def get_queryset(self) -> QuerySet[AuditEvent]:
        if getattr(self, "swagger_fake_view", False):
            return AuditEvent.objects.none()
        if not permissions.can_view_audit_log(self.request.user):
            raise PermissionDenied
        filters = AuditFilter(data=self.request.query_params)
        filters.is_valid(raise_exception=True)
        return filtered_events(self.request, filters.validated_data)


def filtered_events(request: Request, data: dict) -> QuerySet[AuditEvent]:
    zone = user_zone(request.user)
    date_from, date_to = data.get("date_from"), data.get("date_to")
    return (
        AuditEvent.objects.visible_to(request.user)
        .filtered(
            action=data.get("action", ""),
            actor_email=data.get("actor", ""),
            programme_id=data.get("programme"),
            since=day_start(date_from, zone) if date_from else None,
            until=day_start(date_to + datetime.timedelta(days=1), zone) if date_to else None,
        )
        .select_related("actor")
        .order_by("-at", "-pk")
    )
