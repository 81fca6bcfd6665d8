"""HTML views for enrolments: a participant's own page, the coordinators' decisions and
the participants table with its bulk actions and CSV download."""

import itertools
from collections.abc import Iterator
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ObjectDoesNotExist, ValidationError
from django.core.paginator import Paginator
from django.db.models import Prefetch, QuerySet
from django.http import HttpRequest, HttpResponse, QueryDict, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_GET, require_POST

from audit.services import record_view
from mentoring.shortcuts import add_service_errors, require
from mentoring.spreadsheets import csv_lines
from profiles.models import Profile, Skill
from programmes import permissions
from programmes.forms.enrolments import (
    AddParticipantForm,
    AnswersForm,
    BulkActionForm,
    DecisionForm,
    LeaveForm,
    ParticipantFilter,
    order_participants,
)
from programmes.models import Enrolment, Programme
from programmes.services import enrolments as services

PAGE_SIZE = 50
SORT_COLUMNS = [
    ("name", gettext_lazy("Name")),
    ("email", gettext_lazy("E-mail")),
    ("role", gettext_lazy("Role")),
    ("status", gettext_lazy("Status")),
    ("department", gettext_lazy("Department")),
    ("joined", gettext_lazy("Joined")),
]
MAX_SKIPPED_SHOWN = 10


def _enrolment_for(request: HttpRequest, pk: int) -> Enrolment:
    queryset = Enrolment.objects.visible_to(request.user).select_related(
        "programme", "user", "user__profile", "decided_by"
    )
    return get_object_or_404(queryset, pk=pk)


# --- A participant's enrolment -----------------------------------------------------------


def _render_detail(
    request: HttpRequest,
    enrolment: Enrolment,
    *,
    answers_form: AnswersForm | None = None,
    decision_form: DecisionForm | None = None,
    status: int = 200,
) -> HttpResponse:
    user = request.user
    answers = services.answers_of(enrolment)
    can_edit_answers = permissions.can_edit_enrolment_answers(user, enrolment)
    if can_edit_answers and answers_form is None and answers:
        answers_form = AnswersForm(
            questions=[question for question, _value in answers],
            role=enrolment.role,
            answers={question.pk: value for question, value in answers},
        )
    can_decide = permissions.can_decide_enrolment(user, enrolment)
    changeable = enrolment.programme.archived_at is None and enrolment.programme.status != Programme.Status.CLOSED
    context = {
        "enrolment": enrolment,
        "programme": enrolment.programme,
        "is_participant": enrolment.user_id == user.pk,
        "answers": [(question, services.answer_display(question, value)) for question, value in answers],
        "answers_form": answers_form if can_edit_answers else None,
        "can_decide": can_decide and changeable,
        "can_approve": can_decide
        and changeable
        and enrolment.status in {Enrolment.Status.APPLIED, Enrolment.Status.DECLINED},
        "can_decline": can_decide and changeable and enrolment.status == Enrolment.Status.APPLIED,
        "decision_form": decision_form or DecisionForm(),
        "can_remove": permissions.can_remove_enrolment(user, enrolment) and changeable,
        "can_withdraw": permissions.can_withdraw_enrolment(user, enrolment) and changeable,
        "can_respond": permissions.can_respond_to_invitation(user, enrolment) and changeable,
        "can_view_participants": permissions.can_view_participants(user, enrolment.programme),
    }
    return render(request, "programmes/enrolment_detail.html", context, status=status)


@login_required
def enrolment_detail(request: HttpRequest, pk: int) -> HttpResponse:
    enrolment = _enrolment_for(request, pk)
    record_view(
        viewer=request.user,
        person_id=enrolment.user_id,
        target=enrolment,
        programme_id=enrolment.programme_id,
        request=request,
    )
    return _render_detail(request, enrolment)


@login_required
@require_POST
def enrolment_answers(request: HttpRequest, pk: int) -> HttpResponse:
    enrolment = _enrolment_for(request, pk)
    require(permissions.can_edit_enrolment_answers(request.user, enrolment))
    questions = list(services.questions_for_role(enrolment.programme, enrolment.role))
    form = AnswersForm(request.POST, questions=questions, role=enrolment.role)
    if form.is_valid():
        try:
            services.update_answers(enrolment=enrolment, user=request.user, answers=form.cleaned_answers)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Your answers were saved."))
            return redirect(enrolment)
    return _render_detail(request, enrolment, answers_form=form)


