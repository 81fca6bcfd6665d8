"""The coordinator's matching pages: settings, runs with their proposals, publishing, manual matches.

Reads open to the programme's coordinators, site admins and HR admins (read-only); every write needs
`can_manage_programme`. Runs and proposals are fetched through `visible_to`, so another programme's
run or proposal answers 404.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Q, QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_POST

from matching.builder import choice_questions, eligible_mentees, matching_settings_for
from matching.forms import ManualMatchForm, MatchingSettingsForm, PeopleSearchForm, ReplaceForm, SwapForm
from matching.models import Match, MatchRun, PairBlock
from matching.services import proposals as proposal_services
from matching.services import runs as run_services
from mentoring.shortcuts import require
from programmes.models import Enrolment, Programme
from programmes.permissions import can_manage_programme, can_view_participants

PROPOSALS_PER_PAGE = 50
BUSY = (MatchRun.Status.QUEUED, MatchRun.Status.RUNNING)


def _programme_for(request: HttpRequest, slug: str) -> Programme:
    programme = get_object_or_404(Programme.objects.visible_to(request.user), slug=slug)
    require(can_view_participants(request.user, programme))
    return programme


def _run_for(request: HttpRequest, pk: int) -> MatchRun:
    return get_object_or_404(MatchRun.objects.visible_to(request.user).select_related("programme", "started_by"), pk=pk)


def _proposal_for(request: HttpRequest, pk: int) -> Match:
    matches = Match.objects.visible_to(request.user).select_related("programme", "mentor__user", "mentee__user")
    match = get_object_or_404(matches, pk=pk)
    # A participant may see their own published match, never work on proposals.
    require(can_view_participants(request.user, match.programme))
    require(can_manage_programme(request.user, match.programme))
    return match


def _drafts(programme: Programme) -> QuerySet[Match]:
    return (
        Match.objects.filter(programme=programme, status=Match.Status.DRAFT)
        .select_related("mentor__user", "mentee__user", "programme")
        .order_by("mentee__user__first_name", "mentee__user__last_name", "pk")
    )


def _back_to_proposals(programme: Programme) -> HttpResponse:
    latest = MatchRun.objects.filter(programme=programme).order_by("-created_at", "-pk").first()
    if latest is not None:
        return redirect("match-run-detail", pk=latest.pk)
    return redirect("matching-home", slug=programme.slug)


def _service_error(request: HttpRequest, error: ValidationError) -> None:
    messages.error(request, " ".join(error.messages))


@login_required
@require_GET
def matching_home(request: HttpRequest, slug: str) -> HttpResponse:
    programme = _programme_for(request, slug)
    settings = matching_settings_for(programme)
    questions = choice_questions(programme)
    mode_labels = dict(MatchingSettingsForm.base_fields["department_mode"].choices)
    context = {
        "programme": programme,
        "settings": settings,
        "department_mode": mode_labels.get(settings.department_mode, settings.department_mode),
        "questions_with_mode": [
            q for q in questions if (settings.question_modes or {}).get(str(q.pk), "ignore") != "ignore"
        ],
        "runs": list(
            MatchRun.objects.filter(programme=programme).select_related("started_by").order_by("-created_at")[:10]
        ),
        "counts": proposal_services.proposal_counts(programme),
        "can_manage": can_manage_programme(request.user, programme),
        "can_oversee": True,
        "can_run": programme.status in run_services.RUNNABLE_STATUSES and programme.archived_at is None,
        "busy": MatchRun.objects.filter(programme=programme, status__in=BUSY).first(),
        "blocks": list(
            PairBlock.objects.filter(programme=programme).select_related("mentor__user", "mentee__user").order_by("-pk")
        ),
    }
    return render(request, "matching/coordinator/matching_home.html", context)


@login_required
def matching_settings(request: HttpRequest, slug: str) -> HttpResponse:
    programme = _programme_for(request, slug)
    can_manage = can_manage_programme(request.user, programme)
    if request.method == "POST":
        require(can_manage)
    settings = matching_settings_for(programme)
    form = MatchingSettingsForm(request.POST or None, instance=settings, questions=choice_questions(programme))
    if request.method == "POST" and form.is_valid():
        values = {name: form.cleaned_data[name] for name in MatchingSettingsForm.Meta.fields}
        try:
            run_services.update_matching_settings(
                settings=settings, by=request.user, values=values, question_modes=form.question_modes()
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("Matching settings saved. They apply from the next run."))
            return redirect("matching-home", slug=programme.slug)
    context = {"programme": programme, "form": form, "can_manage": can_manage, "can_oversee": True}
    return render(request, "matching/coordinator/matching_settings.html", context)


@login_required
@require_POST
def match_run_start(request: HttpRequest, slug: str) -> HttpResponse:
    programme = _programme_for(request, slug)
    require(can_manage_programme(request.user, programme))
    try:
        run = run_services.start_match_run(programme=programme, by=request.user)
    except ValidationError as error:
        _service_error(request, error)
        return redirect("matching-home", slug=programme.slug)
    return redirect("match-run-detail", pk=run.pk)


@login_required
@require_POST
def matching_rerun(request: HttpRequest, slug: str) -> HttpResponse:
    programme = _programme_for(request, slug)
    require(can_manage_programme(request.user, programme))
    try:
        run = proposal_services.rerun_for_the_rest(programme=programme, by=request.user)
    except ValidationError as error:
        _service_error(request, error)
        return _back_to_proposals(programme)
    return redirect("match-run-detail", pk=run.pk)


def _proposal_rows(drafts: list[Match], alternatives: dict) -> list[dict]:
    return [{"match": m, "alternatives": alternatives.get(m.pk, [])} for m in drafts]


@login_required
@require_GET
def match_run_detail(request: HttpRequest, pk: int) -> HttpResponse:
    run = _run_for(request, pk)
    programme = run.programme
    can_manage = can_manage_programme(request.user, programme)
    context = {
        "programme": programme,
        "run": run,
        "running": run.status in BUSY,
        "can_manage": can_manage,
        "can_oversee": True,
    }
    if run.status == MatchRun.Status.DONE:
        latest = MatchRun.objects.filter(programme=programme).order_by("-created_at", "-pk").first()
        drafts = _drafts(programme)
        page = Paginator(drafts, PROPOSALS_PER_PAGE).get_page(request.GET.get("page"))
        on_page = list(page.object_list)
        alternatives = proposal_services.alternatives_for_many(on_page) if can_manage else {}
        swap_choices = list(drafts.filter(is_locked=False)) if can_manage else []
        context |= {
            "latest": latest,
            "is_latest": latest is not None and latest.pk == run.pk,
            "page": page,
            "rows": _proposal_rows(on_page, alternatives),
            "swap_choices": swap_choices,
            "counts": proposal_services.proposal_counts(programme),
        }
    return render(request, "matching/coordinator/match_run_detail.html", context)


@login_required
@require_GET
def match_run_progress(request: HttpRequest, pk: int) -> HttpResponse:
    """The progress fragment htmx polls; once the run is over the whole page reloads."""
    run = _run_for(request, pk)
    if run.status not in BUSY and request.htmx:
        response = HttpResponse(status=204)
        response["HX-Refresh"] = "true"
        return response
    return render(request, "matching/coordinator/match_run_progress.html", {"run": run, "running": run.status in BUSY})


@login_required
@require_POST
def proposal_swap(request: HttpRequest, pk: int) -> HttpResponse:
    match = _proposal_for(request, pk)
    form = SwapForm(request.POST, proposals=_drafts(match.programme).exclude(pk=match.pk))
    if not form.is_valid():
        messages.error(request, _("Choose a draft proposal of this programme to swap with."))
        return _back_to_proposals(match.programme)
    try:
        proposal_services.swap_proposals(first=match, second=form.cleaned_data["other"], by=request.user)
    except ValidationError as error:
        _service_error(request, error)
    else:
        messages.success(request, _("Mentors swapped."))
    return _back_to_proposals(match.programme)


@login_required
@require_POST
def proposal_replace(request: HttpRequest, pk: int) -> HttpResponse:
    match = _proposal_for(request, pk)
    mentors = Enrolment.objects.filter(
        programme=match.programme, role=Enrolment.Role.MENTOR, status=Enrolment.Status.APPROVED
    )
    form = ReplaceForm(request.POST, mentors=mentors)
    if not form.is_valid():
        messages.error(request, _("Choose an approved mentor of this programme."))
        return _back_to_proposals(match.programme)
    try:
        proposal_services.replace_proposal(match=match, mentor=form.cleaned_data["mentor"], by=request.user)
    except ValidationError as error:
        _service_error(request, error)
    else:
        messages.success(request, _("Mentor replaced."))
    return _back_to_proposals(match.programme)


@login_required
@require_POST
def proposal_remove(request: HttpRequest, pk: int) -> HttpResponse:
    match = _proposal_for(request, pk)
    try:
        proposal_services.remove_proposal(match=match, by=request.user)
    except ValidationError as error:
        _service_error(request, error)
    else:
        messages.success(request, _("Proposal removed; the mentee is back in the pool."))
    return _back_to_proposals(match.programme)


@login_required
@require_POST
def proposal_lock(request: HttpRequest, pk: int) -> HttpResponse:
    match = _proposal_for(request, pk)
    locked = request.POST.get("locked") != "0"
    try:
        if locked:
            proposal_services.lock_proposal(match=match, by=request.user)
        else:
            proposal_services.unlock_proposal(match=match, by=request.user)
    except ValidationError as error:
        _service_error(request, error)
    return _back_to_proposals(match.programme)


@login_required
def matching_publish(request: HttpRequest, slug: str) -> HttpResponse:
    """GET asks for confirmation; POST publishes every draft proposal."""
    programme = _programme_for(request, slug)
    require(can_manage_programme(request.user, programme))
    if request.method == "POST":
        try:
            count = proposal_services.publish_proposals(programme=programme, by=request.user)
        except ValidationError as error:
            _service_error(request, error)
            return redirect("matching-publish", slug=programme.slug)
        messages.success(
            request,
            ngettext(
                "%(count)d proposal published; both sides have been told.",
                "%(count)d proposals published; both sides have been told.",
                count,
            )
            % {"count": count},
        )
        return redirect("matching-home", slug=programme.slug)
    counts = proposal_services.proposal_counts(programme)
    context = {"programme": programme, "counts": counts, "can_manage": True, "can_oversee": True}
    return render(request, "matching/coordinator/matching_publish.html", context)


def _search(people: QuerySet[Enrolment], term: str) -> QuerySet[Enrolment]:
    for word in term.split()[:5]:
        people = people.filter(
            Q(user__first_name__icontains=word)
            | Q(user__last_name__icontains=word)
            | Q(user__email__icontains=word)
            | Q(user__profile__department__icontains=word)
            | Q(user__profile__job_title__icontains=word)
        )
    return people


@login_required
def manual_match(request: HttpRequest, slug: str) -> HttpResponse:
    programme = _programme_for(request, slug)
    require(can_manage_programme(request.user, programme))
    mentees = eligible_mentees(programme).exclude(
        pk__in=Match.objects.filter(programme=programme).live().values("mentee")
    )
    mentors = proposal_services.mentors_with_room(programme)
    mentor_qs = Enrolment.objects.filter(pk__in=[m.pk for m in mentors])
    search = PeopleSearchForm(request.GET)
    search.is_valid()
    found = search.cleaned_data if search.is_valid() else {}
    mentee = mentees.select_related("user").filter(pk=found.get("mentee") or 0).first()
    mentor = next((m for m in mentors if m.pk == found.get("mentor")), None)

    form = ManualMatchForm(request.POST or None, mentees=mentees, mentors=mentor_qs)
    if request.method == "POST" and form.is_valid():
        try:
            match = proposal_services.create_manual_match(
                programme=programme,
                mentor=form.cleaned_data["mentor"],
                mentee=form.cleaned_data["mentee"],
                by=request.user,
                publish=form.cleaned_data["publish"],
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            if match.status == Match.Status.DRAFT:
                messages.success(request, _("Pair added to the draft proposals (locked)."))
            else:
                messages.success(request, _("Match proposed; both sides have been told."))
            return redirect("matching-home", slug=programme.slug)
    elif request.method == "POST":
        messages.error(request, _("Choose a mentee and a mentor from the lists."))

    mentee_list = _search(mentees.select_related("user__profile"), found.get("mentee_q", ""))
    mentor_term = (found.get("mentor_q") or "").casefold()
    mentor_list = [
        m
        for m in mentors
        if not mentor_term
        or all(
            word in f"{m.user.display_name} {m.user.email} {m.user.profile.department}".casefold()
            for word in mentor_term.split()
        )
    ]
    explanation = None
    if mentee is not None and mentor is not None:
        explanation = proposal_services.explain_pair(programme, mentor, mentee).as_dict()
        form = ManualMatchForm(
            request.POST or None, mentees=mentees, mentors=mentor_qs, initial={"mentee": mentee, "mentor": mentor}
        ) if request.method != "POST" else form  # fmt: skip
    context = {
        "programme": programme,
        "search": search,
        "found": found,
        "mentees": Paginator(mentee_list.order_by("user__first_name", "user__last_name", "pk"), 25).get_page(
            request.GET.get("mentee_page")
        ),
        "mentors": mentor_list[:25],
        "mentor_total": len(mentor_list),
        "mentee": mentee,
        "mentor": mentor,
        "explanation": explanation,
        "form": form,
        "can_manage": True,
        "can_oversee": True,
        "can_run": programme.status in run_services.RUNNABLE_STATUSES,
        "home_url": reverse("matching-home", kwargs={"slug": programme.slug}),
    }
    return render(request, "matching/coordinator/manual_match.html", context)


MATCH_LIST_STATUSES = [choice for choice in Match.Status.choices if choice[0] != Match.Status.DRAFT]


@login_required
@require_GET
def match_list(request: HttpRequest, slug: str) -> HttpResponse:
    """Every published match of the programme, declined and ended ones included, so a
    coordinator sees who went back to the pool and why."""
    programme = _programme_for(request, slug)
    status = request.GET.get("status", "")
    matches = (
        Match.objects.filter(programme=programme)
        .exclude(status=Match.Status.DRAFT)
        .select_related("mentor__user", "mentee__user", "declined_by", "ended_by")
        .order_by("-published_at", "-pk")
    )
    if status in dict(MATCH_LIST_STATUSES):
        matches = matches.filter(status=status)
    else:
        status = ""
    page = Paginator(matches, 50).get_page(request.GET.get("page"))
    context = {"programme": programme, "page": page, "statuses": MATCH_LIST_STATUSES, "status": status}
    return render(request, "matching/coordinator/match_list.html", context)


@login_required
@require_POST
def proposal_block(request: HttpRequest, pk: int) -> HttpResponse:
    """Never match this proposal's two people; the draft goes and the mentee is back in the pool."""
    match = _proposal_for(request, pk)
    proposal_services.block_pair(
        programme=match.programme, mentor=match.mentor, mentee=match.mentee, by=request.user,
        reason=request.POST.get("reason", "")[:300],
    )  # fmt: skip
    messages.success(
        request,
        _("%(mentor)s and %(mentee)s will never be matched in this programme.")
        % {"mentor": match.mentor.user, "mentee": match.mentee.user},
    )
    return _back_to_proposals(match.programme)


