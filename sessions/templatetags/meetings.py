"""The meetings section of the pair's page. A template tag, so that matching (left of
sessions in the app order) shows meetings without importing this app."""

from django import template

from matching.models import Match
from matching.permissions import side_of
from sessions import permissions
from sessions.forms import ActionItemForm
from sessions.models import ActionItem, Meeting
from sessions.services.accountability import action_items_for_display

DONE_ITEMS_SHOWN = 10

register = template.Library()


@register.inclusion_tag("sessions/_match_meetings.html", takes_context=True)
def match_meetings(context: template.Context, match: Match) -> dict:
    user = context["request"].user
    meetings = list(
        Meeting.objects.visible_to(user)
        .filter(match=match)
        .select_related("organiser", "rescheduled_by", "cancelled_by", "logged_by")
        .order_by("-start", "-pk")
    )
    upcoming = sorted((m for m in meetings if m.status == Meeting.Status.SCHEDULED), key=lambda m: m.start)
    past = [m for m in meetings if m.status != Meeting.Status.SCHEDULED]
    side = side_of(user, match)
    items = ActionItem.objects.visible_to(user).filter(match=match)
    open_items = action_items_for_display(items.open(), user=user)
    done_items = action_items_for_display(
        items.filter(done_at__isnull=False).order_by("-done_at", "-pk"), user=user, limit=DONE_ITEMS_SHOWN
    )
    return {
        "request": context["request"],
        "csrf_token": context.get("csrf_token"),
        "match": match,
        "upcoming": upcoming,
        "past": past,
        "items": open_items,
        "overdue_count": sum(1 for item in open_items if item.overdue),
        "done_items": sorted(done_items, key=lambda item: item.done_at, reverse=True),
        "can_edit_items": permissions.can_add_action_item(user, match),
        "can_schedule": permissions.can_schedule_meeting(user, match),
        "can_add_item": permissions.can_add_action_item(user, match),
        "can_complete": side is not None,
        "item_form": ActionItemForm(match=match),
    }
