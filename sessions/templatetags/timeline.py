"""The latest steps of a pair on the pair's page, with a link to the whole history. A
template tag, so that matching (left of sessions in the app order) shows it without
importing this app."""

from django import template

from matching.models import Match
from sessions.timeline import Timeline

register = template.Library()

LATEST = 10


@register.inclusion_tag("sessions/_match_timeline.html", takes_context=True)
def match_timeline(context: template.Context, match: Match) -> dict:
    """`match` must come from `Match.objects.visible_to(user)`, as the pair's page fetches it."""
    user = context["request"].user
    return {"match": match, "entries": Timeline(match=match, user=user).latest(LATEST), "latest": LATEST}
