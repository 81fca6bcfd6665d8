"""API of the coordinator's matching flow: runs, draft proposals, publish, manual matches, pair
explanations. The same services, scoping and permissions as the HTML pages."""

from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.shortcuts import get_object_or_404
from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field
from rest_framework import serializers, status
from rest_framework.pagination import PageNumberPagination
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from matching.models import Match, MatchRun, PairBlock
from matching.services import proposals as services
from matching.services import runs as run_services
from mentoring.api import ErrorSerializer
from mentoring.shortcuts import require
from programmes.models import Enrolment, Programme
from programmes.permissions import can_manage_programme, can_view_participants


def _programme_for(request: Request, slug: str) -> Programme:
    programme = get_object_or_404(Programme.objects.visible_to(request.user), slug=slug)
    require(can_view_participants(request.user, programme))
    return programme


def _managed_programme(request: Request, slug: str) -> Programme:
    programme = _programme_for(request, slug)
    require(can_manage_programme(request.user, programme))
    return programme


def _proposal_for(request: Request, pk: int) -> Match:
    matches = Match.objects.visible_to(request.user).select_related("programme", "mentor__user", "mentee__user")
    match = get_object_or_404(matches, pk=pk)
    require(can_view_participants(request.user, match.programme))
    require(can_manage_programme(request.user, match.programme))
    return match


def _enrolment(programme: Programme, pk: int, role: str, field: str) -> Enrolment:
    enrolment = Enrolment.objects.filter(programme=programme, role=role, pk=pk).select_related("user__profile").first()
    if enrolment is None:
        raise ValidationError({field: [f"No {role} with id {pk} in this programme."]})
    return enrolment


# --- output ---------------------------------------------------------------------------------


class ProposalPersonOutput(serializers.Serializer):
    enrolment = serializers.IntegerField(source="pk")
    user = serializers.IntegerField(source="user_id")
    name = serializers.CharField(source="user.display_name")
    email = serializers.EmailField(source="user.email")


class PairCriterionOutput(serializers.Serializer):
    criterion = serializers.CharField()
    label = serializers.CharField()
    weight = serializers.FloatField()
    value = serializers.FloatField(help_text="0 to 1.")
    points = serializers.FloatField(help_text="What this criterion adds to the score.")
    max_points = serializers.FloatField()
    facts = serializers.ListField(child=serializers.CharField())


class PairExplanationOutput(serializers.Serializer):
    score = serializers.FloatField(allow_null=True, help_text="Null when a hard rule excludes the pair.")
    criteria_score = serializers.FloatField()
    eligible = serializers.BooleanField()
    excluded_by = serializers.ListField(child=serializers.CharField(), help_text="Slugs of the hard rules.")
    exclusions = serializers.ListField(child=serializers.CharField(), help_text="Why, in words.")
    criteria = PairCriterionOutput(many=True)


class ProposalOutput(serializers.Serializer):
    id = serializers.IntegerField()
    programme = serializers.SlugField(source="programme.slug")
    status = serializers.ChoiceField(choices=Match.Status.choices)
    source = serializers.ChoiceField(choices=Match.Source.choices)
    mentor = ProposalPersonOutput()
    mentee = ProposalPersonOutput()
    score = serializers.FloatField(allow_null=True)
    explanation = serializers.SerializerMethodField()
    is_locked = serializers.BooleanField()
    run = serializers.IntegerField(source="run_id", allow_null=True)
    created_at = serializers.DateTimeField()
    published_at = serializers.DateTimeField(allow_null=True)

    @extend_schema_field(PairExplanationOutput(allow_null=True))
    def get_explanation(self, match: Match) -> dict | None:
        return match.explanation or None


class MatchRunOutput(serializers.Serializer):
    id = serializers.IntegerField()
    programme = serializers.SlugField(source="programme.slug")
    status = serializers.ChoiceField(choices=MatchRun.Status.choices)
    progress = serializers.IntegerField(help_text="0 to 100.")
    phase = serializers.CharField()
    objective = serializers.IntegerField(allow_null=True, help_text="Total score in hundredths of a point.")
    certified_optimal = serializers.BooleanField()
    report = serializers.JSONField(
        help_text="Counts, mean/min score, mentor load distribution, unmatched mentees with reason and name."
    )
    error = serializers.CharField()
    started_by = serializers.IntegerField(source="started_by_id", allow_null=True)
    created_at = serializers.DateTimeField()
    started_at = serializers.DateTimeField(allow_null=True)
    finished_at = serializers.DateTimeField(allow_null=True)
    html_url = serializers.SerializerMethodField()

    def get_html_url(self, run: MatchRun) -> str:
        return reverse("match-run-detail", kwargs={"pk": run.pk})


class ProposalPublishOutput(serializers.Serializer):
    published = serializers.IntegerField()


class PairQueryInput(serializers.Serializer):
    mentor = serializers.IntegerField(min_value=1, help_text="The mentor's enrolment id.")
    mentee = serializers.IntegerField(min_value=1, help_text="The mentee's enrolment id.")


class ManualMatchInput(PairQueryInput):
    publish = serializers.BooleanField(default=False, help_text="Propose at once (else a locked draft).")


