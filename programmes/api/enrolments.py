"""API for applications and enrolments: the same scoped fetch (404), `can_*` predicate
(403) and services as the HTML views."""

from typing import Any

from django.core.exceptions import ObjectDoesNotExist
from django.db.models import QuerySet
from django.shortcuts import get_object_or_404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_field, extend_schema_view
from rest_framework import generics, serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from mentoring.api import ErrorSerializer
from mentoring.shortcuts import require
from programmes import permissions
from programmes.api.programmes import UserBrief
from programmes.forms.enrolments import ParticipantFilter, order_participants
from programmes.models import Enrolment, Programme, Question
from programmes.services import enrolments as services

ERRORS = {
    400: OpenApiResponse(description="Invalid input or a refused change; the body says what is wrong."),
    403: OpenApiResponse(ErrorSerializer, description="You may see this but not do this."),
    404: OpenApiResponse(ErrorSerializer, description="Not among the things you can see."),
}


def _with_people(enrolments: QuerySet[Enrolment]) -> QuerySet[Enrolment]:
    return enrolments.select_related("programme", "user", "user__profile").prefetch_related(
        "user__profile__skills_offered", "user__profile__skills_wanted"
    )


def _enrolment(request: Request, pk: int) -> Enrolment:
    return get_object_or_404(_with_people(Enrolment.objects.visible_to(request.user)), pk=pk)


def _programme(request: Request, slug: str) -> Programme:
    return get_object_or_404(Programme.objects.visible_to(request.user), slug=slug)


# --- Shapes ------------------------------------------------------------------------------


class ProgrammeBrief(serializers.Serializer):
    id = serializers.IntegerField()
    slug = serializers.SlugField()
    name = serializers.CharField()
    status = serializers.ChoiceField(choices=Programme.Status.choices)


class EnrolmentOutput(serializers.Serializer):
    id = serializers.IntegerField()
    programme = ProgrammeBrief()
    user = UserBrief()
    role = serializers.ChoiceField(choices=Enrolment.Role.choices)
    status = serializers.ChoiceField(choices=Enrolment.Status.choices)
    source = serializers.ChoiceField(choices=Enrolment.Source.choices)
    department = serializers.SerializerMethodField()
    skills = serializers.SerializerMethodField()
    decision_message = serializers.CharField()
    decided_at = serializers.DateTimeField(allow_null=True)
    left_at = serializers.DateTimeField(allow_null=True)
    left_reason = serializers.CharField()
    created_at = serializers.DateTimeField()

    def _profile(self, enrolment: Enrolment) -> Any:
        try:
            return enrolment.user.profile
        except ObjectDoesNotExist:
            return None

    @extend_schema_field(OpenApiTypes.STR)
    def get_department(self, enrolment: Enrolment) -> str:
        profile = self._profile(enrolment)
        return profile.department if profile else ""

    @extend_schema_field(serializers.ListField(child=serializers.CharField()))
    def get_skills(self, enrolment: Enrolment) -> list[str]:
        """Skills offered for mentors, skills wanted for mentees."""
        profile = self._profile(enrolment)
        if profile is None:
            return []
        skills = profile.skills_offered if enrolment.role == Enrolment.Role.MENTOR else profile.skills_wanted
        return [skill.name for skill in skills.all()]


class AnswerOutput(serializers.Serializer):
    question = serializers.IntegerField(source="question.pk")
    label = serializers.CharField(source="question.label")
    kind = serializers.ChoiceField(choices=Question.Kind.choices, source="question.kind")
    value = serializers.JSONField(allow_null=True)


class EnrolmentDetailOutput(EnrolmentOutput):
    answers = serializers.SerializerMethodField()

    @extend_schema_field(AnswerOutput(many=True))
    def get_answers(self, enrolment: Enrolment) -> list[dict]:
        pairs = [{"question": question, "value": value} for question, value in services.answers_of(enrolment)]
        return AnswerOutput(pairs, many=True).data


