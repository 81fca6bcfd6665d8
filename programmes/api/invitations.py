"""API for invitations: the same services and scoping as the HTML pages. Coordinators
(and site admins) invite, re-send and revoke; HR admins read; participants see nothing."""

from django.http import Http404
from django.shortcuts import get_object_or_404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.pagination import PageNumberPagination
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from mentoring.api import ErrorSerializer
from mentoring.shortcuts import require
from programmes import permissions
from programmes.models import Enrolment, Invitation, Programme
from programmes.services import invitations as services


def programme_for_people_api(request: Request, slug: str) -> Programme:
    programme = get_object_or_404(Programme.objects.visible_to(request.user), slug=slug)
    if not permissions.can_view_participants(request.user, programme):
        raise Http404
    return programme


class InvitationPersonOutput(serializers.Serializer):
    id = serializers.IntegerField()
    display_name = serializers.CharField()


class InvitationOutput(serializers.Serializer):
    id = serializers.IntegerField()
    programme = serializers.SlugField(source="programme.slug")
    email = serializers.EmailField()
    first_name = serializers.CharField()
    last_name = serializers.CharField()
    role = serializers.ChoiceField(choices=Enrolment.Role.choices)
    message = serializers.CharField()
    status = serializers.ChoiceField(choices=Invitation.Status.choices, help_text="As stored.")
    state = serializers.SerializerMethodField(
        help_text="The status with expiry applied: a pending invitation past its expiry is `expired`."
    )
    invited_by = InvitationPersonOutput(allow_null=True)
    created_at = serializers.DateTimeField()
    last_sent_at = serializers.DateTimeField(allow_null=True)
    send_count = serializers.IntegerField()
    expires_at = serializers.DateTimeField()
    accepted_at = serializers.DateTimeField(allow_null=True)
    revoked_at = serializers.DateTimeField(allow_null=True)

    def get_state(self, invitation: Invitation) -> str:
        return getattr(invitation, "state", None) or services.state_of(invitation)


class InvitationInput(serializers.Serializer):
    email = serializers.CharField(max_length=254)
    role = serializers.ChoiceField(choices=Enrolment.Role.choices)
    first_name = serializers.CharField(max_length=services.NAME_LIMIT, required=False, allow_blank=True)
    last_name = serializers.CharField(max_length=services.NAME_LIMIT, required=False, allow_blank=True)
    message = serializers.CharField(max_length=services.MESSAGE_LIMIT, required=False, allow_blank=True)


class BulkInvitationInput(serializers.Serializer):
    text = serializers.CharField(
        max_length=services.BULK_LIMIT * 400,
        help_text='One address per line, optionally "email, first name, last name".',
    )
    role = serializers.ChoiceField(choices=Enrolment.Role.choices)
    message = serializers.CharField(max_length=services.MESSAGE_LIMIT, required=False, allow_blank=True)


class InvitationListApi(APIView):
    """A programme's invitations (GET, newest first), or invite one person (POST)."""

    pagination_class = PageNumberPagination

    class FilterSerializer(serializers.Serializer):
        status = serializers.ChoiceField(choices=services.State.CHOICES, required=False)

    @extend_schema(
        parameters=[
            OpenApiParameter(
                "status",
                OpenApiTypes.STR,
                enum=[value for value, _label in services.State.CHOICES],
                description="Only invitations in this state (expired: pending but past expiry).",
            )
        ],
        responses={200: InvitationOutput(many=True), 400: OpenApiTypes.OBJECT, 404: ErrorSerializer},
    )
    def get(self, request: Request, slug: str) -> Response:
        programme = programme_for_people_api(request, slug)
        filters = self.FilterSerializer(data=request.query_params)
        filters.is_valid(raise_exception=True)
        invitations = services.with_state(
            Invitation.objects.visible_to(request.user)
            .filter(programme=programme)
            .select_related("programme", "invited_by")
        ).order_by("-created_at", "-pk")
        if filters.validated_data.get("status"):
            invitations = invitations.filter(state=filters.validated_data["status"])
        paginator = self.pagination_class()
        page = paginator.paginate_queryset(invitations, request, view=self)
        return paginator.get_paginated_response(InvitationOutput(page, many=True).data)

    @extend_schema(
        request=InvitationInput,
        responses={201: InvitationOutput, 400: OpenApiTypes.OBJECT, 403: ErrorSerializer, 404: ErrorSerializer},
    )
    def post(self, request: Request, slug: str) -> Response:
        programme = programme_for_people_api(request, slug)
        require(permissions.can_manage_programme(request.user, programme))
        data = InvitationInput(data=request.data)
        data.is_valid(raise_exception=True)
        invitation = services.invite_participant(programme=programme, invited_by=request.user, **data.validated_data)
        return Response(InvitationOutput(invitation).data, status=status.HTTP_201_CREATED)


class BulkInvitationOutput(serializers.Serializer):
    count = serializers.IntegerField()
    invitations = InvitationOutput(many=True)


class InvitationBulkApi(APIView):
    """Invite several people at once, or nobody: any bad line is a 400 listing every
    bad line by number."""

    @extend_schema(
        request=BulkInvitationInput,
        responses={201: BulkInvitationOutput, 400: OpenApiTypes.OBJECT, 403: ErrorSerializer, 404: ErrorSerializer},
    )
    def post(self, request: Request, slug: str) -> Response:
        programme = programme_for_people_api(request, slug)
        require(permissions.can_manage_programme(request.user, programme))
        data = BulkInvitationInput(data=request.data)
        data.is_valid(raise_exception=True)
        invitations = services.bulk_invite(programme=programme, invited_by=request.user, **data.validated_data)
        output = BulkInvitationOutput({"count": len(invitations), "invitations": invitations})
        return Response(output.data, status=status.HTTP_201_CREATED)


def _invitation_for(request: Request, pk: int) -> Invitation:
    queryset = Invitation.objects.visible_to(request.user).select_related("programme", "invited_by")
    return get_object_or_404(queryset, pk=pk)


class InvitationDetailApi(APIView):
    @extend_schema(responses={200: InvitationOutput, 404: ErrorSerializer})
    def get(self, request: Request, pk: int) -> Response:
        return Response(InvitationOutput(_invitation_for(request, pk)).data)


class InvitationResendApi(APIView):
    """Send again with a new link and a new expiry; older links stop working."""

    @extend_schema(
        request=None,
        responses={200: InvitationOutput, 400: OpenApiTypes.OBJECT, 403: ErrorSerializer, 404: ErrorSerializer},
    )
    def post(self, request: Request, pk: int) -> Response:
        invitation = _invitation_for(request, pk)
        require(permissions.can_manage_programme(request.user, invitation.programme))
        invitation = services.resend_invitation(invitation=invitation, by=request.user)
        return Response(InvitationOutput(invitation).data)


class InvitationRevokeApi(APIView):
    """Withdraw a pending invitation; an INVITED enrolment it made is removed."""

    @extend_schema(
        request=None,
        responses={200: InvitationOutput, 400: OpenApiTypes.OBJECT, 403: ErrorSerializer, 404: ErrorSerializer},
    )
    def post(self, request: Request, pk: int) -> Response:
        invitation = _invitation_for(request, pk)
        require(permissions.can_manage_programme(request.user, invitation.programme))
        invitation = services.revoke_invitation(invitation=invitation, by=request.user)
        return Response(InvitationOutput(invitation).data)