@login_required
@require_POST
def pair_block_create(request: HttpRequest, slug: str) -> HttpResponse:
    """Block a pair chosen on the manual match page."""
    programme = _programme_for(request, slug)
    require(can_manage_programme(request.user, programme))
    enrolments = Enrolment.objects.filter(programme=programme).select_related("user")
    mentor = enrolments.filter(role=Enrolment.Role.MENTOR, pk=_int(request.POST.get("mentor"))).first()
    mentee = enrolments.filter(role=Enrolment.Role.MENTEE, pk=_int(request.POST.get("mentee"))).first()
    if mentor is None or mentee is None:
        messages.error(request, _("Choose a mentee and a mentor from the lists."))
        return redirect("manual-match", slug=programme.slug)
    try:
        proposal_services.block_pair(
            programme=programme, mentor=mentor, mentee=mentee, by=request.user,
            reason=request.POST.get("reason", "")[:300],
        )  # fmt: skip
    except ValidationError as error:
        _service_error(request, error)
    else:
        messages.success(
            request,
            _("%(mentor)s and %(mentee)s will never be matched in this programme.")
            % {"mentor": mentor.user, "mentee": mentee.user},
        )
    return redirect("matching-home", slug=programme.slug)


@login_required
@require_POST
def pair_block_delete(request: HttpRequest, pk: int) -> HttpResponse:
    block = get_object_or_404(PairBlock.objects.visible_to(request.user).select_related("programme"), pk=pk)
    require(can_manage_programme(request.user, block.programme))
    proposal_services.unblock_pair(block=block, by=request.user)
    messages.success(request, _("The pair may be matched again."))
    return redirect("matching-home", slug=block.programme.slug)


def _int(value: str | None) -> int:
    try:
        return int(value or 0)
    except ValueError:
        return 0
