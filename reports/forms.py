"""Dashboard filters (dates, cohort) and the dashboard targets form.

The period rules live in `check_period`, which the API's filter serializer calls too, so
a date the page refuses is refused by the API with the same words.
"""

import datetime

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from reports.models import DashboardSettings

EARLIEST = datetime.date(2000, 1, 1)
LATEST = datetime.date(2100, 12, 31)
LONGEST_DAYS = 3660  # ten years


def check_period(date_from: datetime.date | None, date_to: datetime.date | None) -> None:
    """Raise ValidationError (keyed by field) for dates the dashboards do not take."""
    errors: dict[str, str] = {}
    for field, value in (("date_from", date_from), ("date_to", date_to)):
        if value is not None and not EARLIEST <= value <= LATEST:
            errors[field] = _("Choose a date between %(earliest)s and %(latest)s.") % {
                "earliest": EARLIEST.isoformat(),
                "latest": LATEST.isoformat(),
            }
    if not errors and date_from and date_to:
        if date_to < date_from:
            errors["date_to"] = _("The end date is before the start date.")
        elif (date_to - date_from).days > LONGEST_DAYS:
            errors["date_to"] = _("Choose a period of ten years at most.")
    if errors:
        raise ValidationError(errors)


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self) -> None:
        super().__init__(format="%Y-%m-%d")


class PeriodForm(forms.Form):
    """The dates of a dashboard; both optional (open-ended)."""

    date_from = forms.DateField(label=gettext_lazy("From"), required=False, widget=DateInput())
    date_to = forms.DateField(label=gettext_lazy("To"), required=False, widget=DateInput())

    def clean(self) -> dict:
        data = super().clean()
        if "date_from" in data and "date_to" in data:
            try:
                check_period(data["date_from"], data["date_to"])
            except ValidationError as error:
                for field, messages in error.error_dict.items():
                    self.add_error(field, messages)
        return data


class DashboardFilterForm(PeriodForm):
    """The programme dashboard's filters: dates and a cohort (the month people enrolled)."""

    cohort = forms.ChoiceField(label=gettext_lazy("Cohort (month enrolled)"), required=False)

    def __init__(self, *args, cohorts: list[tuple[str, str]], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["cohort"].choices = [("", _("Everybody")), *cohorts]


class DashboardSettingsForm(forms.ModelForm):
    """Field rules come from the model; saving goes through
    `reports.services.dashboard.update_dashboard_settings`, not `form.save()`."""

    class Meta:
        model = DashboardSettings
        fields = ["match_rate_target", "no_meeting_days"]
        help_texts = {
            "match_rate_target": gettext_lazy(
                "The share of approved mentees you aim to match; the dashboard marks it on the match rate."
            ),
        }
