"""API for programmes, their coordinators and application questions: the same scoped
fetch (404), `can_*` predicate (403) and services as the HTML views."""

import django_filters
from django.db.models import QuerySet
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import generics, serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from mentoring.api import ErrorSerializer
from mentoring.shortcuts import require
from profiles.models import User
from programmes import permissions
from programmes.models import Programme, Question
from programmes.services import programmes as services

ERRORS = {
    400: OpenApiResponse(description="Invalid input; the body names each field's problem."),
    403: OpenApiResponse(ErrorSerializer, description="You may see this programme but not do this."),
    404: OpenApiResponse(ErrorSerializer, description="No such programme among those you can see."),
}


def _programme(request: Request, slug: str) -> Programme:
    return get_object_or_404(Programme.objects.visible_to(request.user).prefetch_related("coordinators"), slug=slug)


# --- Shapes ------------------------------------------------------------------------------


class UserBrief(serializers.Serializer):
    id = serializers.IntegerField()
    display_name = serializers.CharField()
    email = serializers.EmailField()


class ProgrammeOutput(serializers.Serializer):
    id = serializers.IntegerField()
    slug = serializers.SlugField()
    name = serializers.CharField()
    description = serializers.CharField()
    kind = serializers.ChoiceField(choices=Programme.Kind.choices)
    status = serializers.ChoiceField(choices=Programme.Status.choices)
    schedule = serializers.ChoiceField(choices=Programme.Schedule.choices)
    enrolment_opens_on = serializers.DateField(allow_null=True)
    enrolment_closes_on = serializers.DateField(allow_null=True)
    starts_on = serializers.DateField(allow_null=True)
    ends_on = serializers.DateField(allow_null=True)
    meeting_cadence_days = serializers.IntegerField()
    relationship_weeks = serializers.IntegerField()
    default_mentor_capacity = serializers.IntegerField()
    mentees_choose_mentor = serializers.BooleanField()
    match_approval = serializers.ChoiceField(choices=Programme.Approval.choices)
    is_open = serializers.BooleanField()
    flag_cancellations = serializers.IntegerField()
    flag_postponements = serializers.IntegerField()
    flag_window_days = serializers.IntegerField()
    flag_inactivity_days = serializers.IntegerField(allow_null=True)
    agreement_text = serializers.CharField()
    retention_days = serializers.IntegerField(help_text="Days after closing before notes and free text are purged.")
    purged_at = serializers.DateTimeField(allow_null=True, help_text="When notes and free text were purged.")
    coordinators = UserBrief(many=True, source="coordinators.all")
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()
    archived_at = serializers.DateTimeField(allow_null=True)


class ProgrammeInput(serializers.Serializer):
    name = serializers.CharField(max_length=150)
    description = serializers.CharField(max_length=10_000, required=False, allow_blank=True)
    kind = serializers.ChoiceField(choices=Programme.Kind.choices, required=False)
    schedule = serializers.ChoiceField(choices=Programme.Schedule.choices, required=False)
    enrolment_opens_on = serializers.DateField(required=False, allow_null=True)
    enrolment_closes_on = serializers.DateField(required=False, allow_null=True)
    starts_on = serializers.DateField(required=False, allow_null=True)
    ends_on = serializers.DateField(required=False, allow_null=True)
    meeting_cadence_days = serializers.IntegerField(min_value=1, max_value=365, required=False)
    relationship_weeks = serializers.IntegerField(min_value=1, max_value=520, required=False)
    default_mentor_capacity = serializers.IntegerField(min_value=1, max_value=50, required=False)
    mentees_choose_mentor = serializers.BooleanField(required=False)
    match_approval = serializers.ChoiceField(choices=Programme.Approval.choices, required=False)
    is_open = serializers.BooleanField(required=False)
    flag_cancellations = serializers.IntegerField(min_value=1, max_value=50, required=False)
    flag_postponements = serializers.IntegerField(min_value=1, max_value=50, required=False)
    flag_window_days = serializers.IntegerField(min_value=1, max_value=730, required=False)
    flag_inactivity_days = serializers.IntegerField(min_value=1, max_value=730, required=False, allow_null=True)
    agreement_text = serializers.CharField(max_length=20_000, required=False, allow_blank=True)
    retention_days = serializers.IntegerField(min_value=0, max_value=3650, required=False)


class TransitionInput(serializers.Serializer):
    status = serializers.ChoiceField(choices=Programme.Status.choices)


class CoordinatorInput(serializers.Serializer):
    email = serializers.EmailField(max_length=254)


