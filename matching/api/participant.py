"""API of the participant flow: matches (list, detail, accept, decline, end), suggestions,
mentor requests and the mentor's "full" switch. Same scoping, predicates and services as
the HTML views."""

from django.db.models import QuerySet
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import generics, serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from matching import permissions
from matching.models import Match, MentorRequest
from matching.services import matches as match_services
from matching.services import requests as request_services
from matching.services.matches import REASON_LIMIT
from matching.services.requests import MESSAGE_LIMIT
from mentoring.api import ErrorSerializer
from mentoring.shortcuts import require
from programmes.models import Enrolment, Programme

ERRORS = {
    400: OpenApiResponse(description="Invalid input or a refused change; the body says what is wrong."),
    403: OpenApiResponse(ErrorSerializer, description="You may see this but not do this."),
    404: OpenApiResponse(ErrorSerializer, description="Not among the things you can see."),
}


def _matches(request: Request) -> QuerySet[Match]:
    return Match.objects.visible_to(request.user).select_related(
        "programme", "mentor__user", "mentee__user", "declined_by", "ended_by"
    )


def _requests(request: Request) -> QuerySet[MentorRequest]:
    return MentorRequest.objects.visible_to(request.user).select_related("programme", "mentor__user", "mentee__user")


# --- Shapes ------------------------------------------------------------------------------


class MatchPersonBrief(serializers.Serializer):
    id = serializers.IntegerField(source="user.pk")
    enrolment = serializers.IntegerField(source="pk")
    display_name = serializers.CharField(source="user.display_name")


class MatchProgrammeBrief(serializers.Serializer):
    id = serializers.IntegerField()
    slug = serializers.SlugField()
    name = serializers.CharField()
    match_approval = serializers.ChoiceField(choices=Programme.Approval.choices)
    agreement_text = serializers.CharField()


class CriterionOutput(serializers.Serializer):
    criterion = serializers.CharField()
    label = serializers.CharField()
    weight = serializers.FloatField()
    value = serializers.FloatField()
    points = serializers.FloatField()
    max_points = serializers.FloatField()
    facts = serializers.ListField(child=serializers.CharField())


class ExplanationOutput(serializers.Serializer):
    score = serializers.FloatField(allow_null=True, required=False)
    criteria_score = serializers.FloatField(required=False)
    eligible = serializers.BooleanField(required=False)
    excluded_by = serializers.ListField(child=serializers.CharField(), required=False)
    exclusions = serializers.ListField(child=serializers.CharField(), required=False)
    criteria = CriterionOutput(many=True, required=False)


class MatchOutput(serializers.Serializer):
    id = serializers.IntegerField()
    programme = MatchProgrammeBrief()
    mentor = MatchPersonBrief()
    mentee = MatchPersonBrief()
    status = serializers.ChoiceField(choices=Match.Status.choices)
    source = serializers.ChoiceField(choices=Match.Source.choices)
    score = serializers.FloatField(allow_null=True)
    explanation = ExplanationOutput()
    published_at = serializers.DateTimeField(allow_null=True)
    mentor_accepted_at = serializers.DateTimeField(allow_null=True)
    mentee_accepted_at = serializers.DateTimeField(allow_null=True)
    mentor_agreed_at = serializers.DateTimeField(allow_null=True)
    mentee_agreed_at = serializers.DateTimeField(allow_null=True)
    started_at = serializers.DateTimeField(allow_null=True)
    declined_at = serializers.DateTimeField(allow_null=True)
    decline_reason = serializers.CharField()
    ended_at = serializers.DateTimeField(allow_null=True)
    end_outcome = serializers.CharField()
    end_reason = serializers.CharField()


class RequestOutput(serializers.Serializer):
    id = serializers.IntegerField()
    programme = serializers.SlugField(source="programme.slug")
    mentee = MatchPersonBrief()
    mentor = MatchPersonBrief()
    status = serializers.ChoiceField(choices=MentorRequest.Status.choices)
    message = serializers.CharField()
    response = serializers.CharField()
    score = serializers.FloatField(allow_null=True)
    explanation = ExplanationOutput()
    created_at = serializers.DateTimeField()
    expires_at = serializers.DateTimeField()
    answered_at = serializers.DateTimeField(allow_null=True)
    match = serializers.IntegerField(source="match_id", allow_null=True)


class SuggestionOutput(serializers.Serializer):
    mentor = MatchPersonBrief()
    score = serializers.FloatField()
    rank_score = serializers.FloatField()
    places_left = serializers.IntegerField()
    explanation = ExplanationOutput()


