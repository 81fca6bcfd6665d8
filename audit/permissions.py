"""Who reads the audit log and who handles personal data (predicates only)."""

import re

from profiles.models import User

_ERASED_EMAIL = re.compile(r"^erased-\d+@invalid$")


def can_view_audit_log(user: User) -> bool:
    """HR admins and site admins read the whole log; nobody else reads any of it."""
    return bool(user.is_authenticated and (user.is_superuser or user.is_hr_admin))


def can_download_own_data(user: User) -> bool:
    return bool(user.is_authenticated)


def is_erased(person: User) -> bool:
    return not person.is_active and bool(_ERASED_EMAIL.match(person.email or ""))


def can_erase_person(user: User, person: User) -> bool:
    """Site admins erase anybody but themselves, once."""
    return bool(user.is_authenticated and user.is_superuser and user.pk != person.pk and not is_erased(person))