class SwapInput(serializers.Serializer):
    other = serializers.IntegerField(min_value=1, help_text="The other draft proposal's id.")


class ReplaceInput(serializers.Serializer):
    mentor = serializers.IntegerField(min_value=1, help_text="The new mentor's enrolment id.")


ERRORS = {400: OpenApiTypes.OBJECT, 403: ErrorSerializer, 404: ErrorSerializer}


def _proposal_data(match: Match) -> dict:
    return ProposalOutput(match).data


def _fresh(match: Match) -> Match:
    return Match.objects.select_related("programme", "mentor__user", "mentee__user").get(pk=match.pk)


# --- runs -----------------------------------------------------------------------------------


class RunListApi(APIView):
    """A programme's matching runs (GET, newest first), or start one (POST): it is queued and runs in a
    worker; poll the run for its progress."""

    pagination_class = PageNumberPagination

    @extend_schema(responses={200: MatchRunOutput(many=True), 403: ErrorSerializer, 404: ErrorSerializer})
    def get(self, request: Request, slug: str) -> Response:
        programme = _programme_for(request, slug)
        runs = MatchRun.objects.filter(programme=programme).select_related("programme").order_by("-created_at", "-pk")
        paginator = self.pagination_class()
        page = paginator.paginate_queryset(runs, request, view=self)
        return paginator.get_paginated_response(MatchRunOutput(page, many=True).data)

    @extend_schema(request=None, responses={202: MatchRunOutput, **ERRORS})
    def post(self, request: Request, slug: str) -> Response:
        programme = _managed_programme(request, slug)
        run = run_services.start_match_run(programme=programme, by=request.user)
        run = MatchRun.objects.select_related("programme").get(pk=run.pk)
        return Response(MatchRunOutput(run).data, status=status.HTTP_202_ACCEPTED)


class RunDetailApi(APIView):
    """Status, progress and, once done, the report of one run."""

    @extend_schema(responses={200: MatchRunOutput, 404: ErrorSerializer})
    def get(self, request: Request, pk: int) -> Response:
        run = get_object_or_404(MatchRun.objects.visible_to(request.user).select_related("programme"), pk=pk)
        return Response(MatchRunOutput(run).data)


class RerunApi(APIView):
    """Start a run that keeps the locked proposals and solves the others again."""

    @extend_schema(request=None, responses={202: MatchRunOutput, **ERRORS})
    def post(self, request: Request, slug: str) -> Response:
        programme = _managed_programme(request, slug)
        run = services.rerun_for_the_rest(programme=programme, by=request.user)
        run = MatchRun.objects.select_related("programme").get(pk=run.pk)
        return Response(MatchRunOutput(run).data, status=status.HTTP_202_ACCEPTED)


# --- proposals ------------------------------------------------------------------------------


class ProposalListApi(APIView):
    """A programme's draft proposals, which only its coordinators (and admins) see."""

    pagination_class = PageNumberPagination

    @extend_schema(responses={200: ProposalOutput(many=True), 403: ErrorSerializer, 404: ErrorSerializer})
    def get(self, request: Request, slug: str) -> Response:
        programme = _programme_for(request, slug)
        drafts = (
            Match.objects.filter(programme=programme, status=Match.Status.DRAFT)
            .select_related("programme", "mentor__user", "mentee__user")
            .order_by("pk")
        )
        paginator = self.pagination_class()
        page = paginator.paginate_queryset(drafts, request, view=self)
        return paginator.get_paginated_response(ProposalOutput(page, many=True).data)


class ProposalSwapApi(APIView):
    """Exchange the mentors of two draft proposals (both new pairs must pass the hard rules)."""

    @extend_schema(request=SwapInput, responses={200: ProposalOutput(many=True), **ERRORS})
    def post(self, request: Request, pk: int) -> Response:
        match = _proposal_for(request, pk)
        data = SwapInput(data=request.data)
        data.is_valid(raise_exception=True)
        other = Match.objects.filter(programme=match.programme, pk=data.validated_data["other"]).first()
        if other is None:
            raise ValidationError({"other": ["No proposal with this id in this programme."]})
        first, second = services.swap_proposals(first=match, second=other, by=request.user)
        return Response([_proposal_data(_fresh(first)), _proposal_data(_fresh(second))])


class ProposalReplaceApi(APIView):
    """Give the proposal's mentee another mentor with room."""

    @extend_schema(request=ReplaceInput, responses={200: ProposalOutput, **ERRORS})
    def post(self, request: Request, pk: int) -> Response:
        match = _proposal_for(request, pk)
        data = ReplaceInput(data=request.data)
        data.is_valid(raise_exception=True)
        mentor = _enrolment(match.programme, data.validated_data["mentor"], Enrolment.Role.MENTOR, "mentor")
        match = services.replace_proposal(match=match, mentor=mentor, by=request.user)
        return Response(_proposal_data(_fresh(match)))