class AcceptInput(serializers.Serializer):
    agreement_accepted = serializers.BooleanField(
        default=False, help_text="Must be true when the programme has a mentoring agreement."
    )


class DeclineInput(serializers.Serializer):
    reason = serializers.CharField(max_length=REASON_LIMIT)


class EndInput(serializers.Serializer):
    outcome = serializers.ChoiceField(choices=Match.Outcome.choices)
    reason = serializers.CharField(max_length=REASON_LIMIT, required=False, allow_blank=True, default="")


class RequestInput(serializers.Serializer):
    mentor = serializers.IntegerField(min_value=1, help_text="The mentor's enrolment id (from the suggestions).")
    message = serializers.CharField(max_length=MESSAGE_LIMIT, required=False, allow_blank=True, default="")


class AnswerInput(serializers.Serializer):
    response = serializers.CharField(max_length=MESSAGE_LIMIT, required=False, allow_blank=True, default="")


class AcceptRequestInput(AnswerInput):
    agreement_accepted = serializers.BooleanField(
        default=False, help_text="Must be true when the programme has a mentoring agreement."
    )


class FullInput(serializers.Serializer):
    full = serializers.BooleanField()


class FullOutput(serializers.Serializer):
    enrolment = serializers.IntegerField(source="pk")
    programme = serializers.SlugField(source="programme.slug")
    full = serializers.BooleanField(source="is_full")


# --- Matches -----------------------------------------------------------------------------


@extend_schema(
    parameters=[OpenApiParameter("status", str, enum=Match.Status.values, description="Only matches in this status.")]
)
class MatchListApi(generics.ListAPIView):
    """Your published matches; coordinators also see every match of their programmes."""

    serializer_class = MatchOutput

    def get_queryset(self) -> QuerySet[Match]:
        if getattr(self, "swagger_fake_view", False):
            return Match.objects.none()
        matches = _matches(self.request).order_by("-created_at", "pk")
        wanted = self.request.query_params.get("status")
        if wanted in Match.Status.values:
            matches = matches.filter(status=wanted)
        return matches


class MatchDetailApi(APIView):
    @extend_schema(responses={200: MatchOutput, **ERRORS})
    def get(self, request: Request, pk: int) -> Response:
        return Response(MatchOutput(get_object_or_404(_matches(request), pk=pk)).data)


class MatchAcceptApi(APIView):
    @extend_schema(request=AcceptInput, responses={200: MatchOutput, **ERRORS})
    def post(self, request: Request, pk: int) -> Response:
        """Accept the match for your side, with the mentoring agreement when there is one."""
        match = get_object_or_404(_matches(request), pk=pk)
        require(permissions.can_respond_to_match(request.user, match))
        data = AcceptInput(data=request.data)
        data.is_valid(raise_exception=True)
        match = match_services.accept_match(match=match, user=request.user, **data.validated_data)
        return Response(MatchOutput(match).data)


class MatchDeclineApi(APIView):
    @extend_schema(request=DeclineInput, responses={200: MatchOutput, **ERRORS})
    def post(self, request: Request, pk: int) -> Response:
        """Decline the match; the mentee goes back to the pool and the coordinators are told."""
        match = get_object_or_404(_matches(request), pk=pk)
        require(permissions.can_respond_to_match(request.user, match))
        data = DeclineInput(data=request.data)
        data.is_valid(raise_exception=True)
        match = match_services.decline_match(match=match, user=request.user, **data.validated_data)
        return Response(MatchOutput(match).data)


class MatchEndApi(APIView):
    @extend_schema(request=EndInput, responses={200: MatchOutput, **ERRORS})
    def post(self, request: Request, pk: int) -> Response:
        """End an accepted or active match: completed, or ended early with a reason."""
        match = get_object_or_404(_matches(request), pk=pk)
        require(permissions.can_end_match(request.user, match))
        data = EndInput(data=request.data)
        data.is_valid(raise_exception=True)
        match = match_services.end_match(match=match, by=request.user, **data.validated_data)
        return Response(MatchOutput(match).data)


# --- Suggestions and requests ------------------------------------------------------------


class SuggestionListApi(APIView):
    @extend_schema(responses={200: SuggestionOutput(many=True), **ERRORS})
    def get(self, request: Request, slug: str) -> Response:
        """Your top mentor suggestions in a mentee-led programme (empty while you have a
        mentor or a request waiting)."""
        programme = get_object_or_404(Programme.objects.visible_to(request.user), slug=slug)
        enrolment = (
            programme.enrolments.filter(user=request.user, role=Enrolment.Role.MENTEE)
            .select_related("programme")
            .first()
        )
        require(enrolment is not None and permissions.can_view_suggestions(request.user, enrolment))
        if not permissions.can_request_mentor(request.user, enrolment):
            return Response([])
        suggestions = request_services.suggestions_for(enrolment=enrolment)
        return Response(SuggestionOutput(suggestions, many=True).data)


