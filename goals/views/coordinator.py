"""The coordinators' goal pages of a programme: suggested goals (templates with milestones
due some weeks after the match starts) and the programme's goal settings. HR admins read
them; coordinators and site admins change them."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Count
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from goals import permissions
from goals.forms import (
    GoalSettingsForm,
    GoalTemplateActiveForm,
    GoalTemplateForm,
    GoalTemplateMoveForm,
    MilestoneTemplateFormSet,
    milestone_rows,
)
from goals.models import GoalTemplate
from goals.services import goals as goal_services
from goals.services import templates as services
from mentoring.shortcuts import add_service_errors, posted, require
from programmes.models import Programme


def _programme_for(request: HttpRequest, slug: str) -> Programme:
    return get_object_or_404(Programme.objects.visible_to(request.user), slug=slug)


def _template_for(request: HttpRequest, programme: Programme, pk: int) -> GoalTemplate:
    return get_object_or_404(GoalTemplate.objects.visible_to(request.user).filter(programme=programme), pk=pk)


def _editable(programme: Programme) -> bool:
    return programme.archived_at is None and programme.status != Programme.Status.CLOSED


def _base_context(request: HttpRequest, programme: Programme) -> dict:
    can_manage = permissions.can_manage_goal_templates(request.user, programme)
    return {"programme": programme, "can_manage": can_manage, "editable": can_manage and _editable(programme)}


@login_required
def goal_template_list(request: HttpRequest, slug: str) -> HttpResponse:
    programme = _programme_for(request, slug)
    require(permissions.can_view_goal_templates(request.user, programme))
    templates = list(
        programme.goal_templates.annotate(adopted=Count("goals", distinct=True))
        .prefetch_related("milestones")
        .order_by("position", "pk")
    )
    context = {
        **_base_context(request, programme),
        "templates": templates,
        "goal_settings": goal_services.goal_settings_for(programme),
    }
    return render(request, "goals/coordinator/goal_template_list.html", context)


def _render_form(
    request: HttpRequest,
    programme: Programme,
    form: GoalTemplateForm,
    formset: MilestoneTemplateFormSet,
    template: GoalTemplate | None,
) -> HttpResponse:
    context = {**_base_context(request, programme), "form": form, "formset": formset, "template": template}
    status = 400 if form.errors or any(formset.errors) or formset.non_form_errors() else 200
    return render(request, "goals/coordinator/goal_template_form.html", context, status=status)


@login_required
def goal_template_create(request: HttpRequest, slug: str) -> HttpResponse:
    programme = _programme_for(request, slug)
    require(permissions.can_manage_goal_templates(request.user, programme))
    form = GoalTemplateForm(posted(request))
    formset = MilestoneTemplateFormSet(posted(request), prefix="milestones")
    if request.method == "POST" and form.is_valid() and formset.is_valid():
        try:
            template = services.create_goal_template(
                programme=programme, by=request.user, milestones=milestone_rows(formset), **form.cleaned_data
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Suggested goal “%(title)s” added.") % {"title": template.title})
            return redirect("goal-template-list", slug=programme.slug)
    return _render_form(request, programme, form, formset, None)


@login_required
def goal_template_edit(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    programme = _programme_for(request, slug)
    template = _template_for(request, programme, pk)
    require(permissions.can_manage_goal_templates(request.user, programme))
    form = GoalTemplateForm(posted(request), initial=GoalTemplateForm.initial_for(template))
    formset = MilestoneTemplateFormSet(
        posted(request),
        prefix="milestones",
        initial=[{"title": m.title, "due_week": m.due_week} for m in template.milestones.all()],
    )
    if request.method == "POST" and form.is_valid() and formset.is_valid():
        try:
            services.update_goal_template(
                template=template, by=request.user, milestones=milestone_rows(formset), **form.cleaned_data
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Suggested goal updated. Goals adopted before keep their own copy."))
            return redirect("goal-template-list", slug=programme.slug)
    return _render_form(request, programme, form, formset, template)


@login_required
@require_POST
def goal_template_move(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    programme = _programme_for(request, slug)
    template = _template_for(request, programme, pk)
    require(permissions.can_manage_goal_templates(request.user, programme))
    form = GoalTemplateMoveForm(request.POST)
    if form.is_valid():
        try:
            services.move_goal_template(template=template, by=request.user, direction=form.cleaned_data["direction"])
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
    return redirect("goal-template-list", slug=programme.slug)


@login_required
@require_POST
def goal_template_active(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    programme = _programme_for(request, slug)
    template = _template_for(request, programme, pk)
    require(permissions.can_manage_goal_templates(request.user, programme))
    form = GoalTemplateActiveForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Say whether to offer the suggestion or withdraw it."))
        return redirect("goal-template-list", slug=programme.slug)
    try:
        template = services.set_goal_template_active(
            template=template, by=request.user, active=form.cleaned_data["active"]
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        if template.is_active:
            messages.success(request, _("“%(title)s” is offered to pairs again.") % {"title": template.title})
        else:
            messages.success(
                request,
                _("“%(title)s” is withdrawn: pairs no longer see it; goals adopted from it stay.")
                % {"title": template.title},
            )
    return redirect("goal-template-list", slug=programme.slug)


@login_required
def goal_template_delete(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    programme = _programme_for(request, slug)
    template = _template_for(request, programme, pk)
    require(permissions.can_manage_goal_templates(request.user, programme))
    if request.method == "POST":
        try:
            services.delete_goal_template(template=template, by=request.user)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, _("Suggested goal deleted. Goals adopted from it stay with their pairs."))
        return redirect("goal-template-list", slug=programme.slug)
    context = {**_base_context(request, programme), "template": template, "adopted": template.goals.count()}
    return render(request, "goals/coordinator/goal_template_delete.html", context)


@login_required
def goal_settings(request: HttpRequest, slug: str) -> HttpResponse:
    programme = _programme_for(request, slug)
    require(permissions.can_view_goal_templates(request.user, programme))
    current = goal_services.goal_settings_for(programme)
    initial = {"overdue_grace_days": current.overdue_grace_days, "hr_sees_content": current.hr_sees_content}
    form = GoalSettingsForm(posted(request), initial=initial)
    if request.method == "POST":
        require(permissions.can_manage_goal_templates(request.user, programme))
        if form.is_valid():
            try:
                services.update_goal_settings(programme=programme, by=request.user, **form.cleaned_data)
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(request, _("Goal settings saved."))
                return redirect("goal-settings", slug=programme.slug)
    context = {**_base_context(request, programme), "form": form, "goal_settings": current}
    return render(request, "goals/coordinator/goal_settings.html", context, status=400 if form.errors else 200)
