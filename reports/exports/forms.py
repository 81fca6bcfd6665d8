"""Forms of the export pages: ask for an export, filter the export log."""

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from profiles.models import User
from programmes.models import Programme
from reports import permissions_exports as permissions
from reports.models import ExportJob

# Not a possible slug, so no programme can be mistaken for "all of them".
ALL_PROGRAMMES = "*"


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(format="%Y-%m-%d", **kwargs)


class ExportRequestForm(forms.Form):
    programme = forms.ChoiceField(label=_("Programme"))
    dataset = forms.ChoiceField(label=_("Data"), choices=ExportJob.Dataset.choices, widget=forms.RadioSelect)
    format = forms.ChoiceField(
        label=_("Format"),
        choices=ExportJob.Format.choices,
        initial=ExportJob.Format.CSV,
        widget=forms.RadioSelect,
        help_text=_("XLSX files, and CSV files with many rows, are prepared in the background."),
    )
    date_from = forms.DateField(label=_("From"), required=False, widget=DateInput())
    date_to = forms.DateField(label=_("To"), required=False, widget=DateInput(), help_text=_("Both days included."))

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.programmes = {
            programme.slug: programme
            for programme in permissions.exportable_programmes(user).order_by("name", "pk").only("pk", "name", "slug")
        }
        choices = [(slug, programme.name) for slug, programme in self.programmes.items()]
        if permissions.can_export_all_programmes(user):
            choices.insert(0, (ALL_PROGRAMMES, _("All programmes")))
        self.fields["programme"].choices = choices

    def clean_programme(self) -> Programme | None:
        slug = self.cleaned_data["programme"]
        return self.programmes.get(slug) if slug != ALL_PROGRAMMES else None

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if data.get("date_from") and data.get("date_to") and data["date_to"] < data["date_from"]:
            self.add_error("date_to", _("The end of the period must not be before its start."))
        return data


class ExportLogFilterForm(forms.Form):
    person = forms.CharField(label=_("Person"), required=False, max_length=254, help_text=_("Name or e-mail."))
    dataset = forms.ChoiceField(label=_("Data"), required=False, choices=[("", _("Any")), *ExportJob.Dataset.choices])
    created_from = forms.DateField(label=_("From"), required=False, widget=DateInput())
    created_to = forms.DateField(label=_("To"), required=False, widget=DateInput())
