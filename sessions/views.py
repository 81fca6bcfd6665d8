"""HTML views of meetings: schedule, detail, reschedule, cancel, log, notes, action items,
the invitation file and the private calendar feed. Scoped fetch (404) → `can_*` (403) →
validate → one service call."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from matching.models import Match
from matching.permissions import side_of
from mentoring.shortcuts import add_service_errors, posted, require
from sessions import ics, permissions
from sessions.forms import ActionItemForm, CancelForm, LogForm, MeetingForm, NoteForm, RescheduleForm
from sessions.models import ActionItem, CalendarFeed, Meeting, MeetingNote
from sessions.services import feeds
from sessions.services import meetings as services
from sessions.services.accountability import action_items_for_display

MEETING_RELATED = (
    "match__programme", "match__mentor__user", "match__mentee__user", "organiser", "rescheduled_by",
    "cancelled_by", "logged_by",
)  # fmt: skip


def _meetings(user: object) -> QuerySet[Meeting]:
    return Meeting.objects.visible_to(user).select_related(*MEETING_RELATED)


def _meeting_for(request: HttpRequest, pk: int) -> Meeting:
    return get_object_or_404(_meetings(request.user), pk=pk)


def _zone_name(request: HttpRequest) -> str:
    return request.user.timezone or "UTC"


def _conflicts(match: Match, start: object, duration: int, exclude: Meeting | None = None) -> list[dict]:
    found = []
    for person in services.pair_users(match):
        clashes = services.conflicts_for(user=person, start=start, duration_minutes=duration, exclude=exclude)
        if clashes:
            found.append({"person": person, "meetings": clashes})
    return found


def _confirm_form(form_class: type[MeetingForm], request: HttpRequest, **kwargs: object) -> MeetingForm:
    data = request.POST.copy()
    data["schedule_anyway"] = "True"
    form = form_class(data, zone_name=_zone_name(request), **kwargs)
    form.is_valid()
    return form


@login_required
def meeting_create(request: HttpRequest, pk: int) -> HttpResponse:
    match = get_object_or_404(
        Match.objects.visible_to(request.user).select_related("programme", "mentor__user", "mentee__user"), pk=pk
    )
    require(permissions.can_schedule_meeting(request.user, match))
    form = MeetingForm(posted(request), zone_name=_zone_name(request))
    conflicts: list[dict] = []
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        conflicts = _conflicts(match, data["start"], data["duration_minutes"])
        if conflicts and not data.get("schedule_anyway"):
            form = _confirm_form(MeetingForm, request)
        else:
            try:
                meeting = services.schedule_meeting(match=match, organiser=request.user, **form.meeting_fields())
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(request, _("Meeting scheduled. The other side gets an invitation by e-mail."))
                return redirect(meeting)
    context = {"match": match, "form": form, "conflicts": conflicts, "zone": timezone.get_current_timezone_name()}
    return render(request, "sessions/meeting_create.html", context, status=400 if form.errors else 200)


def _notes_for(user: object, meeting: Meeting) -> list[MeetingNote]:
    return list(MeetingNote.objects.visible_to(user).filter(meeting=meeting).select_related("author"))


@login_required
def meeting_detail(request: HttpRequest, pk: int) -> HttpResponse:
    meeting = _meeting_for(request, pk)
    return _render_detail(request, meeting)


def _render_detail(
    request: HttpRequest, meeting: Meeting, *, note_form: NoteForm | None = None, status: int = 200
) -> HttpResponse:
    user = request.user
    context = {
        "meeting": meeting,
        "match": meeting.match,
        "side": side_of(user, meeting.match),
        "chain": services.chain_of(meeting),
        "notes": _notes_for(user, meeting),
        "action_items": action_items_for_display(meeting.action_items.all(), user=user),
        "can_edit_items": permissions.can_add_action_item(user, meeting.match),
        "can_change": permissions.can_change_meeting(user, meeting),
        "can_log": permissions.can_log_meeting(user, meeting),
        "can_add_note": permissions.can_add_note(user, meeting),
        "can_complete": side_of(user, meeting.match) is not None,
        "note_form": note_form or NoteForm(),
        "zone": timezone.get_current_timezone_name(),
        "now": timezone.now(),
    }
    return render(request, "sessions/meeting_detail.html", context, status=status)


@login_required
def meeting_reschedule(request: HttpRequest, pk: int) -> HttpResponse:
    meeting = _meeting_for(request, pk)
    require(permissions.can_change_meeting(request.user, meeting))
    form = RescheduleForm(posted(request), zone_name=_zone_name(request), initial=MeetingForm.initial_for(meeting))
    conflicts: list[dict] = []
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        conflicts = _conflicts(meeting.match, data["start"], data["duration_minutes"], exclude=meeting)
        if conflicts and not data.get("schedule_anyway"):
            form = _confirm_form(RescheduleForm, request)
        else:
            try:
                new = services.reschedule_meeting(
                    meeting=meeting, by=request.user, reason=data["reason"], **form.meeting_fields()
                )
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(request, _("Meeting moved. The other side gets the updated invitation."))
                return redirect(new)
    context = {"meeting": meeting, "match": meeting.match, "form": form, "conflicts": conflicts,
               "zone": timezone.get_current_timezone_name()}  # fmt: skip
    return render(request, "sessions/meeting_reschedule.html", context, status=400 if form.errors else 200)


@login_required
def meeting_cancel(request: HttpRequest, pk: int) -> HttpResponse:
    meeting = _meeting_for(request, pk)
    require(permissions.can_change_meeting(request.user, meeting))
    form = CancelForm(posted(request))
    if request.method == "POST" and form.is_valid():
        try:
            meeting = services.cancel_meeting(meeting=meeting, by=request.user, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Meeting cancelled. The other side is told."))
            return redirect(meeting)
    context = {"meeting": meeting, "match": meeting.match, "form": form, "zone": timezone.get_current_timezone_name()}
    return render(request, "sessions/meeting_cancel.html", context, status=400 if form.errors else 200)


@login_required
def meeting_log(request: HttpRequest, pk: int) -> HttpResponse:
    meeting = _meeting_for(request, pk)
    require(permissions.can_log_meeting(request.user, meeting))
    form = LogForm(posted(request), match=meeting.match)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            meeting = services.log_meeting(
                meeting=meeting, by=request.user, held=data["held"], absent=data["absent"],
                topics=data["topic_list"], shared_note=data["shared_note"], private_note=data["private_note"],
                action_items=data["items"],
            )  # fmt: skip
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Meeting logged."))
            return redirect(meeting)
    context = {"meeting": meeting, "match": meeting.match, "form": form, "zone": timezone.get_current_timezone_name()}
    return render(request, "sessions/meeting_log.html", context, status=400 if form.errors else 200)


@login_required
@require_POST
def meeting_note_add(request: HttpRequest, pk: int) -> HttpResponse:
    meeting = _meeting_for(request, pk)
    require(permissions.can_add_note(request.user, meeting))
    form = NoteForm(request.POST)
    if form.is_valid():
        try:
            services.add_note(meeting=meeting, author=request.user, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Note saved."))
            return redirect(meeting)
    return _render_detail(request, meeting, note_form=form, status=400)


@login_required
@require_POST
def action_item_add(request: HttpRequest, pk: int) -> HttpResponse:
    match = get_object_or_404(
        Match.objects.visible_to(request.user).select_related("programme", "mentor__user", "mentee__user"), pk=pk
    )
    require(permissions.can_add_action_item(request.user, match))
    form = ActionItemForm(request.POST, match=match)
    if form.is_valid():
        try:
            services.add_action_item(match=match, created_by=request.user, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Action item added."))
            return redirect("match-detail", pk=match.pk)
    for errors in form.errors.values():
        for error in errors:
            messages.error(request, error)
    return redirect("match-detail", pk=match.pk)


@login_required
@require_POST
def action_item_done(request: HttpRequest, pk: int) -> HttpResponse:
    item = get_object_or_404(
        ActionItem.objects.visible_to(request.user).select_related("match__mentor", "match__mentee"), pk=pk
    )
    require(permissions.can_complete_action_item(request.user, item))
    services.complete_action_item(item=item, by=request.user)
    messages.success(request, _("Marked as done."))
    if item.meeting_id and request.POST.get("back") == "meeting":
        return redirect("meeting-detail", pk=item.meeting_id)
    return redirect("match-detail", pk=item.match_id)


def _item_for(request: HttpRequest, pk: int) -> ActionItem:
    return get_object_or_404(
        ActionItem.objects.visible_to(request.user).select_related(
            "owner", "goal", "meeting", "match__programme", "match__mentor__user", "match__mentee__user"
        ),
        pk=pk,
    )


def _back_from_item(request: HttpRequest, item: ActionItem) -> HttpResponse:
    if item.meeting_id and request.POST.get("back") == "meeting":
        return redirect("meeting-detail", pk=item.meeting_id)
    return redirect(reverse("match-detail", kwargs={"pk": item.match_id}) + "#action-items-heading")


@login_required
def action_item_edit(request: HttpRequest, pk: int) -> HttpResponse:
    item = _item_for(request, pk)
    require(permissions.can_edit_action_item(request.user, item))
    form = ActionItemForm(posted(request), match=item.match, item=item)
    if request.method == "POST" and form.is_valid():
        try:
            services.update_action_item(item=item, by=request.user, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Action item saved."))
            return _back_from_item(request, item)
    back = "meeting" if request.method == "GET" and request.GET.get("back") == "meeting" else request.POST.get("back")
    context = {"item": item, "match": item.match, "form": form, "back": back or ""}
    return render(request, "sessions/action_item_edit.html", context, status=400 if form.errors else 200)


@login_required
@require_POST
def action_item_reopen(request: HttpRequest, pk: int) -> HttpResponse:
    item = _item_for(request, pk)
    require(permissions.can_reopen_action_item(request.user, item))
    try:
        services.reopen_action_item(item=item, by=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("Marked as not done yet."))
    return _back_from_item(request, item)


@login_required
def meeting_ics(request: HttpRequest, pk: int) -> HttpResponse:
    meeting = _meeting_for(request, pk)
    method = ics.CANCEL if meeting.status == Meeting.Status.CANCELLED else ics.REQUEST
    response = HttpResponse(
        ics.invitation_ics(meeting, method), content_type=f"text/calendar; charset=utf-8; method={method}"
    )
    response["Content-Disposition"] = 'attachment; filename="invite.ics"'
    return response


@never_cache
def calendar_feed(request: HttpRequest, token: str) -> HttpResponse:
    """No login: calendar programs subscribe by URL. The token is the only secret."""
    feed = CalendarFeed.objects.select_related("user").filter(token=token, user__is_active=True).first()
    if feed is None:
        raise Http404
    body = ics.feed_ics(feeds.feed_meetings(user=feed.user), name=_("Mentoring meetings"))
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = 'inline; filename="mentoring.ics"'
    response["X-Robots-Tag"] = "noindex"
    return response


@login_required
def calendar_settings(request: HttpRequest) -> HttpResponse:
    feed = CalendarFeed.objects.filter(user=request.user).first()
    feed_url = request.build_absolute_uri(reverse("calendar-feed", kwargs={"token": feed.token})) if feed else ""
    return render(request, "sessions/calendar_settings.html", {"feed": feed, "feed_url": feed_url})


@login_required
@require_POST
def calendar_regenerate(request: HttpRequest) -> HttpResponse:
    feeds.regenerate_feed_token(user=request.user)
    messages.success(request, _("Your calendar address is ready. Any older address no longer works."))
    return redirect("calendar-settings")


@login_required
@require_POST
def calendar_revoke(request: HttpRequest) -> HttpResponse:
    if feeds.revoke_feed(user=request.user):
        messages.success(request, _("Your calendar address no longer works."))
    return redirect("calendar-settings")