class AnswersField(serializers.DictField):
    """Answers keyed by question id: text, a list of texts (multiple choice), a number,
    or true/false (yes/no)."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(child=serializers.JSONField(allow_null=True), **kwargs)


class ApplyInput(serializers.Serializer):
    role = serializers.ChoiceField(choices=Enrolment.Role.choices)
    answers = AnswersField(required=False, default=dict)


class AnswersInput(serializers.Serializer):
    answers = AnswersField()


class MessageInput(serializers.Serializer):
    message = serializers.CharField(max_length=services.MESSAGE_LIMIT, required=False, allow_blank=True, default="")


class ReasonInput(serializers.Serializer):
    reason = serializers.CharField(max_length=services.MESSAGE_LIMIT, required=False, allow_blank=True, default="")


class AddParticipantInput(serializers.Serializer):
    email = serializers.EmailField(max_length=254)
    role = serializers.ChoiceField(choices=Enrolment.Role.choices)


# --- Lists -------------------------------------------------------------------------------


@extend_schema_view(get=extend_schema(responses={200: EnrolmentOutput(many=True), **ERRORS}))
class ProgrammeEnrolmentListApi(generics.ListAPIView):
    """A programme's participants, for its coordinators, HR and site admins: search
    (`q`: name or e-mail), filters and `sort` as in the participants table."""

    serializer_class = EnrolmentOutput
    filterset_class = ParticipantFilter

    def get_queryset(self) -> QuerySet[Enrolment]:
        if getattr(self, "swagger_fake_view", False):
            return Enrolment.objects.none()
        programme = _programme(self.request, self.kwargs["slug"])
        require(permissions.can_view_participants(self.request.user, programme))
        return order_participants(_with_people(programme.enrolments.all()), "name")

    @extend_schema(request=AddParticipantInput, responses={201: EnrolmentOutput, **ERRORS})
    def post(self, request: Request, slug: str) -> Response:
        """Add an existing account as an approved participant."""
        programme = _programme(request, slug)
        require(permissions.can_manage_programme(request.user, programme))
        data = AddParticipantInput(data=request.data)
        data.is_valid(raise_exception=True)
        enrolment = services.add_participant(programme=programme, by=request.user, **data.validated_data)
        return Response(EnrolmentOutput(enrolment).data, status=status.HTTP_201_CREATED)


class MyEnrolmentListApi(generics.ListAPIView):
    """Your own enrolments, in every programme, whatever their status."""

    serializer_class = EnrolmentOutput

    def get_queryset(self) -> QuerySet[Enrolment]:
        if getattr(self, "swagger_fake_view", False):
            return Enrolment.objects.none()
        return _with_people(Enrolment.objects.filter(user=self.request.user)).order_by("-created_at", "pk")


# --- Applying ----------------------------------------------------------------------------


class ProgrammeApplyApi(APIView):
    @extend_schema(request=ApplyInput, responses={201: EnrolmentDetailOutput, **ERRORS})
    def post(self, request: Request, slug: str) -> Response:
        """Apply to an open programme as mentor or mentee, with answers keyed by question id."""
        programme = _programme(request, slug)
        require(permissions.can_apply_to_programme(request.user, programme))
        data = ApplyInput(data=request.data)
        data.is_valid(raise_exception=True)
        enrolment = services.apply_to_programme(
            programme=programme,
            user=request.user,
            role=data.validated_data["role"],
            answers=data.validated_data["answers"],
        )
        return Response(EnrolmentDetailOutput(enrolment).data, status=status.HTTP_201_CREATED)


# --- One enrolment -----------------------------------------------------------------------


class EnrolmentDetailApi(APIView):
    @extend_schema(responses={200: EnrolmentDetailOutput, **ERRORS})
    def get(self, request: Request, pk: int) -> Response:
        """Your own enrolment, or one in a programme you coordinate (HR and site admins: any)."""
        return Response(EnrolmentDetailOutput(_enrolment(request, pk)).data)


class EnrolmentAnswersApi(APIView):
    @extend_schema(request=AnswersInput, responses={200: EnrolmentDetailOutput, **ERRORS})
    def put(self, request: Request, pk: int) -> Response:
        """Replace your answers (all the questions asked of your role)."""
        enrolment = _enrolment(request, pk)
        require(permissions.can_edit_enrolment_answers(request.user, enrolment))
        data = AnswersInput(data=request.data)
        data.is_valid(raise_exception=True)
        enrolment = services.update_answers(
            enrolment=enrolment, user=request.user, answers=data.validated_data["answers"]
        )
        return Response(EnrolmentDetailOutput(enrolment).data)


class EnrolmentApproveApi(APIView):
    @extend_schema(request=MessageInput, responses={200: EnrolmentDetailOutput, **ERRORS})
    def post(self, request: Request, pk: int) -> Response:
        """Approve an application, with an optional message to the applicant."""
        enrolment = _enrolment(request, pk)
        require(permissions.can_decide_enrolment(request.user, enrolment))
        data = MessageInput(data=request.data)
        data.is_valid(raise_exception=True)
        enrolment = services.approve_enrolment(enrolment=enrolment, by=request.user, **data.validated_data)
        return Response(EnrolmentDetailOutput(enrolment).data)


class EnrolmentDeclineApi(APIView):
    @extend_schema(request=MessageInput, responses={200: EnrolmentDetailOutput, **ERRORS})
    def post(self, request: Request, pk: int) -> Response:
        """Decline an application, with an optional message to the applicant."""
        enrolment = _enrolment(request, pk)
        require(permissions.can_decide_enrolment(request.user, enrolment))
        data = MessageInput(data=request.data)
        data.is_valid(raise_exception=True)
        enrolment = services.decline_enrolment(enrolment=enrolment, by=request.user, **data.validated_data)
        return Response(EnrolmentDetailOutput(enrolment).data)


class EnrolmentWithdrawApi(APIView):
    @extend_schema(request=ReasonInput, responses={200: EnrolmentDetailOutput, **ERRORS})
    def post(self, request: Request, pk: int) -> Response:
        """Leave a programme you take part in; you may apply again later."""
        enrolment = _enrolment(request, pk)
        require(permissions.can_withdraw_enrolment(request.user, enrolment))
        data = ReasonInput(data=request.data)
        data.is_valid(raise_exception=True)
        enrolment = services.withdraw_enrolment(enrolment=enrolment, user=request.user, **data.validated_data)
        return Response(EnrolmentDetailOutput(enrolment).data)


class EnrolmentRemoveApi(APIView):
    @extend_schema(request=ReasonInput, responses={200: EnrolmentDetailOutput, **ERRORS})
    def post(self, request: Request, pk: int) -> Response:
        """Take a participant out of the programme; the record stays."""
        enrolment = _enrolment(request, pk)
        require(permissions.can_remove_enrolment(request.user, enrolment))
        data = ReasonInput(data=request.data)
        data.is_valid(raise_exception=True)
        enrolment = services.remove_enrolment(enrolment=enrolment, by=request.user, **data.validated_data)
        return Response(EnrolmentDetailOutput(enrolment).data)


class EnrolmentAcceptApi(APIView):
    @extend_schema(request=None, responses={200: EnrolmentDetailOutput, **ERRORS})
    def post(self, request: Request, pk: int) -> Response:
        """Accept your invitation to the programme."""
        enrolment = _enrolment(request, pk)
        require(permissions.can_respond_to_invitation(request.user, enrolment))
        enrolment = services.accept_invited_enrolment(enrolment=enrolment, user=request.user)
        return Response(EnrolmentDetailOutput(enrolment).data)


class EnrolmentDeclineInvitationApi(APIView):
    @extend_schema(request=ReasonInput, responses={200: EnrolmentDetailOutput, **ERRORS})
    def post(self, request: Request, pk: int) -> Response:
        """Decline your invitation to the programme."""
        enrolment = _enrolment(request, pk)
        require(permissions.can_respond_to_invitation(request.user, enrolment))
        data = ReasonInput(data=request.data)
        data.is_valid(raise_exception=True)
        enrolment = services.decline_invited_enrolment(enrolment=enrolment, user=request.user, **data.validated_data)
        return Response(EnrolmentDetailOutput(enrolment).data)
