"""HTML views for invitations: the coordinators' list with single and bulk invite,
re-send and revoke; and the page behind the e-mailed link."""

from typing import Any
from urllib.parse import quote

from allauth.account.utils import perform_login
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from mentoring.shortcuts import add_service_errors, require
from programmes import permissions
from programmes.forms.invitations import AccountSetupForm, BulkInvitationForm, InvitationFilterForm, InvitationForm
from programmes.models import Enrolment, Invitation, Programme
from programmes.services import invitations as services

PAGE_SIZE = 100


def programme_for_people_pages(request: HttpRequest, slug: str) -> Programme:
    """The programme of an invitations or imports page. Participants may see the
    programme but not who else is invited or imported: for them it does not exist."""
    programme = get_object_or_404(Programme.objects.visible_to(request.user), slug=slug)
    if not permissions.can_view_participants(request.user, programme):
        raise Http404
    return programme


# --- the coordinators' list -------------------------------------------------------------


def _list_context(
    request: HttpRequest,
    programme: Programme,
    *,
    invite_form: InvitationForm | None = None,
    bulk_form: BulkInvitationForm | None = None,
) -> dict[str, Any]:
    filter_form = InvitationFilterForm(request.GET or None)
    state = filter_form.cleaned_data["status"] if filter_form.is_valid() else ""
    invitations = services.with_state(programme.invitations.select_related("invited_by")).order_by("-created_at")
    now = timezone.now()
    tally = programme.invitations.aggregate(
        total=Count("pk"),
        pending=Count("pk", filter=Q(status=Invitation.Status.PENDING, expires_at__gt=now)),
        expired=Count("pk", filter=Q(status=Invitation.Status.PENDING, expires_at__lte=now)),
        accepted=Count("pk", filter=Q(status=Invitation.Status.ACCEPTED)),
        revoked=Count("pk", filter=Q(status=Invitation.Status.REVOKED)),
    )
    if state:
        invitations = invitations.filter(state=state)
    page = Paginator(invitations, PAGE_SIZE).get_page(request.GET.get("page"))
    can_manage = permissions.can_manage_programme(request.user, programme)
    return {
        "programme": programme,
        "page": page,
        "state": state,
        "states": [
            {"value": value, "label": label, "count": tally[value], "current": value == state}
            for value, label in services.State.CHOICES
        ],
        "total": tally["total"],
        "query_string": f"status={state}" if state else "",
        "can_manage": can_manage,
        "changeable": programme.archived_at is None and programme.status != Programme.Status.CLOSED,
        "invite_form": invite_form or (InvitationForm() if can_manage else None),
        "bulk_form": bulk_form or (BulkInvitationForm() if can_manage else None),
    }


@login_required
def invitation_list(request: HttpRequest, slug: str) -> HttpResponse:
    """Who was invited and where each invitation stands; POST invites one person."""
    programme = programme_for_people_pages(request, slug)
    if request.method != "POST":
        return render(request, "programmes/invitation_list.html", _list_context(request, programme))
    require(permissions.can_manage_programme(request.user, programme))
    form = InvitationForm(request.POST)
    if form.is_valid():
        try:
            invitation = services.invite_participant(programme=programme, invited_by=request.user, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("An invitation is on its way to %(email)s.") % {"email": invitation.email})
            return redirect("invitation-list", slug=programme.slug)
    context = _list_context(request, programme, invite_form=form)
    return render(request, "programmes/invitation_list.html", context, status=400)


