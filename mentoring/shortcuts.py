"""Small helpers every HTML view and API view shares: refuse, show a service's errors on
a form, tell a submission from a first visit."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.forms import Form
from django.http import HttpRequest


def require(allowed: bool) -> None:
    """403 unless the `can_*` predicate said yes (the object was already fetched in scope)."""
    if not allowed:
        raise PermissionDenied


def add_service_errors(form: Form, error: ValidationError) -> None:
    """Show a service's ValidationError on the form: a field's error beside that field,
    anything else (no such field, or a hidden one) above the form."""
    if not hasattr(error, "error_dict"):
        form.add_error(None, error)
        return
    for field, errors in error.error_dict.items():
        shown = field in form.fields and not form.fields[field].widget.is_hidden
        form.add_error(field if shown else None, errors)


def posted(request: HttpRequest) -> object:
    # An empty POST is still a submission: it must show errors, not a fresh form.
    return request.POST if request.method == "POST" else None