@login_required
@require_POST
def enrolment_decide(request: HttpRequest, pk: int) -> HttpResponse:
    enrolment = _enrolment_for(request, pk)
    require(permissions.can_decide_enrolment(request.user, enrolment))
    form = DecisionForm(request.POST)
    if form.is_valid():
        approve = form.cleaned_data["decision"] == "approve"
        service = services.approve_enrolment if approve else services.decline_enrolment
        try:
            service(enrolment=enrolment, by=request.user, message=form.cleaned_data["message"])
        except ValidationError as error:
            if not hasattr(error, "error_dict"):
                # A refused decision (already decided, programme closed) has no form to show it on.
                messages.error(request, " ".join(error.messages))
                return redirect(enrolment)
            add_service_errors(form, error)
        else:
            name = enrolment.user.display_name
            if approve:
                messages.success(request, _("%(name)s was approved and told so.") % {"name": name})
            else:
                messages.success(request, _("%(name)s was declined and told so.") % {"name": name})
            return redirect(enrolment)
    return _render_detail(request, enrolment, decision_form=form)


@login_required
def enrolment_withdraw(request: HttpRequest, pk: int) -> HttpResponse:
    """GET asks for confirmation; POST withdraws."""
    enrolment = _enrolment_for(request, pk)
    require(permissions.can_withdraw_enrolment(request.user, enrolment))
    form = LeaveForm(request.POST if request.method == "POST" else None)
    if form.is_bound and form.is_valid():
        try:
            services.withdraw_enrolment(enrolment=enrolment, user=request.user, reason=form.cleaned_data["reason"])
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(
                request,
                _("You withdrew from %(programme)s. You can apply again while it takes applications.")
                % {"programme": enrolment.programme},
            )
            return redirect(enrolment)
    return render(request, "programmes/enrolment_leave.html", {"enrolment": enrolment, "form": form, "remove": False})


@login_required
def enrolment_remove(request: HttpRequest, pk: int) -> HttpResponse:
    """GET asks for confirmation; POST removes."""
    enrolment = _enrolment_for(request, pk)
    require(permissions.can_remove_enrolment(request.user, enrolment))
    form = LeaveForm(request.POST if request.method == "POST" else None)
    if form.is_bound and form.is_valid():
        try:
            services.remove_enrolment(enrolment=enrolment, by=request.user, reason=form.cleaned_data["reason"])
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(
                request, _("%(name)s was removed from the programme.") % {"name": enrolment.user.display_name}
            )
            return redirect(enrolment)
    return render(request, "programmes/enrolment_leave.html", {"enrolment": enrolment, "form": form, "remove": True})


@login_required
@require_POST
def enrolment_accept(request: HttpRequest, pk: int) -> HttpResponse:
    enrolment = _enrolment_for(request, pk)
    require(permissions.can_respond_to_invitation(request.user, enrolment))
    try:
        services.accept_invited_enrolment(enrolment=enrolment, user=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("Welcome to %(programme)s!") % {"programme": enrolment.programme})
    return redirect(enrolment)


@login_required
@require_POST
def enrolment_decline_invitation(request: HttpRequest, pk: int) -> HttpResponse:
    enrolment = _enrolment_for(request, pk)
    require(permissions.can_respond_to_invitation(request.user, enrolment))
    form = LeaveForm(request.POST)
    if not form.is_valid():
        messages.error(request, " ".join(error for errors in form.errors.values() for error in errors))
        return redirect(enrolment)
    try:
        services.decline_invited_enrolment(enrolment=enrolment, user=request.user, reason=form.cleaned_data["reason"])
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("You declined the invitation."))
    return redirect(enrolment)


# --- The participants table --------------------------------------------------------------


def _participants(programme: Programme) -> QuerySet[Enrolment]:
    return order_participants(
        programme.enrolments.select_related("user", "user__profile").prefetch_related(
            "user__profile__skills_offered", "user__profile__skills_wanted"
        ),
        "name",
    )


def _profile(user: Any) -> Profile | None:
    try:
        return user.profile
    except ObjectDoesNotExist:
        return None


def _skills(enrolment: Enrolment) -> list[Skill]:
    profile = _profile(enrolment.user)
    if profile is None:
        return []
    skills = profile.skills_offered if enrolment.role == Enrolment.Role.MENTOR else profile.skills_wanted
    return list(skills.all())


