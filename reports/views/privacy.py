"""HTML pages for personal data and the audit log: a person's own data download, erasure of
a person (site admins) and the audit log (HR and site admins).

They live in reports because they name programmes and read every app's rows; the audit
app only knows ids."""

import datetime

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Q, QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from audit import permissions
from audit.models import AuditEvent
from goals.models import Goal
from matching.models import Match
from mentoring.shortcuts import require
from profiles.models import Profile, User
from programmes.models import Enrolment, Programme
from reports import personal_data, privacy
from sessions.models import Meeting, MeetingNote

EVENTS_PER_PAGE = 50
EARLIEST_DAY, LATEST_DAY = datetime.date(1970, 1, 1), datetime.date(9000, 12, 31)

# Where an event's target can be opened; anything else is shown as type and id.
TARGET_URLS = {
    "profiles.user": ("profile-detail", "user_id"),
    "programmes.enrolment": ("enrolment-detail", "pk"),
    "matching.match": ("match-detail", "pk"),
    "matching.flag": ("flag-detail", "pk"),
    "reports.exportjob": ("export-detail", "pk"),
}


# --- a person's own data -----------------------------------------------------------------


@login_required
@never_cache
@require_http_methods(["GET", "POST"])
def account_data_export(request: HttpRequest) -> HttpResponse:
    """GET explains what the download holds; POST (or GET ?download=1) sends my-data.json."""
    require(permissions.can_download_own_data(request.user))
    if request.method == "POST" or request.GET.get("download") == "1":
        document = personal_data.export_personal_data(user=request.user, request=request)
        response = HttpResponse(document, content_type="application/json; charset=utf-8")
        response["Content-Disposition"] = 'attachment; filename="my-data.json"'
        return response
    return render(request, "profiles/account_data.html")


# --- erasure -------------------------------------------------------------------------------


