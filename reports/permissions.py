"""Who sees which dashboards. Pure predicates, each with its "which rows" next to it.

Decisions (docs/decisions.md, "Dashboards"):
- A programme's dashboard is for its coordinators, HR admins and site admins. Anybody
  else gets a 404 for it, even a participant who can open the programme's page: the
  dashboard is not among the things they can see.
- The dashboard targets (match rate target, days without a meeting) are changed by the
  programme's coordinators and site admins; HR admins read them.
- The cross-programme overview (`/reports/`) is for HR admins and site admins; it holds
  aggregates only, never notes or goal content.
"""

from django.db.models import QuerySet

from profiles.models import User
from programmes.models import Programme
from programmes.permissions import is_coordinator


def dashboard_programmes(user: User) -> QuerySet[Programme]:
    """The programmes whose dashboard `user` may open."""
    if not user.is_authenticated:
        return Programme.objects.none()
    if user.is_superuser or user.is_hr_admin:
        return Programme.objects.all()
    return Programme.objects.filter(coordinators=user)


def can_view_dashboard(user: User, programme: Programme) -> bool:
    return user.is_authenticated and (user.is_superuser or user.is_hr_admin or is_coordinator(user, programme))


def can_change_dashboard_settings(user: User, programme: Programme) -> bool:
    return user.is_authenticated and (user.is_superuser or is_coordinator(user, programme))


def can_view_hr_overview(user: User) -> bool:
    return user.is_authenticated and (user.is_superuser or user.is_hr_admin)