@extend_schema(
    parameters=[
        OpenApiParameter("status", str, enum=MentorRequest.Status.values, description="Only requests in this status.")
    ]
)
class RequestListApi(generics.ListAPIView):
    """Requests you sent or received; coordinators also see those of their programmes."""

    serializer_class = RequestOutput

    def get_queryset(self) -> QuerySet[MentorRequest]:
        if getattr(self, "swagger_fake_view", False):
            return MentorRequest.objects.none()
        found = _requests(self.request).order_by("-created_at", "pk")
        wanted = self.request.query_params.get("status")
        if wanted in MentorRequest.Status.values:
            found = found.filter(status=wanted)
        return found

    @extend_schema(request=RequestInput, responses={201: RequestOutput, **ERRORS})
    def post(self, request: Request) -> Response:
        """Ask a mentor (by their enrolment id) to mentor you; they have the programme's
        expiry days to answer."""
        data = RequestInput(data=request.data)
        data.is_valid(raise_exception=True)
        mentor = get_object_or_404(
            Enrolment.objects.filter(role=Enrolment.Role.MENTOR, programme__enrolments__user=request.user)
            .select_related("programme", "user")
            .distinct(),
            pk=data.validated_data["mentor"],
        )
        mentee = mentor.programme.enrolments.filter(user=request.user, role=Enrolment.Role.MENTEE).first()
        require(mentee is not None and permissions.can_request_mentor(request.user, mentee))
        created = request_services.request_mentor(mentee=mentee, mentor=mentor, message=data.validated_data["message"])
        return Response(RequestOutput(created).data, status=status.HTTP_201_CREATED)


class RequestDetailApi(APIView):
    @extend_schema(responses={200: RequestOutput, **ERRORS})
    def get(self, request: Request, pk: int) -> Response:
        return Response(RequestOutput(get_object_or_404(_requests(request), pk=pk)).data)


class RequestAcceptApi(APIView):
    @extend_schema(request=AcceptRequestInput, responses={200: RequestOutput, **ERRORS})
    def post(self, request: Request, pk: int) -> Response:
        """Accept a request (you are the mentor): the match is made if you still have a place."""
        mentor_request = get_object_or_404(_requests(request), pk=pk)
        require(permissions.can_answer_request(request.user, mentor_request))
        data = AcceptRequestInput(data=request.data)
        data.is_valid(raise_exception=True)
        answered = request_services.answer_request(
            request=mentor_request, user=request.user, accept=True, **data.validated_data
        )
        return Response(RequestOutput(answered).data)


class RequestDeclineApi(APIView):
    @extend_schema(request=AnswerInput, responses={200: RequestOutput, **ERRORS})
    def post(self, request: Request, pk: int) -> Response:
        """Decline a request (you are the mentor); the mentee is told."""
        mentor_request = get_object_or_404(_requests(request), pk=pk)
        require(permissions.can_answer_request(request.user, mentor_request))
        data = AnswerInput(data=request.data)
        data.is_valid(raise_exception=True)
        answered = request_services.answer_request(
            request=mentor_request, user=request.user, accept=False, **data.validated_data
        )
        return Response(RequestOutput(answered).data)


class RequestWithdrawApi(APIView):
    @extend_schema(request=None, responses={200: RequestOutput, **ERRORS})
    def post(self, request: Request, pk: int) -> Response:
        """Withdraw your pending request."""
        mentor_request = get_object_or_404(_requests(request), pk=pk)
        require(permissions.can_withdraw_request(request.user, mentor_request))
        return Response(
            RequestOutput(request_services.withdraw_request(request=mentor_request, user=request.user)).data
        )


class MentorFullApi(APIView):
    @extend_schema(request=FullInput, responses={200: FullOutput, **ERRORS})
    def post(self, request: Request, pk: int) -> Response:
        """Mark yourself full (no new suggestions or requests) in a programme, or open again."""
        enrolment = get_object_or_404(Enrolment.objects.visible_to(request.user).select_related("programme"), pk=pk)
        require(permissions.can_set_full(request.user, enrolment))
        data = FullInput(data=request.data)
        data.is_valid(raise_exception=True)
        enrolment = request_services.set_mentor_full(enrolment=enrolment, user=request.user, **data.validated_data)
        return Response(FullOutput(enrolment).data)