class EraseForm(forms.Form):
    email = forms.CharField(
        label=gettext_lazy("Type the person's e-mail address to confirm"),
        max_length=254,
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )

    def __init__(self, *args: object, person: User, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.person = person

    def clean_email(self) -> str:
        typed = self.cleaned_data["email"].strip()
        if typed.lower() != self.person.email.lower():
            raise ValidationError(_("This is not the person's e-mail address."))
        return typed


def _erasure_facts(person: User) -> dict[str, int]:
    """What the page says will be affected: a handful of counts, one query each."""
    own = Q(mentor__user=person) | Q(mentee__user=person)
    return {
        "enrolments": Enrolment.objects.filter(user=person).count(),
        "matches": Match.objects.filter(own).count(),
        "meetings": Meeting.objects.filter(Q(match__mentor__user=person) | Q(match__mentee__user=person)).count(),
        "notes": MeetingNote.objects.filter(author=person).count(),
        "goals": Goal.objects.filter(Q(match__mentee__user=person) | Q(created_by=person)).count(),
    }


def _people(user: User) -> QuerySet[User]:
    """The people whose profile `user` may open; site admins also reach accounts that never
    got a profile (made in Django admin), so they can erase them too."""
    if user.is_superuser:
        return User.objects.all()
    return User.objects.filter(pk__in=Profile.objects.visible_to(user).values("user_id"))


@login_required
@require_http_methods(["GET", "POST"])
def person_erase(request: HttpRequest, user_id: int) -> HttpResponse:
    person = get_object_or_404(_people(request.user), pk=user_id)
    require(permissions.can_erase_person(request.user, person))
    form = EraseForm(request.POST if request.method == "POST" else None, person=person)
    if form.is_valid():
        try:
            report = privacy.erase_person(user=person, by=request.user, request=request)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(
                request,
                _("The person was erased: %(rows)d record(s) changed. Their account can no longer sign in.")
                % {"rows": report.total},
            )
            if Profile.objects.filter(user=person).exists():
                return redirect("profile-detail", user_id=person.pk)
            return redirect("admin:profiles_user_changelist")
    context = {"person": person, "form": form, "facts": _erasure_facts(person)}
    return render(request, "reports/person_erase.html", context)


# --- the audit log -------------------------------------------------------------------------


class AuditLogFilterForm(forms.Form):
    action = forms.ChoiceField(
        label=gettext_lazy("Action"),
        required=False,
        choices=[("", gettext_lazy("Any action")), *AuditEvent.Action.choices],
    )
    actor = forms.CharField(label=gettext_lazy("Actor's e-mail"), required=False, max_length=254)
    programme = forms.TypedChoiceField(label=gettext_lazy("Programme"), required=False, coerce=int, empty_value=None)
    date_from = forms.DateField(
        label=gettext_lazy("From"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    date_to = forms.DateField(label=gettext_lazy("To"), required=False, widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args: object, programmes: list[tuple[int, str]], **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.fields["programme"].choices = [("", _("Any programme")), *programmes]

    def clean_actor(self) -> str:
        return self.cleaned_data["actor"].replace("\x00", "").strip()

    def _clean_day(self, name: str) -> datetime.date | None:
        value = self.cleaned_data[name]
        if value is not None and not EARLIEST_DAY <= value <= LATEST_DAY:
            raise ValidationError(_("Choose a date between 1970 and 9000."))
        return value

    def clean_date_from(self) -> datetime.date | None:
        return self._clean_day("date_from")

    def clean_date_to(self) -> datetime.date | None:
        return self._clean_day("date_to")

    def clean(self) -> dict:
        data = super().clean()
        if data.get("date_from") and data.get("date_to") and data["date_to"] < data["date_from"]:
            self.add_error("date_to", _("The end date is before the start date."))
        return data


def _day_start(day: datetime.date) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time.min, tzinfo=timezone.get_current_timezone())


def _target_url(event: AuditEvent) -> str:
    name_and_kwarg = TARGET_URLS.get(event.target_type)
    if name_and_kwarg is None or not event.target_id.isdigit():
        return ""
    name, kwarg = name_and_kwarg
    try:
        return reverse(name, kwargs={kwarg: int(event.target_id)})
    except NoReverseMatch:
        return ""


@login_required
@require_GET
def audit_log(request: HttpRequest) -> HttpResponse:
    """The whole log, newest first, filtered by action, actor, programme and days (in the
    viewer's time zone, both days included). A fixed number of queries per page."""
    require(permissions.can_view_audit_log(request.user))
    programmes = list(Programme.objects.visible_to(request.user).order_by("name").values_list("pk", "name", "slug"))
    form = AuditLogFilterForm(request.GET or None, programmes=[(pk, name) for pk, name, _slug in programmes])
    events = AuditEvent.objects.visible_to(request.user).select_related("actor").order_by("-at", "-pk")
    filters: dict[str, str] = {}
    if form.is_bound and form.is_valid():
        data = form.cleaned_data
        events = events.filtered(
            action=data["action"],
            actor_email=data["actor"],
            programme_id=data["programme"],
            since=_day_start(data["date_from"]) if data["date_from"] else None,
            until=_day_start(data["date_to"] + datetime.timedelta(days=1)) if data["date_to"] else None,
        )
        filters = {name: str(value) for name, value in data.items() if value not in (None, "")}
    elif form.is_bound:
        events = events.none()
    page = Paginator(events, EVENTS_PER_PAGE).get_page(request.GET.get("page"))
    by_id = {pk: (name, slug) for pk, name, slug in programmes}
    rows = [
        {
            "event": event,
            "programme": by_id.get(event.programme_id),
            "target_url": _target_url(event),
        }
        for event in page.object_list
    ]
    context = {
        "form": form,
        "page": page,
        "rows": rows,
        "filtered": bool(filters),
        "query_string": urlencode(filters),
    }
    return render(request, "audit/audit_log.html", context)