def _participants_context(request: HttpRequest, programme: Programme, **extra: Any) -> dict[str, Any]:
    filterset = ParticipantFilter(request.GET, queryset=_participants(programme))
    page = Paginator(filterset.qs, PAGE_SIZE).get_page(request.GET.get("page"))
    rows = [{"enrolment": enrolment, "skills": _skills(enrolment)} for enrolment in page.object_list]
    query = request.GET.copy()
    query.pop("page", None)
    sort_query = query.copy()
    sort_query.pop("sort", None)
    departments = (
        Profile.objects.filter(user__enrolments__programme=programme)
        .exclude(department="")
        .values_list("department", flat=True)
        .distinct()
        .order_by("department")
    )
    skills = Skill.objects.filter(offered_by__user__enrolments__programme=programme) | Skill.objects.filter(
        wanted_by__user__enrolments__programme=programme
    )
    can_manage = permissions.can_manage_programme(request.user, programme)
    sort = request.GET.get("sort") or "name"
    columns = []
    for key, label in SORT_COLUMNS:
        descending_now = sort == f"-{key}"
        next_sort = key if descending_now or sort != key else f"-{key}"
        columns.append(
            {
                "label": label,
                "url": "?" + "&".join(part for part in (sort_query.urlencode(), f"sort={next_sort}") if part),
                "aria_sort": "descending" if descending_now else ("ascending" if sort == key else ""),
            }
        )
    return {
        "programme": programme,
        "filterset": filterset,
        "page": page,
        "rows": rows,
        "query": query.urlencode(),
        "columns": columns,
        "departments": list(departments),
        "skills": list(skills.distinct().order_by("name")),
        "roles": Enrolment.Role.choices,
        "statuses": Enrolment.Status.choices,
        "can_manage": can_manage and programme.archived_at is None and programme.status != Programme.Status.CLOSED,
        "bulk_form": extra.pop("bulk_form", None) or BulkActionForm(programme=programme),
        "add_form": extra.pop("add_form", None) or AddParticipantForm(),
        **extra,
    }


def _back_to_table(programme: Programme, query: str) -> HttpResponse:
    """Back to the table as it was filtered; the query string is re-encoded because it
    came from the form, not from us."""
    url = reverse("programme-participants", kwargs={"slug": programme.slug})
    query = QueryDict(query).urlencode()
    return redirect(f"{url}?{query}" if query else url)


def _report_bulk(request: HttpRequest, done_message: str, result: services.BulkResult) -> None:
    if result.done:
        messages.success(request, done_message)
    if result.skipped:
        reasons = [reason for _enrolment, reason in result.skipped[:MAX_SKIPPED_SHOWN]]
        more = len(result.skipped) - len(reasons)
        if more:
            reasons.append(ngettext("…and %(count)d more.", "…and %(count)d more.", more) % {"count": more})
        messages.warning(
            request,
            ngettext("%(count)d person was skipped: ", "%(count)d people were skipped: ", len(result.skipped))
            % {"count": len(result.skipped)}
            + " ".join(reasons),
        )


def _run_bulk(request: HttpRequest, programme: Programme, form: BulkActionForm) -> None:
    action = form.cleaned_data["action"]
    selected = list(form.cleaned_data["selected"])
    if action == "approve":
        result = services.bulk_approve(enrolments=selected, by=request.user)
        done = ngettext("%(count)d person was approved.", "%(count)d people were approved.", result.done)
        _report_bulk(request, done % {"count": result.done}, result)
    elif action == "remove":
        result = services.bulk_remove(enrolments=selected, by=request.user, reason=form.cleaned_data["reason"])
        done = ngettext("%(count)d person was removed.", "%(count)d people were removed.", result.done)
        _report_bulk(request, done % {"count": result.done}, result)
    else:
        # Invitations are the other half of the programmes app; imported where used so the
        # table works on its own.
        from programmes.services.invitations import reinvite_enrolments

        sent = reinvite_enrolments(enrolments=selected, invited_by=request.user)
        messages.success(
            request,
            ngettext("%(count)d invitation was sent.", "%(count)d invitations were sent.", sent) % {"count": sent},
        )
        if sent < len(selected):
            messages.info(
                request,
                ngettext(
                    "%(count)d selected person needs no invitation: they have signed in already or left.",
                    "%(count)d selected people need no invitation: they have signed in already or left.",
                    len(selected) - sent,
                )
                % {"count": len(selected) - sent},
            )


