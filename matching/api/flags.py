"""API of match flags: the coordinator's queue (list, detail, notes, resolve, dismiss).

Same scoping and rules as the HTML pages: `Flag.objects.visible_to` for every read (the
pair reads the flags about their match, HR and site admins all), `can_handle_flag` for
every write; notes are read by those who handle flags and HR admins.
"""

from django.db.models import Case, IntegerField, QuerySet, Value, When
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_field
from rest_framework import generics, serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from matching.models import Flag, FlagNote
from matching.services import flags as flag_services
from mentoring.api import ErrorSerializer
from mentoring.shortcuts import require

ERRORS = {
    400: OpenApiResponse(description="Invalid input or a refused change; the body says what is wrong."),
    403: OpenApiResponse(ErrorSerializer, description="You may see this but not do this."),
    404: OpenApiResponse(ErrorSerializer, description="Not among the things you can see."),
}


def _flags(request: Request) -> QuerySet[Flag]:
    return Flag.objects.visible_to(request.user).select_related(
        "match__programme", "match__mentor__user", "match__mentee__user", "resolved_by"
    )


# --- Shapes ------------------------------------------------------------------------------


class FlagPersonBrief(serializers.Serializer):
    id = serializers.IntegerField(source="user.pk")
    display_name = serializers.CharField(source="user.display_name")


class FlagMatchBrief(serializers.Serializer):
    id = serializers.IntegerField()
    programme = serializers.SlugField(source="programme.slug")
    mentor = FlagPersonBrief()
    mentee = FlagPersonBrief()


class FlagPersonCount(serializers.Serializer):
    name = serializers.CharField()
    count = serializers.IntegerField()


class FlagOverdueItem(serializers.Serializer):
    id = serializers.IntegerField(help_text="The goal or milestone.")
    goal_id = serializers.IntegerField(help_text="The goal (itself, or the milestone's).")
    due = serializers.DateField(allow_null=True)
    days_overdue = serializers.IntegerField(allow_null=True, help_text="As of `as_of`.")


class FlagFactsOutput(serializers.Serializer):
    count = serializers.IntegerField(allow_null=True, help_text="Events counted (meeting-pattern flags).")
    threshold = serializers.IntegerField(allow_null=True)
    window_days = serializers.IntegerField(allow_null=True)
    days = serializers.IntegerField(allow_null=True, help_text="The inactivity period (inactivity flags).")
    by = FlagPersonCount(many=True, help_text="Who cancelled, postponed or did not come, and how often.")
    meetings = serializers.ListField(child=serializers.IntegerField())
    first = serializers.DateTimeField(allow_null=True)
    last = serializers.DateTimeField(allow_null=True)
    since = serializers.DateTimeField(allow_null=True)
    last_meeting = serializers.DateTimeField(allow_null=True)
    grace_days = serializers.IntegerField(allow_null=True, help_text="Overdue goals flags: the programme's grace.")
    overdue_goals = FlagOverdueItem(
        many=True, help_text="Overdue goals flags; titles are goal content, read them from the goals API."
    )
    overdue_milestones = FlagOverdueItem(many=True)
    as_of = serializers.DateField(allow_null=True, help_text="The day the overdue facts were counted.")


class FlagOutput(serializers.Serializer):
    id = serializers.IntegerField()
    match = FlagMatchBrief()
    kind = serializers.ChoiceField(choices=Flag.Kind.choices)
    status = serializers.ChoiceField(choices=Flag.Status.choices)
    facts = serializers.SerializerMethodField()
    raised_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()
    counts_from = serializers.DateTimeField(allow_null=True)
    resolved_at = serializers.DateTimeField(allow_null=True)
    resolved_by = serializers.CharField(source="resolved_by.display_name", allow_null=True, default=None)
    resolution = serializers.CharField()

    @extend_schema_field(FlagFactsOutput)
    def get_facts(self, flag: Flag) -> dict:
        return FlagFactsOutput(flag_services.flag_facts(flag)).data


class FlagNoteOutput(serializers.Serializer):
    id = serializers.IntegerField()
    author = serializers.CharField(source="author.display_name", allow_null=True, default=None)
    text = serializers.CharField()
    created_at = serializers.DateTimeField()


class FlagListFilter(serializers.Serializer):
    programme = serializers.SlugField(required=False, max_length=100)
    status = serializers.ChoiceField(choices=Flag.Status.choices, required=False)
    kind = serializers.ChoiceField(choices=Flag.Kind.choices, required=False)