class ProposalRemoveApi(APIView):
    """Drop a draft proposal; the mentee goes back to the pool."""

    @extend_schema(request=None, responses={204: None, **ERRORS})
    def post(self, request: Request, pk: int) -> Response:
        match = _proposal_for(request, pk)
        services.remove_proposal(match=match, by=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


class ProposalLockApi(APIView):
    """Keep this proposal in every later run."""

    locked = True

    @extend_schema(request=None, responses={200: ProposalOutput, **ERRORS})
    def post(self, request: Request, pk: int) -> Response:
        match = _proposal_for(request, pk)
        if self.locked:
            services.lock_proposal(match=match, by=request.user)
        else:
            services.unlock_proposal(match=match, by=request.user)
        return Response(_proposal_data(_fresh(match)))


class ProposalUnlockApi(ProposalLockApi):
    """Let later runs change this proposal again."""

    locked = False


class PublishApi(APIView):
    """Publish every draft proposal: PROPOSED to both sides, who are told at once."""

    @extend_schema(request=None, responses={200: ProposalPublishOutput, **ERRORS})
    def post(self, request: Request, slug: str) -> Response:
        programme = _managed_programme(request, slug)
        count = services.publish_proposals(programme=programme, by=request.user)
        return Response({"published": count})


class ManualMatchApi(APIView):
    """Pair a mentor and a mentee directly; refused with the rule's reason when excluded."""

    @extend_schema(request=ManualMatchInput, responses={201: ProposalOutput, **ERRORS})
    def post(self, request: Request, slug: str) -> Response:
        programme = _managed_programme(request, slug)
        data = ManualMatchInput(data=request.data)
        data.is_valid(raise_exception=True)
        mentor = _enrolment(programme, data.validated_data["mentor"], Enrolment.Role.MENTOR, "mentor")
        mentee = _enrolment(programme, data.validated_data["mentee"], Enrolment.Role.MENTEE, "mentee")
        match = services.create_manual_match(
            programme=programme, mentor=mentor, mentee=mentee, by=request.user, publish=data.validated_data["publish"]
        )
        return Response(_proposal_data(_fresh(match)), status=status.HTTP_201_CREATED)


class ExplainPairApi(APIView):
    """The score of a mentor and mentee and why: each criterion's points and facts, and any hard rule."""

    @extend_schema(
        parameters=[
            OpenApiParameter("mentor", OpenApiTypes.INT, required=True, description="The mentor's enrolment id."),
            OpenApiParameter("mentee", OpenApiTypes.INT, required=True, description="The mentee's enrolment id."),
        ],
        responses={200: PairExplanationOutput, **ERRORS},
    )
    def get(self, request: Request, slug: str) -> Response:
        programme = _programme_for(request, slug)
        data = PairQueryInput(data=request.query_params)
        data.is_valid(raise_exception=True)
        mentor = _enrolment(programme, data.validated_data["mentor"], Enrolment.Role.MENTOR, "mentor")
        mentee = _enrolment(programme, data.validated_data["mentee"], Enrolment.Role.MENTEE, "mentee")
        return Response(services.explain_pair(programme, mentor, mentee).as_dict())


# --- pair blocks --------------------------------------------------------------------------


class PairBlockInput(PairQueryInput):
    reason = serializers.CharField(max_length=300, required=False, allow_blank=True, default="")


class PairBlockOutput(serializers.Serializer):
    id = serializers.IntegerField()
    mentor = ProposalPersonOutput()
    mentee = ProposalPersonOutput()
    reason = serializers.CharField()
    created_at = serializers.DateTimeField()


def _blocks(programme: Programme) -> QuerySet[PairBlock]:
    return PairBlock.objects.filter(programme=programme).select_related("mentor__user", "mentee__user").order_by("-pk")


class PairBlockListApi(APIView):
    """Pairs a coordinator ruled out: the engine never proposes them."""

    @extend_schema(responses={200: PairBlockOutput(many=True), **ERRORS})
    def get(self, request: Request, slug: str) -> Response:
        programme = _programme_for(request, slug)
        return Response(PairBlockOutput(_blocks(programme), many=True).data)

    @extend_schema(request=PairBlockInput, responses={201: PairBlockOutput, **ERRORS})
    def post(self, request: Request, slug: str) -> Response:
        programme = _managed_programme(request, slug)
        data = PairBlockInput(data=request.data)
        data.is_valid(raise_exception=True)
        mentor = _enrolment(programme, data.validated_data["mentor"], Enrolment.Role.MENTOR, "mentor")
        mentee = _enrolment(programme, data.validated_data["mentee"], Enrolment.Role.MENTEE, "mentee")
        block = services.block_pair(
            programme=programme, mentor=mentor, mentee=mentee, by=request.user, reason=data.validated_data["reason"]
        )
        return Response(PairBlockOutput(_blocks(programme).get(pk=block.pk)).data, status=status.HTTP_201_CREATED)


class PairBlockDeleteApi(APIView):
    """Allow a blocked pair again."""

    @extend_schema(request=None, responses={204: None, **ERRORS})
    def delete(self, request: Request, pk: int) -> Response:
        block = get_object_or_404(PairBlock.objects.visible_to(request.user).select_related("programme"), pk=pk)
        require(can_manage_programme(request.user, block.programme))
        services.unblock_pair(block=block, by=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)
