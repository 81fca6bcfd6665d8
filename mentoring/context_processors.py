from django.db.models import Exists, IntegerField, OuterRef, Q, Subquery
from django.http import HttpRequest
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from matching.models import Match, MentorRequest
from notifications.models import Notification
from profiles.models import User


class _SubqueryCount(Subquery):
    template = "(SELECT COUNT(*) FROM (%(subquery)s) _count)"
    output_field = IntegerField()


def navigation(request: HttpRequest) -> dict:
    """The main menu, built from the signed-in user's roles."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav_items": []}
    items = [{"label": _("Home"), "url": reverse("home"), "name": "home"}]
    items.append({"label": _("Programmes"), "url": reverse("programme-list"), "name": "programme-list"})
    # One query for the menu: the unread count and whether the person has a published match
    # or a mentor request (the "Matches" item), as two subqueries of their own user row.
    own = Q(mentor__user=OuterRef("pk")) | Q(mentee__user=OuterRef("pk"))
    menu = (
        User.objects.filter(pk=user.pk)
        .annotate(
            unread=_SubqueryCount(Notification.objects.visible_to(user).in_app().unread().values("pk")),
            in_matching=Exists(Match.objects.filter(own).exclude(status=Match.Status.DRAFT))
            | Exists(MentorRequest.objects.filter(own)),
        )
        .values("unread", "in_matching")
        .first()
    ) or {"unread": 0, "in_matching": False}
    if menu["in_matching"]:
        items.append({"label": _("Matches"), "url": reverse("my-matches"), "name": "my-matches"})
    unread = menu["unread"]
    items.append(
        {
            "label": _("Notifications"),
            "url": reverse("notification-list"),
            "name": "notification-list",
            "badge": ("99+" if unread > 99 else str(unread)) if unread else "",
            "badge_label": ngettext("%(count)d unread", "%(count)d unread", unread) % {"count": unread},
        }
    )
    items.append({"label": _("Skills"), "url": reverse("skill-list"), "name": "skill-list"})
    items.append({"label": _("API"), "url": reverse("api-docs"), "name": "api-docs"})
    if user.is_superuser or user.is_hr_admin:
        items.append({"label": _("Audit log"), "url": reverse("audit-log"), "name": "audit-log"})
    if user.is_staff:
        items.append({"label": _("Admin"), "url": reverse("admin:index"), "name": "admin"})
    current = getattr(getattr(request, "resolver_match", None), "url_name", None)
    for item in items:
        item["current"] = item["name"] == current
    roles = []
    if user.is_superuser:
        roles.append(_("Site admin"))
    if user.is_hr_admin:
        roles.append(_("HR admin"))
    return {"nav_items": items, "nav_roles": roles}