class QuestionOutput(serializers.Serializer):
    id = serializers.IntegerField()
    label = serializers.CharField()
    help_text = serializers.CharField()
    kind = serializers.ChoiceField(choices=Question.Kind.choices)
    choices = serializers.ListField(child=serializers.CharField())
    required = serializers.BooleanField()
    audience = serializers.ChoiceField(choices=Question.Audience.choices)
    position = serializers.IntegerField()


class QuestionInput(serializers.Serializer):
    label = serializers.CharField(max_length=300)
    help_text = serializers.CharField(max_length=500, required=False, allow_blank=True)
    kind = serializers.ChoiceField(choices=Question.Kind.choices, required=False)
    choices = serializers.ListField(
        child=serializers.CharField(max_length=services.MAX_CHOICE_LENGTH, allow_blank=True),
        max_length=services.MAX_CHOICES,
        required=False,
    )
    required = serializers.BooleanField(required=False)
    audience = serializers.ChoiceField(choices=Question.Audience.choices, required=False)


class QuestionOrderInput(serializers.Serializer):
    order = serializers.ListField(child=serializers.IntegerField(), max_length=500)


class ProgrammeFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(choices=Programme.Status.choices)
    kind = django_filters.ChoiceFilter(choices=Programme.Kind.choices)
    is_open = django_filters.BooleanFilter()
    archived = django_filters.BooleanFilter(field_name="archived_at", lookup_expr="isnull", exclude=True)
    coordinated = django_filters.BooleanFilter(method="filter_coordinated", label="Only those you coordinate")

    class Meta:
        model = Programme
        fields = ["status", "kind", "is_open", "archived", "coordinated"]

    def filter_coordinated(self, queryset: QuerySet[Programme], name: str, value: bool) -> QuerySet[Programme]:
        user = self.request.user
        return queryset.filter(coordinators=user) if value else queryset.exclude(coordinators=user)


# --- Programmes --------------------------------------------------------------------------


@extend_schema_view(get=extend_schema(responses={200: ProgrammeOutput(many=True), 400: ERRORS[400]}))
class ProgrammeListApi(generics.ListAPIView):
    """Programmes you can see: the ones you coordinate or take part in, the open ones
    taking applications; HR and site admins see all."""

    serializer_class = ProgrammeOutput
    filterset_class = ProgrammeFilter

    def get_queryset(self) -> QuerySet[Programme]:
        if getattr(self, "swagger_fake_view", False):
            return Programme.objects.none()
        return Programme.objects.visible_to(self.request.user).prefetch_related("coordinators").order_by("-created_at")

    @extend_schema(request=ProgrammeInput, responses={201: ProgrammeOutput, **ERRORS})
    def post(self, request: Request) -> Response:
        """Create a draft programme; you become its coordinator."""
        require(permissions.can_create_programme(request.user))
        data = ProgrammeInput(data=request.data)
        data.is_valid(raise_exception=True)
        programme = services.create_programme(created_by=request.user, **data.validated_data)
        return Response(ProgrammeOutput(programme).data, status=status.HTTP_201_CREATED)


