"""The pair's history page: every step of a match, newest first, filtered by category and
paged. Scoped fetch (404) → read through `sessions.timeline` (which checks again)."""

from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.core.paginator import InvalidPage
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render

from matching.models import Match
from matching.permissions import side_of
from sessions.forms import TimelineFilterForm
from sessions.timeline import CATEGORIES, timeline_for

PER_PAGE = 25


@login_required
def match_timeline(request: HttpRequest, pk: int) -> HttpResponse:
    match = get_object_or_404(
        Match.objects.visible_to(request.user).select_related("programme", "mentor__user", "mentee__user"), pk=pk
    )
    form = TimelineFilterForm(request.GET or None)
    categories: list[str] = []
    if form.is_bound and form.is_valid():
        categories = form.cleaned_data["category"]
    try:
        page = timeline_for(
            match=match, user=request.user, kinds=categories, page=request.GET.get("page") or 1, per_page=PER_PAGE
        )
    except InvalidPage:
        raise Http404 from None
    context = {
        "match": match,
        "programme": match.programme,
        "side": side_of(request.user, match),
        "form": form,
        "page": page,
        "entries": page.object_list,
        "filtered": bool(categories) and len(categories) < len(CATEGORIES),
        "query_string": urlencode([("category", category) for category in categories]),
    }
    return render(request, "sessions/match_timeline.html", context, status=400 if form.errors else 200)
