"""The dashboard targets of a programme: the one place that writes DashboardSettings."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from profiles.models import User
from programmes.models import Programme
from reports import permissions
from reports.models import DashboardSettings


def dashboard_settings_for(programme: Programme) -> DashboardSettings:
    """The programme's targets; an unsaved row with the defaults when nobody set them yet
    (reading a dashboard never writes)."""
    try:
        return programme.dashboard_settings
    except DashboardSettings.DoesNotExist:
        return DashboardSettings(programme=programme)


@transaction.atomic
def update_dashboard_settings(
    *, programme: Programme, by: User, match_rate_target: int, no_meeting_days: int | None
) -> DashboardSettings:
    if not permissions.can_change_dashboard_settings(by, programme):
        raise ValidationError(_("Only the programme's coordinators change its dashboard targets."))
    settings, _created = DashboardSettings.objects.select_for_update().get_or_create(programme=programme)
    settings.match_rate_target = match_rate_target
    settings.no_meeting_days = no_meeting_days
    settings.full_clean()
    settings.save(update_fields=["match_rate_target", "no_meeting_days"])
    return settings
