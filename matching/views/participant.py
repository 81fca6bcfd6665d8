"""HTML views of the participant flow: my matches, the pair's page, suggestions and
requests. Scoped fetch (404) → `can_*` (403) → validate → one service call."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Q, QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from matching import permissions
from matching.forms_participants import (
    AcceptMatchForm,
    AnswerRequestForm,
    DeclineMatchForm,
    EndMatchForm,
    MentorFullForm,
    RequestMentorForm,
)
from matching.models import Match, MentorRequest
from matching.services import flags as flag_services
from matching.services import matches as match_services
from matching.services import requests as request_services
from mentoring.shortcuts import add_service_errors, require
from programmes.models import Enrolment, Programme
from programmes.permissions import can_manage_programme

REQUESTS_SHOWN = 50


def _matches(user: object) -> QuerySet[Match]:
    return Match.objects.visible_to(user).select_related(
        "programme", "mentor__user__profile", "mentee__user__profile", "declined_by", "ended_by"
    )


def _match_for(request: HttpRequest, pk: int) -> Match:
    return get_object_or_404(_matches(request.user), pk=pk)


def _requests(user: object) -> QuerySet[MentorRequest]:
    return MentorRequest.objects.visible_to(user).select_related(
        "programme", "mentor__user__profile", "mentee__user__profile", "match"
    )


@login_required
def my_matches(request: HttpRequest) -> HttpResponse:
    user = request.user
    own = Q(mentor__user=user) | Q(mentee__user=user)
    matches = list(_matches(user).filter(own).exclude(status=Match.Status.DRAFT).order_by("-created_at"))
    for match in matches:
        match.viewer_side = permissions.side_of(user, match)
        match.other = match.mentee.user if match.viewer_side == Enrolment.Role.MENTOR else match.mentor.user
        match.my_turn = permissions.needs_answer_from(match, match.viewer_side)
    sent = list(_requests(user).filter(mentee__user=user)[:REQUESTS_SHOWN])
    received = list(_requests(user).filter(mentor__user=user)[:REQUESTS_SHOWN])
    context = {"matches": matches, "sent": sent, "received": received}
    return render(request, "matching/participant/my_matches.html", context)


def _render_match(
    request: HttpRequest,
    match: Match,
    *,
    accept_form: AcceptMatchForm | None = None,
    decline_form: DeclineMatchForm | None = None,
    end_form: EndMatchForm | None = None,
    status: int = 200,
) -> HttpResponse:
    user = request.user
    side = permissions.side_of(user, match)
    has_agreement = bool(match.programme.agreement_text)
    can_respond = permissions.can_respond_to_match(user, match)
    context = {
        "match": match,
        "programme": match.programme,
        "side": side,
        "other": (match.mentee if side == Enrolment.Role.MENTOR else match.mentor) if side else None,
        "can_respond": can_respond,
        "can_end": permissions.can_end_match(user, match),
        "can_manage": can_manage_programme(user, match.programme),
        "accept_form": accept_form or AcceptMatchForm(has_agreement=has_agreement),
        "decline_form": decline_form or DeclineMatchForm(),
        "end_form": end_form or EndMatchForm(),
        "explanation": match.explanation or {},
        "waiting_for": _waiting_for(match),
        # Fairness: the pair sees every flag about their match, with its facts.
        "flags": flag_services.flags_about(match),
    }
    return render(request, "matching/participant/match_detail.html", context, status=status)


def _waiting_for(match: Match) -> list[str]:
    return [
        side.label
        for side in (Enrolment.Role.MENTOR, Enrolment.Role.MENTEE)
        if permissions.needs_answer_from(match, side)
        and (
            side == Enrolment.Role.MENTOR
            or match.programme.match_approval == Programme.Approval.TWO_SIDED
            or match.status == Match.Status.ACCEPTED
        )
    ]


@login_required
def match_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _render_match(request, _match_for(request, pk))


@login_required
@require_POST
def match_accept(request: HttpRequest, pk: int) -> HttpResponse:
    match = _match_for(request, pk)
    require(permissions.can_respond_to_match(request.user, match))
    form = AcceptMatchForm(request.POST, has_agreement=bool(match.programme.agreement_text))
    if form.is_valid():
        try:
            match = match_services.accept_match(
                match=match, user=request.user, agreement_accepted=form.cleaned_data.get("agreement_accepted", False)
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            if match.status == Match.Status.ACTIVE:
                messages.success(request, _("You accepted the match: your mentoring is active."))
            else:
                messages.success(request, _("You accepted the match. We will tell you when the other side has too."))
            return redirect("match-detail", pk=match.pk)
    return _render_match(request, match, accept_form=form, status=400)


@login_required
@require_POST
def match_decline(request: HttpRequest, pk: int) -> HttpResponse:
    match = _match_for(request, pk)
    require(permissions.can_respond_to_match(request.user, match))
    form = DeclineMatchForm(request.POST)
    if form.is_valid():
        try:
            match_services.decline_match(match=match, user=request.user, reason=form.cleaned_data["reason"])
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("You declined the match. The coordinators have been told."))
            return redirect("my-matches")
    return _render_match(request, match, decline_form=form, status=400)


@login_required
@require_POST
def match_end(request: HttpRequest, pk: int) -> HttpResponse:
    match = _match_for(request, pk)
    require(permissions.can_end_match(request.user, match))
    form = EndMatchForm(request.POST)
    if form.is_valid():
        try:
            match_services.end_match(match=match, by=request.user, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("The match has ended."))
            return redirect("match-detail", pk=match.pk)
    return _render_match(request, match, end_form=form, status=400)


# --- Mentee-led programmes ---------------------------------------------------------------


def _mentee_enrolment(request: HttpRequest, slug: str) -> Enrolment:
    programme = get_object_or_404(Programme.objects.visible_to(request.user), slug=slug)
    enrolment = (
        Enrolment.objects.filter(programme=programme, user=request.user, role=Enrolment.Role.MENTEE)
        .select_related("programme", "user")
        .first()
    )
    require(enrolment is not None and permissions.can_view_suggestions(request.user, enrolment))
    return enrolment


@login_required
def mentor_suggestions(request: HttpRequest, slug: str) -> HttpResponse:
    enrolment = _mentee_enrolment(request, slug)
    programme = enrolment.programme
    form = RequestMentorForm(request.POST or None)
    status = 200
    if request.method == "POST":
        require(permissions.can_request_mentor(request.user, enrolment))
        if form.is_valid():
            mentor = (
                Enrolment.objects.filter(
                    programme=programme, pk=form.cleaned_data["mentor"], role=Enrolment.Role.MENTOR
                )
                .select_related("user", "programme")
                .first()
            )
            try:
                if mentor is None:
                    raise ValidationError(_("Choose a mentor of this programme."))
                request_services.request_mentor(mentee=enrolment, mentor=mentor, message=form.cleaned_data["message"])
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(request, _("Your request is on its way to %(name)s.") % {"name": mentor.user})
                return redirect("mentor-suggestions", slug=programme.slug)
        status = 400
    pending = _requests(request.user).filter(mentee=enrolment).pending().first()
    live = Match.objects.filter(mentee=enrolment).published().first()
    can_request = permissions.can_request_mentor(request.user, enrolment)
    context = {
        "programme": programme,
        "enrolment": enrolment,
        "form": form,
        "pending": pending,
        "live_match": live,
        "can_request": can_request,
        "suggestions": request_services.suggestions_for(enrolment=enrolment) if can_request else [],
    }
    return render(request, "matching/participant/mentor_suggestions.html", context, status=status)


@login_required
def request_list(request: HttpRequest) -> HttpResponse:
    user = request.user
    received = list(_requests(user).filter(mentor__user=user)[:REQUESTS_SHOWN])
    sent = list(_requests(user).filter(mentee__user=user)[:REQUESTS_SHOWN])
    mentor_enrolments = list(
        Enrolment.objects.filter(user=user, role=Enrolment.Role.MENTOR, status=Enrolment.Status.APPROVED)
        .select_related("programme")
        .order_by("programme__name")
    )
    context = {"received": received, "sent": sent, "mentor_enrolments": mentor_enrolments, "form": AnswerRequestForm()}
    return render(request, "matching/participant/request_list.html", context)


def _request_for(request: HttpRequest, pk: int) -> MentorRequest:
    return get_object_or_404(_requests(request.user), pk=pk)


@login_required
@require_POST
def request_answer(request: HttpRequest, pk: int) -> HttpResponse:
    mentor_request = _request_for(request, pk)
    require(permissions.can_answer_request(request.user, mentor_request))
    form = AnswerRequestForm(request.POST)
    if form.is_valid():
        accept = form.cleaned_data["decision"] == "accept"
        try:
            answered = request_services.answer_request(
                request=mentor_request,
                user=request.user,
                accept=accept,
                response=form.cleaned_data["response"],
                agreement_accepted=form.cleaned_data["agreement_accepted"],
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            if accept:
                messages.success(request, _("You accepted the request."))
                return redirect("match-detail", pk=answered.match_id)
            messages.success(request, _("You declined the request. The mentee has been told."))
            return redirect("request-list")
    for error in form.non_field_errors():
        messages.error(request, error)
    for field, errors in form.errors.items():
        if field != "__all__":
            for error in errors:
                messages.error(request, error)
    return redirect("request-list")


@login_required
@require_POST
def request_withdraw(request: HttpRequest, pk: int) -> HttpResponse:
    mentor_request = _request_for(request, pk)
    require(permissions.can_withdraw_request(request.user, mentor_request))
    try:
        request_services.withdraw_request(request=mentor_request, user=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("Your request is withdrawn."))
    if request.POST.get("next") == "suggestions":
        return redirect("mentor-suggestions", slug=mentor_request.programme.slug)
    return redirect("request-list")


@login_required
@require_POST
def mentor_full(request: HttpRequest, pk: int) -> HttpResponse:
    enrolment = get_object_or_404(Enrolment.objects.visible_to(request.user).select_related("programme"), pk=pk)
    require(permissions.can_set_full(request.user, enrolment))
    form = MentorFullForm(request.POST)
    form.is_valid()
    full = form.cleaned_data.get("full", False)
    request_services.set_mentor_full(enrolment=enrolment, user=request.user, full=full)
    if full:
        messages.success(request, _("You are marked full in %(programme)s.") % {"programme": enrolment.programme})
    else:
        messages.success(
            request, _("You take new mentees again in %(programme)s.") % {"programme": enrolment.programme}
        )
    return redirect("request-list")


def match_actions(user: object) -> list[dict]:
    """For the home page: the user's published live matches and pending requests, each with
    the action it waits for from them, and the mentee-led programmes where they still
    have to choose a mentor."""
    own = Q(mentor__user=user) | Q(mentee__user=user)
    items = []
    for match in _matches(user).filter(own).published().order_by("-created_at"):
        side = permissions.side_of(user, match)
        other = match.mentee.user if side == Enrolment.Role.MENTOR else match.mentor.user
        if permissions.needs_answer_from(match, side):
            action = _("Accept your match")
        elif match.status == Match.Status.ACTIVE:
            action = ""
        else:
            action = _("Waiting for %(name)s") % {"name": other.get_short_name()}
        items.append(
            {
                "url": reverse("match-detail", args=[match.pk]),
                "label": other.display_name,
                "detail": f"{match.programme.name} · {match.get_status_display()}",
                "action": action,
                "urgent": permissions.needs_answer_from(match, side),
            }
        )
    for mentor_request in _requests(user).filter(own).pending():
        if mentor_request.mentor.user_id == user.pk:
            name = mentor_request.mentee.user
            action = _("Answer %(name)s's request") % {"name": name.get_short_name()}
            url, urgent = reverse("request-list") + f"#request-{mentor_request.pk}", True
        else:
            name = mentor_request.mentor.user
            action = _("Waiting for %(name)s's answer") % {"name": name.get_short_name()}
            url, urgent = reverse("mentor-suggestions", args=[mentor_request.programme.slug]), False
        items.append(
            {
                "url": url,
                "label": name.display_name,
                "detail": f"{mentor_request.programme.name} · {mentor_request.get_status_display()}",
                "action": action,
                "urgent": urgent,
            }
        )
    choosing = Enrolment.objects.filter(
        user=user,
        role=Enrolment.Role.MENTEE,
        status=Enrolment.Status.APPROVED,
        programme__mentees_choose_mentor=True,
    ).select_related("programme")
    for enrolment in choosing:
        if permissions.can_request_mentor(user, enrolment):
            items.append(
                {
                    "url": reverse("mentor-suggestions", args=[enrolment.programme.slug]),
                    "label": enrolment.programme.name,
                    "detail": _("you choose your mentor in this programme"),
                    "action": _("Choose your mentor"),
                    "urgent": True,
                }
            )
    return items