@login_required
@require_POST
def invitation_bulk(request: HttpRequest, slug: str) -> HttpResponse:
    programme = programme_for_people_pages(request, slug)
    require(permissions.can_manage_programme(request.user, programme))
    form = BulkInvitationForm(request.POST)
    if form.is_valid():
        try:
            invitations = services.bulk_invite(programme=programme, invited_by=request.user, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(
                request,
                ngettext(
                    "%(count)d invitation is on its way.", "%(count)d invitations are on their way.", len(invitations)
                )
                % {"count": len(invitations)},
            )
            return redirect("invitation-list", slug=programme.slug)
    context = _list_context(request, programme, bulk_form=form)
    return render(request, "programmes/invitation_list.html", context, status=400)


def _invitation_for(request: HttpRequest, pk: int) -> Invitation:
    invitation = get_object_or_404(Invitation.objects.visible_to(request.user).select_related("programme"), pk=pk)
    require(permissions.can_manage_programme(request.user, invitation.programme))
    return invitation


@login_required
@require_POST
def invitation_resend(request: HttpRequest, pk: int) -> HttpResponse:
    invitation = _invitation_for(request, pk)
    try:
        services.resend_invitation(invitation=invitation, by=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(
            request, _("A new invitation link is on its way to %(email)s; older links no longer work.")
            % {"email": invitation.email},
        )  # fmt: skip
    return redirect("invitation-list", slug=invitation.programme.slug)


@login_required
@require_POST
def invitation_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    invitation = _invitation_for(request, pk)
    try:
        services.revoke_invitation(invitation=invitation, by=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("The invitation of %(email)s was revoked.") % {"email": invitation.email})
    return redirect("invitation-list", slug=invitation.programme.slug)


# --- the invited person's page ----------------------------------------------------------


def _enrolment_url(enrolment: Enrolment) -> str:
    try:
        return enrolment.get_absolute_url()
    except NoReverseMatch:
        return reverse("home")


def _profile_then(url: str) -> str:
    """New people fill in their profile first, then land on their enrolment."""
    try:
        return reverse("profile-edit") + "?next=" + quote(url)
    except NoReverseMatch:
        return url


def _link_problem(request: HttpRequest, error: services.InvitationLinkError) -> HttpResponse:
    invitation = error.invitation
    if (
        error.code == "accepted"
        and invitation is not None
        and request.user.is_authenticated
        and invitation.accepted_by_id == request.user.pk
    ):
        enrolment = Enrolment.objects.filter(programme_id=invitation.programme_id, user=request.user).first()
        if enrolment is not None:
            messages.info(request, _("You have already accepted this invitation."))
            return redirect(_enrolment_url(enrolment))
    context = {
        "error": error,
        "code": error.code,
        "invitation": invitation,
        "programme": invitation.programme if invitation else None,
        "inviter": invitation.invited_by if invitation else None,
    }
    return render(request, "programmes/invitation_invalid.html", context, status=410)


def _mode(request: HttpRequest, invitation: Invitation) -> str:
    """What the page offers: accept, sign in first, set up an account, or a refusal."""
    if request.user.is_authenticated:
        return "accept" if request.user.email.lower() == invitation.email.lower() else "wrong_user"
    account = services.account_for(invitation)
    if account is not None and account.has_usable_password():
        return "sign_in"
    return "signup"


def invitation_accept(request: HttpRequest, token: str) -> HttpResponse:
    """GET shows the invitation and changes nothing; POST accepts it."""
    try:
        invitation = services.get_invitation_for_token(token)
    except services.InvitationLinkError as error:
        return _link_problem(request, error)
    mode = _mode(request, invitation)
    login_url = reverse("account_login") + "?next=" + quote(request.path)
    account = services.account_for(invitation) if mode == "signup" else None
    setup_form = None
    if mode == "signup":
        initial = {
            "first_name": (account.first_name if account else "") or invitation.first_name,
            "last_name": (account.last_name if account else "") or invitation.last_name,
        }
        data = request.POST if request.method == "POST" else None
        setup_form = AccountSetupForm(data, email=invitation.email, initial=initial)

    status = 200
    if request.method == "POST":
        if mode == "sign_in":
            return redirect(login_url)
        if mode == "wrong_user":
            status = 403
        else:
            try:
                if mode == "accept":
                    acceptance = services.accept_invitation(token=token, user=request.user)
                elif setup_form.is_valid():
                    acceptance = services.accept_invitation(
                        token=token,
                        first_name=setup_form.cleaned_data["first_name"],
                        last_name=setup_form.cleaned_data["last_name"],
                        password=setup_form.cleaned_data["password1"],
                    )
                else:
                    acceptance = None
            except services.InvitationLinkError as error:
                return _link_problem(request, error)
            except ValidationError as error:
                if setup_form is None:
                    messages.error(request, " ".join(error.messages))
                    return redirect(request.path)
                add_service_errors(setup_form, error)
                acceptance = None
            if acceptance is not None:
                enrolment_url = _enrolment_url(acceptance.enrolment)
                messages.success(
                    request,
                    _("Welcome to %(programme)s!") % {"programme": invitation.programme.name},
                )
                if mode == "accept":
                    return redirect(enrolment_url)
                return perform_login(request, acceptance.user, redirect_url=_profile_then(enrolment_url))
            status = 400

    context = {
        "invitation": invitation,
        "programme": invitation.programme,
        "inviter": invitation.invited_by,
        "mode": mode,
        "masked_email": services.mask_email(invitation.email),
        "login_url": login_url,
        "form": setup_form,
        "has_account": account is not None,
    }
    return render(request, "programmes/invitation_accept.html", context, status=status)