class ProgrammeDetailApi(APIView):
    @extend_schema(responses={200: ProgrammeOutput, **ERRORS})
    def get(self, request: Request, slug: str) -> Response:
        return Response(ProgrammeOutput(_programme(request, slug)).data)

    @extend_schema(request=ProgrammeInput(partial=True), responses={200: ProgrammeOutput, **ERRORS})
    def patch(self, request: Request, slug: str) -> Response:
        """Change some settings; the slug stays."""
        programme = _programme(request, slug)
        require(permissions.can_manage_programme(request.user, programme))
        data = ProgrammeInput(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        programme = services.update_programme(programme=programme, by=request.user, **data.validated_data)
        return Response(ProgrammeOutput(programme).data)


class ProgrammeArchiveApi(APIView):
    @extend_schema(request=None, responses={200: ProgrammeOutput, **ERRORS})
    def post(self, request: Request, slug: str) -> Response:
        """Archive: hidden from lists and frozen until unarchived."""
        programme = _programme(request, slug)
        require(permissions.can_manage_programme(request.user, programme))
        return Response(ProgrammeOutput(services.archive_programme(programme=programme, by=request.user)).data)


class ProgrammeUnarchiveApi(APIView):
    @extend_schema(request=None, responses={200: ProgrammeOutput, **ERRORS})
    def post(self, request: Request, slug: str) -> Response:
        programme = _programme(request, slug)
        require(permissions.can_manage_programme(request.user, programme))
        return Response(ProgrammeOutput(services.unarchive_programme(programme=programme, by=request.user)).data)


class ProgrammeTransitionApi(APIView):
    @extend_schema(request=TransitionInput, responses={200: ProgrammeOutput, **ERRORS})
    def post(self, request: Request, slug: str) -> Response:
        """Move the programme to another status: draft → enrolling → matching → running →
        closed, or back from enrolling to draft and from matching to enrolling."""
        programme = _programme(request, slug)
        require(permissions.can_manage_programme(request.user, programme))
        data = TransitionInput(data=request.data)
        data.is_valid(raise_exception=True)
        programme = services.transition_programme(
            programme=programme, to_status=data.validated_data["status"], by=request.user
        )
        return Response(ProgrammeOutput(programme).data)


class CoordinatorAddApi(APIView):
    @extend_schema(request=CoordinatorInput, responses={201: UserBrief, **ERRORS})
    def post(self, request: Request, slug: str) -> Response:
        """Make an existing account a coordinator."""
        programme = _programme(request, slug)
        require(permissions.can_manage_programme(request.user, programme))
        data = CoordinatorInput(data=request.data)
        data.is_valid(raise_exception=True)
        user = services.add_coordinator(programme=programme, email=data.validated_data["email"], by=request.user)
        return Response(UserBrief(user).data, status=status.HTTP_201_CREATED)


class CoordinatorRemoveApi(APIView):
    @extend_schema(request=None, responses={204: None, **ERRORS})
    def delete(self, request: Request, slug: str, user_id: int) -> Response:
        """Remove a coordinator; the last one stays."""
        programme = _programme(request, slug)
        require(permissions.can_manage_programme(request.user, programme))
        user: User = get_object_or_404(programme.coordinators.all(), pk=user_id)
        services.remove_coordinator(programme=programme, user=user, by=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


# --- Questions ---------------------------------------------------------------------------


@extend_schema_view(get=extend_schema(responses={200: QuestionOutput(many=True), 404: ERRORS[404]}))
class QuestionListApi(generics.ListAPIView):
    """The programme's application questions, in order. Anyone who can see the programme
    reads them (applicants answer them); its coordinators change them."""

    serializer_class = QuestionOutput
    pagination_class = None

    def get_queryset(self) -> QuerySet[Question]:
        if getattr(self, "swagger_fake_view", False):
            return Question.objects.none()
        return _programme(self.request, self.kwargs["slug"]).questions.all()

    @extend_schema(request=QuestionInput, responses={201: QuestionOutput, **ERRORS})
    def post(self, request: Request, slug: str) -> Response:
        programme = _programme(request, slug)
        require(permissions.can_manage_programme(request.user, programme))
        data = QuestionInput(data=request.data)
        data.is_valid(raise_exception=True)
        question = services.create_question(programme=programme, by=request.user, **data.validated_data)
        return Response(QuestionOutput(question).data, status=status.HTTP_201_CREATED)


class QuestionDetailApi(APIView):
    def _question(self, request: Request, slug: str, pk: int) -> Question:
        programme = _programme(request, slug)
        question = get_object_or_404(programme.questions.all(), pk=pk)
        require(permissions.can_manage_programme(request.user, programme))
        return question

    @extend_schema(request=QuestionInput(partial=True), responses={200: QuestionOutput, **ERRORS})
    def patch(self, request: Request, slug: str, pk: int) -> Response:
        """Change a question; changing the kind of an answered question, or removing a
        choice someone picked, is refused."""
        question = self._question(request, slug, pk)
        data = QuestionInput(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        question = services.update_question(question=question, by=request.user, **data.validated_data)
        return Response(QuestionOutput(question).data)

    @extend_schema(request=None, responses={204: None, **ERRORS})
    def delete(self, request: Request, slug: str, pk: int) -> Response:
        """Delete a question and every answer to it."""
        question = self._question(request, slug, pk)
        services.delete_question(question=question, by=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


class QuestionReorderApi(APIView):
    @extend_schema(request=QuestionOrderInput, responses={200: QuestionOutput(many=True), **ERRORS})
    def post(self, request: Request, slug: str) -> Response:
        """Put the questions in this order; list every question id exactly once."""
        programme = _programme(request, slug)
        require(permissions.can_manage_programme(request.user, programme))
        data = QuestionOrderInput(data=request.data)
        data.is_valid(raise_exception=True)
        questions = services.reorder_questions(
            programme=programme, question_ids=data.validated_data["order"], by=request.user
        )
        return Response(QuestionOutput(questions, many=True).data)