@login_required
def programme_participants(request: HttpRequest, slug: str) -> HttpResponse:
    """The table of a programme's participants; POST runs a bulk action on the ticked rows."""
    programme = get_object_or_404(Programme.objects.visible_to(request.user), slug=slug)
    require(permissions.can_view_participants(request.user, programme))
    if request.method != "POST":
        return render(request, "programmes/programme_participants.html", _participants_context(request, programme))
    require(permissions.can_manage_programme(request.user, programme))
    form = BulkActionForm(request.POST, programme=programme)
    query = request.POST.get("query", "")[:2000]
    if form.is_valid():
        try:
            _run_bulk(request, programme, form)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        return _back_to_table(programme, query)
    for errors in form.errors.values():
        for error in errors:
            messages.error(request, error)
    return _back_to_table(programme, query)


@login_required
@require_POST
def participant_add(request: HttpRequest, slug: str) -> HttpResponse:
    programme = get_object_or_404(Programme.objects.visible_to(request.user), slug=slug)
    require(permissions.can_manage_programme(request.user, programme))
    form = AddParticipantForm(request.POST)
    if form.is_valid():
        try:
            enrolment = services.add_participant(programme=programme, by=request.user, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(
                request,
                _("%(name)s joined the programme as a %(role)s.")
                % {"name": enrolment.user.display_name, "role": enrolment.get_role_display().lower()},
            )
            return redirect("programme-participants", slug=programme.slug)
    context = _participants_context(request, programme, add_form=form)
    return render(request, "programmes/programme_participants.html", context, status=400)


CSV_HEADER = [
    gettext_lazy("Name"),
    gettext_lazy("E-mail"),
    gettext_lazy("Role"),
    gettext_lazy("Status"),
    gettext_lazy("Source"),
    gettext_lazy("Department"),
    gettext_lazy("Job title"),
    gettext_lazy("Skills"),
    gettext_lazy("Joined"),
    gettext_lazy("Left"),
    gettext_lazy("Reason for leaving"),
]


def _csv_rows(programme: Programme, enrolments: QuerySet[Enrolment], zone: Any) -> Iterator[list[Any]]:
    questions = list(programme.questions.all())
    yield [*(str(title) for title in CSV_HEADER), *(question.label for question in questions)]
    enrolments = enrolments.prefetch_related(Prefetch("answers"))
    for enrolment in enrolments.iterator(chunk_size=500):
        user = enrolment.user
        profile = _profile(user)
        answers = {answer.question_id: answer.value for answer in enrolment.answers.all()}
        yield [
            user.display_name,
            user.email,
            enrolment.get_role_display(),
            enrolment.get_status_display(),
            enrolment.get_source_display(),
            profile.department if profile else "",
            profile.job_title if profile else "",
            ", ".join(skill.name for skill in _skills(enrolment)),
            timezone.localtime(enrolment.created_at, zone).strftime("%Y-%m-%d %H:%M"),
            timezone.localtime(enrolment.left_at, zone).strftime("%Y-%m-%d %H:%M") if enrolment.left_at else "",
            enrolment.left_reason,
            *(services.answer_display(question, answers.get(question.pk)) for question in questions),
        ]


@login_required
@require_GET
def participants_csv(request: HttpRequest, slug: str) -> StreamingHttpResponse:
    """The filtered table as CSV, streamed; every cell goes through safe_cell."""
    programme = get_object_or_404(Programme.objects.visible_to(request.user), slug=slug)
    require(permissions.can_view_participants(request.user, programme))
    filterset = ParticipantFilter(request.GET, queryset=_participants(programme))
    # The generator runs after the view returns; it keeps the viewer's time zone itself.
    zone = timezone.get_current_timezone()
    # The byte order mark makes spreadsheet programs read the file as UTF-8.
    lines = itertools.chain(["\ufeff"], csv_lines(_csv_rows(programme, filterset.qs, zone)))
    response = StreamingHttpResponse(lines, content_type="text/csv; charset=utf-8")
    filename = f"{slugify(programme.slug) or 'programme'}-participants.csv"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
