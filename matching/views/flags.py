"""The coordinator's flag queue and a flag's page.

Reads go through `Flag.objects.visible_to`: coordinators their programmes' flags, HR and
site admins all (HR read-only), the pair the flags about their match (no secret marks).
Notes, resolve and dismiss need `can_handle_flag` (403 otherwise).
"""

from urllib.parse import quote

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Case, IntegerField, QuerySet, Value, When
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.views.decorators.http import require_GET, require_POST

from matching.models import Flag
from matching.services import flags as flag_services
from mentoring.shortcuts import require
from programmes.models import Programme

FLAGS_PER_PAGE = 50


class FlagNoteForm(forms.Form):
    text = forms.CharField(
        label=_lazy("Note"), max_length=flag_services.TEXT_LIMIT, widget=forms.Textarea(attrs={"rows": 3})
    )


class ResolveFlagForm(forms.Form):
    resolution = forms.CharField(
        label=_lazy("How was it resolved?"),
        max_length=flag_services.TEXT_LIMIT,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_lazy("Required. The pair is told the flag is resolved and reads this."),
    )


class DismissFlagForm(forms.Form):
    reason = forms.CharField(
        label=_lazy("Why dismiss it?"),
        max_length=flag_services.TEXT_LIMIT,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_lazy("For example: a planned break. The pair can see the flag and this reason."),
    )


def _flags(request: HttpRequest) -> QuerySet[Flag]:
    return Flag.objects.visible_to(request.user).select_related(
        "match__programme", "match__mentor__user", "match__mentee__user", "resolved_by"
    )


def _flag_for(request: HttpRequest, pk: int) -> Flag:
    return get_object_or_404(_flags(request), pk=pk)


@login_required
@require_GET
def flag_list(request: HttpRequest, slug: str) -> HttpResponse:
    programme = get_object_or_404(Programme.objects.visible_to(request.user), slug=slug)
    require(flag_services.can_view_programme_flags(request.user, programme))
    status = request.GET.get("status", "")
    kind = request.GET.get("kind", "")
    flags = _flags(request).filter(match__programme=programme)
    if status in Flag.Status.values:
        flags = flags.filter(status=status)
    else:
        status = ""
    if kind in Flag.Kind.values:
        flags = flags.filter(kind=kind)
    else:
        kind = ""
    # Open flags first, the newest on top; closed ones after them.
    flags = flags.annotate(
        closed=Case(When(status=Flag.Status.OPEN, then=Value(0)), default=Value(1), output_field=IntegerField())
    ).order_by("closed", "-raised_at", "-pk")
    page = Paginator(flags, FLAGS_PER_PAGE).get_page(request.GET.get("page"))
    for flag in page.object_list:
        flag.facts = flag_services.flag_facts(flag)
    context = {
        "programme": programme,
        "page": page,
        "status": status,
        "kind": kind,
        "statuses": Flag.Status.choices,
        "kinds": Flag.Kind.choices,
        "can_manage": flag_services.can_handle_flag_in(request.user, programme),
        "flag_open_count": Flag.objects.open().filter(match__programme=programme).count(),
    }
    return render(request, "matching/flags/flag_list.html", context)


def _contact_link(flag: Flag) -> str:
    match = flag.match
    emails = ",".join(quote(user.email, safe="@") for user in (match.mentor.user, match.mentee.user))
    subject = quote(_("About your mentoring in %(programme)s") % {"programme": match.programme.name})
    return f"mailto:{emails}?subject={subject}"


def _render_flag(
    request: HttpRequest,
    flag: Flag,
    *,
    note_form: FlagNoteForm | None = None,
    resolve_form: ResolveFlagForm | None = None,
    dismiss_form: DismissFlagForm | None = None,
    status: int = 200,
) -> HttpResponse:
    can_handle = flag_services.can_handle_flag(request.user, flag)
    can_read_notes = flag_services.can_read_flag_notes(request.user, flag)
    context = {
        "flag": flag,
        "facts": flag_services.flag_facts(flag),
        "match": flag.match,
        "programme": flag.match.programme,
        "can_handle": can_handle,
        "can_read_notes": can_read_notes,
        "can_view_queue": flag_services.can_view_programme_flags(request.user, flag.match.programme),
        "notes": flag.notes.select_related("author") if can_read_notes else [],
        "contact_link": _contact_link(flag) if can_handle else "",
        "note_form": note_form or FlagNoteForm(),
        "resolve_form": resolve_form or ResolveFlagForm(),
        "dismiss_form": dismiss_form or DismissFlagForm(),
    }
    return render(request, "matching/flags/flag_detail.html", context, status=status)


@login_required
@require_GET
def flag_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _render_flag(request, _flag_for(request, pk))


@login_required
@require_POST
def flag_note_add(request: HttpRequest, pk: int) -> HttpResponse:
    flag = _flag_for(request, pk)
    require(flag_services.can_handle_flag(request.user, flag))
    form = FlagNoteForm(request.POST)
    if form.is_valid():
        try:
            flag_services.add_flag_note(flag=flag, by=request.user, text=form.cleaned_data["text"])
        except ValidationError as error:
            # The flag changed under the form (closed by someone else): say so on the page.
            messages.error(request, " ".join(error.messages))
            return redirect("flag-detail", pk=flag.pk)
        else:
            messages.success(request, _("Note added."))
            return redirect("flag-detail", pk=flag.pk)
    return _render_flag(request, flag, note_form=form, status=400)


@login_required
@require_POST
def flag_resolve(request: HttpRequest, pk: int) -> HttpResponse:
    flag = _flag_for(request, pk)
    require(flag_services.can_handle_flag(request.user, flag))
    form = ResolveFlagForm(request.POST)
    if form.is_valid():
        try:
            flag_services.resolve_flag(flag=flag, by=request.user, resolution=form.cleaned_data["resolution"])
        except ValidationError as error:
            # The flag changed under the form (closed by someone else): say so on the page.
            messages.error(request, " ".join(error.messages))
            return redirect("flag-detail", pk=flag.pk)
        else:
            messages.success(request, _("Flag resolved. The pair has been told."))
            return redirect("flag-detail", pk=flag.pk)
    return _render_flag(request, flag, resolve_form=form, status=400)


@login_required
@require_POST
def flag_dismiss(request: HttpRequest, pk: int) -> HttpResponse:
    flag = _flag_for(request, pk)
    require(flag_services.can_handle_flag(request.user, flag))
    form = DismissFlagForm(request.POST)
    if form.is_valid():
        try:
            flag_services.dismiss_flag(flag=flag, by=request.user, reason=form.cleaned_data["reason"])
        except ValidationError as error:
            # The flag changed under the form (closed by someone else): say so on the page.
            messages.error(request, " ".join(error.messages))
            return redirect("flag-detail", pk=flag.pk)
        else:
            messages.success(request, _("Flag dismissed."))
            return redirect("flag-detail", pk=flag.pk)
    return _render_flag(request, flag, dismiss_form=form, status=400)