class NoteInput(serializers.Serializer):
    text = serializers.CharField(max_length=flag_services.TEXT_LIMIT)


class ResolveInput(serializers.Serializer):
    resolution = serializers.CharField(
        max_length=flag_services.TEXT_LIMIT, help_text="How it was resolved; the pair reads it."
    )


class DismissInput(serializers.Serializer):
    reason = serializers.CharField(max_length=flag_services.TEXT_LIMIT)


# --- Endpoints ---------------------------------------------------------------------------


@extend_schema(
    parameters=[
        OpenApiParameter("programme", str, description="A programme's slug."),
        OpenApiParameter("status", str, enum=Flag.Status.values),
        OpenApiParameter("kind", str, enum=Flag.Kind.values),
    ]
)
class FlagListApi(generics.ListAPIView):
    """Flags you can see, open ones first: your programmes' (coordinators), every
    programme's (HR and site admins), or the ones about your own match."""

    serializer_class = FlagOutput

    def get_queryset(self) -> QuerySet[Flag]:
        if getattr(self, "swagger_fake_view", False):
            return Flag.objects.none()
        filters = FlagListFilter(data=self.request.query_params)
        filters.is_valid(raise_exception=True)
        flags = _flags(self.request)
        if "programme" in filters.validated_data:
            flags = flags.filter(match__programme__slug=filters.validated_data["programme"])
        if "status" in filters.validated_data:
            flags = flags.filter(status=filters.validated_data["status"])
        if "kind" in filters.validated_data:
            flags = flags.filter(kind=filters.validated_data["kind"])
        return flags.annotate(
            closed=Case(When(status=Flag.Status.OPEN, then=Value(0)), default=Value(1), output_field=IntegerField())
        ).order_by("closed", "-raised_at", "-pk")


class FlagDetailApi(APIView):
    @extend_schema(responses={200: FlagOutput, **ERRORS})
    def get(self, request: Request, pk: int) -> Response:
        return Response(FlagOutput(get_object_or_404(_flags(request), pk=pk)).data)


class FlagNoteListApi(APIView):
    @extend_schema(responses={200: FlagNoteOutput(many=True), **ERRORS})
    def get(self, request: Request, pk: int) -> Response:
        """The coordinators' notes on the flag, oldest first."""
        flag = get_object_or_404(_flags(request), pk=pk)
        require(flag_services.can_read_flag_notes(request.user, flag))
        notes = FlagNote.objects.filter(flag=flag).select_related("author")
        return Response(FlagNoteOutput(notes, many=True).data)

    @extend_schema(request=NoteInput, responses={201: FlagNoteOutput, **ERRORS})
    def post(self, request: Request, pk: int) -> Response:
        """Add a note (contact made, next step agreed)."""
        flag = get_object_or_404(_flags(request), pk=pk)
        require(flag_services.can_handle_flag(request.user, flag))
        data = NoteInput(data=request.data)
        data.is_valid(raise_exception=True)
        note = flag_services.add_flag_note(flag=flag, by=request.user, text=data.validated_data["text"])
        return Response(FlagNoteOutput(note).data, status=status.HTTP_201_CREATED)


class FlagResolveApi(APIView):
    @extend_schema(request=ResolveInput, responses={200: FlagOutput, **ERRORS})
    def post(self, request: Request, pk: int) -> Response:
        """Resolve an open flag, saying how; the pair is told."""
        flag = get_object_or_404(_flags(request), pk=pk)
        require(flag_services.can_handle_flag(request.user, flag))
        data = ResolveInput(data=request.data)
        data.is_valid(raise_exception=True)
        flag = flag_services.resolve_flag(flag=flag, by=request.user, **data.validated_data)
        return Response(FlagOutput(flag).data)


class FlagDismissApi(APIView):
    @extend_schema(request=DismissInput, responses={200: FlagOutput, **ERRORS})
    def post(self, request: Request, pk: int) -> Response:
        """Dismiss an open flag (not a problem), saying why."""
        flag = get_object_or_404(_flags(request), pk=pk)
        require(flag_services.can_handle_flag(request.user, flag))
        data = DismissInput(data=request.data)
        data.is_valid(raise_exception=True)
        flag = flag_services.dismiss_flag(flag=flag, by=request.user, **data.validated_data)
        return Response(FlagOutput(flag).data)
