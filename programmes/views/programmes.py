"""HTML views for programmes, their coordinators and their application questions."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from mentoring.shortcuts import add_service_errors, require
from programmes import permissions
from programmes.forms.enrolments import AnswersForm, RoleForm
from programmes.forms.programmes import (
    CoordinatorAddForm,
    ProgrammeForm,
    QuestionForm,
    QuestionMoveForm,
    TransitionForm,
)
from programmes.models import Enrolment, Programme, Question
from programmes.services import enrolments as enrolment_services
from programmes.services import programmes as services


def _programme_for(request: HttpRequest, slug: str) -> Programme:
    return get_object_or_404(Programme.objects.visible_to(request.user), slug=slug)


def _with_counts(programmes: QuerySet[Programme]) -> QuerySet[Programme]:
    approved = Q(enrolments__status=Enrolment.Status.APPROVED)
    return programmes.annotate(
        mentor_count=Count("enrolments", filter=approved & Q(enrolments__role=Enrolment.Role.MENTOR), distinct=True),
        mentee_count=Count("enrolments", filter=approved & Q(enrolments__role=Enrolment.Role.MENTEE), distinct=True),
        pending_count=Count("enrolments", filter=Q(enrolments__status=Enrolment.Status.APPLIED), distinct=True),
    )


# --- Programmes --------------------------------------------------------------------------


@login_required
def programme_list(request: HttpRequest) -> HttpResponse:
    user = request.user
    coordinated = _with_counts(Programme.objects.filter(coordinators=user)).order_by("archived_at", "name")
    enrolments = (
        Enrolment.objects.filter(user=user).select_related("programme").order_by("-programme__created_at", "pk")
    )
    mine = Enrolment.objects.filter(programme=OuterRef("pk"), user=user, status__in=enrolment_services.CURRENT)
    open_programmes = (
        Programme.objects.filter(is_open=True, status=Programme.Status.ENROLLING, archived_at__isnull=True)
        .exclude(coordinators=user)
        .exclude(Exists(mine))
        .order_by("enrolment_closes_on", "name")
    )
    all_page = None
    if user.is_superuser or user.is_hr_admin:
        everything = _with_counts(Programme.objects.all()).prefetch_related("coordinators").order_by("-created_at")
        show_archived = request.GET.get("archived") == "1"
        if not show_archived:
            everything = everything.filter(archived_at__isnull=True)
        all_page = Paginator(everything, 50).get_page(request.GET.get("page"))
    context = {
        "coordinated": list(coordinated),
        "enrolments": list(enrolments),
        "open_programmes": list(open_programmes),
        "all_page": all_page,
        "show_archived": request.GET.get("archived") == "1",
        "can_create": permissions.can_create_programme(user),
    }
    return render(request, "programmes/programme_list.html", context)


@login_required
def programme_create(request: HttpRequest) -> HttpResponse:
    require(permissions.can_create_programme(request.user))
    form = ProgrammeForm(request.POST if request.method == "POST" else None)
    if form.is_bound and form.is_valid():
        try:
            programme = services.create_programme(created_by=request.user, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("The programme was created as a draft."))
            return redirect(programme)
    return render(request, "programmes/programme_form.html", {"form": form, "programme": None})


def _status_counts(programme: Programme) -> list[dict]:
    """Participants by status, one row per status with a column per role."""
    counts = {
        (row["status"], row["role"]): row["n"]
        for row in programme.enrolments.values("status", "role").annotate(n=Count("pk")).order_by()
    }
    rows = []
    for status, label in Enrolment.Status.choices:
        mentors = counts.get((status, Enrolment.Role.MENTOR), 0)
        mentees = counts.get((status, Enrolment.Role.MENTEE), 0)
        rows.append({"status": status, "label": label, "mentors": mentors, "mentees": mentees})
    return rows


@login_required
def programme_detail(request: HttpRequest, slug: str) -> HttpResponse:
    programme = _programme_for(request, slug)
    user = request.user
    can_manage = permissions.can_manage_programme(user, programme)
    can_oversee = can_manage or permissions.can_view_participants(user, programme)
    enrolment = programme.enrolments.filter(user=user).first()
    context = {
        "programme": programme,
        "can_manage": can_manage,
        "can_oversee": can_oversee,
        "enrolment": enrolment,
    }
    if can_oversee:
        status_rows = _status_counts(programme)
        context.update(
            {
                "status_rows": status_rows,
                "totals": {
                    "mentors": sum(row["mentors"] for row in status_rows),
                    "mentees": sum(row["mentees"] for row in status_rows),
                },
                "coordinators": list(programme.coordinators.order_by("first_name", "last_name", "email")),
                "question_count": programme.questions.count(),
                "transitions": [
                    (status, Programme.Status(status).label) for status in services.allowed_transitions(programme)
                ]
                if can_manage and programme.archived_at is None
                else [],
            }
        )
    else:
        context["application_refusal"] = enrolment_services.application_refusal(programme, user)
    return render(request, "programmes/programme_detail.html", context)


@login_required
def programme_edit(request: HttpRequest, slug: str) -> HttpResponse:
    programme = _programme_for(request, slug)
    require(permissions.can_manage_programme(request.user, programme))
    form = ProgrammeForm.for_programme(programme, request.POST if request.method == "POST" else None)
    if form.is_bound and form.is_valid():
        try:
            programme = services.update_programme(programme=programme, by=request.user, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("The programme was saved."))
            return redirect(programme)
    return render(request, "programmes/programme_form.html", {"form": form, "programme": programme})


@login_required
@require_POST
def programme_archive(request: HttpRequest, slug: str) -> HttpResponse:
    programme = _programme_for(request, slug)
    require(permissions.can_manage_programme(request.user, programme))
    try:
        services.archive_programme(programme=programme, by=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("The programme was archived. Unarchive it to change it again."))
    return redirect(programme)


@login_required
@require_POST
def programme_unarchive(request: HttpRequest, slug: str) -> HttpResponse:
    programme = _programme_for(request, slug)
    require(permissions.can_manage_programme(request.user, programme))
    try:
        services.unarchive_programme(programme=programme, by=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("The programme is back from the archive."))
    return redirect(programme)


@login_required
@require_POST
def programme_transition(request: HttpRequest, slug: str) -> HttpResponse:
    programme = _programme_for(request, slug)
    require(permissions.can_manage_programme(request.user, programme))
    form = TransitionForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose a status to move the programme to."))
        return redirect(programme)
    try:
        programme = services.transition_programme(
            programme=programme, to_status=form.cleaned_data["status"], by=request.user
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(
            request, _("The programme is now %(status)s.") % {"status": programme.get_status_display().lower()}
        )
    return redirect(programme)


# --- Coordinators ------------------------------------------------------------------------


@login_required
def programme_coordinators(request: HttpRequest, slug: str) -> HttpResponse:
    programme = _programme_for(request, slug)
    require(permissions.can_view_participants(request.user, programme))
    can_manage = permissions.can_manage_programme(request.user, programme)
    form = CoordinatorAddForm(request.POST if request.method == "POST" else None)
    if form.is_bound:
        require(can_manage)
        if form.is_valid():
            try:
                added = services.add_coordinator(programme=programme, email=form.cleaned_data["email"], by=request.user)
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(request, _("%(name)s now coordinates this programme.") % {"name": added})
                return redirect("programme-coordinators", slug=programme.slug)
    context = {
        "programme": programme,
        "coordinators": list(programme.coordinators.order_by("first_name", "last_name", "email")),
        "can_manage": can_manage,
        "form": form,
    }
    return render(request, "programmes/programme_coordinators.html", context)


@login_required
@require_POST
def coordinator_remove(request: HttpRequest, slug: str, user_id: int) -> HttpResponse:
    programme = _programme_for(request, slug)
    require(permissions.can_manage_programme(request.user, programme))
    coordinator = get_object_or_404(programme.coordinators.all(), pk=user_id)
    try:
        services.remove_coordinator(programme=programme, user=coordinator, by=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect("programme-coordinators", slug=programme.slug)
    messages.success(request, _("%(name)s no longer coordinates this programme.") % {"name": coordinator})
    if not Programme.objects.visible_to(request.user).filter(pk=programme.pk).exists():
        return redirect("programme-list")
    return redirect("programme-coordinators", slug=programme.slug)


# --- Application questions ---------------------------------------------------------------


def _question_for(request: HttpRequest, slug: str, pk: int) -> tuple[Programme, Question]:
    programme = _programme_for(request, slug)
    return programme, get_object_or_404(programme.questions.all(), pk=pk)


@login_required
def question_list(request: HttpRequest, slug: str) -> HttpResponse:
    programme = _programme_for(request, slug)
    require(permissions.can_view_participants(request.user, programme))
    can_manage = permissions.can_manage_programme(request.user, programme)
    form = QuestionForm(request.POST if request.method == "POST" else None)
    if form.is_bound:
        require(can_manage)
        if form.is_valid():
            try:
                services.create_question(programme=programme, by=request.user, **form.cleaned_data)
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(request, _("The question was added."))
                return redirect("question-list", slug=programme.slug)
    questions = list(programme.questions.annotate(answer_count=Count("answers")))
    context = {
        "programme": programme,
        "questions": questions,
        "form": form,
        "can_manage": can_manage and programme.archived_at is None and programme.status != Programme.Status.CLOSED,
    }
    return render(request, "programmes/question_list.html", context)


@login_required
def question_edit(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    programme, question = _question_for(request, slug, pk)
    require(permissions.can_manage_programme(request.user, programme))
    form = QuestionForm.for_question(question, request.POST if request.method == "POST" else None)
    if form.is_bound and form.is_valid():
        try:
            services.update_question(question=question, by=request.user, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("The question was saved."))
            return redirect("question-list", slug=programme.slug)
    context = {"programme": programme, "question": question, "form": form, "answer_count": question.answers.count()}
    return render(request, "programmes/question_form.html", context)


@login_required
def question_delete(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    """GET asks for confirmation (deleting takes the answers with it); POST deletes."""
    programme, question = _question_for(request, slug, pk)
    require(permissions.can_manage_programme(request.user, programme))
    if request.method == "POST":
        try:
            removed = services.delete_question(question=question, by=request.user)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(
                request,
                ngettext(
                    "The question and %(count)d answer were deleted.",
                    "The question and %(count)d answers were deleted.",
                    removed,
                )
                % {"count": removed},
            )
        return redirect("question-list", slug=programme.slug)
    context = {"programme": programme, "question": question, "answer_count": question.answers.count()}
    return render(request, "programmes/question_delete.html", context)


@login_required
@require_POST
def question_move(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    programme, question = _question_for(request, slug, pk)
    require(permissions.can_manage_programme(request.user, programme))
    form = QuestionMoveForm(request.POST)
    if form.is_valid():
        try:
            services.move_question(question=question, direction=form.cleaned_data["direction"], by=request.user)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
    return redirect("question-list", slug=programme.slug)


# --- Applying ----------------------------------------------------------------------------


@login_required
def programme_apply(request: HttpRequest, slug: str) -> HttpResponse:
    programme = _programme_for(request, slug)
    user = request.user
    current = programme.enrolments.filter(user=user, status__in=enrolment_services.CURRENT).first()
    if current is not None:
        messages.info(request, _("You are already in this programme; here is your enrolment."))
        return redirect(current)
    require(permissions.can_apply_to_programme(user, programme))
    refusal = enrolment_services.application_refusal(programme, user)
    data = request.POST if request.method == "POST" else None
    role_form = RoleForm(data if data is not None else (request.GET if "role" in request.GET else None))
    role = role_form.cleaned_data["role"] if role_form.is_bound and role_form.is_valid() else None
    answers_form = None
    if role and not refusal:
        questions = enrolment_services.questions_for_role(programme, role)
        answers_form = AnswersForm(data, questions=questions, role=role)
        if data is not None and answers_form.is_valid():
            try:
                enrolment = enrolment_services.apply_to_programme(
                    programme=programme, user=user, role=role, answers=answers_form.cleaned_answers
                )
            except ValidationError as error:
                add_service_errors(answers_form, error)
            else:
                messages.success(request, _("Your application was sent. The coordinators will get back to you."))
                return redirect(enrolment)
    context = {
        "programme": programme,
        "refusal": refusal,
        "role": role,
        "role_label": Enrolment.Role(role).label if role else "",
        "answers_form": answers_form,
        "roles": Enrolment.Role.choices,
    }
    return render(request, "programmes/programme_apply.html", context)
