"""Writes of the audit log: `record` appends one event, nothing ever changes it.

Audit sits left of every app that records into it, so it knows targets only as
"app_label.model" and a primary key, and programmes only by id."""

import ipaddress
from collections.abc import Mapping
from typing import Any

from django.conf import settings
from django.db import models
from django.http import HttpRequest

from audit.models import AuditEvent

# Details hold ids, counts, statuses and short codes. Free text (a reason, a name, an
# e-mail) has no place in the log: erasing a person must never need to rewrite it.
MAX_DETAIL_STRING = 64
_SCALARS = (int, float, bool, type(None))


def _check_detail_value(key: str, value: Any) -> None:
    if isinstance(value, _SCALARS):
        return
    if isinstance(value, str):
        if len(value) > MAX_DETAIL_STRING or "@" in value or "\n" in value:
            raise ValueError(f"Audit detail {key!r} looks like free text; store ids, counts or statuses only.")
        return
    if isinstance(value, list | tuple):
        for item in value:
            _check_detail_value(key, item)
        return
    if isinstance(value, Mapping):
        for inner_key, inner in value.items():
            _check_detail_value(f"{key}.{inner_key}", inner)
        return
    raise ValueError(f"Audit detail {key!r} has an unsupported type {type(value).__name__}.")


def clean_details(details: Mapping[str, Any] | None) -> dict[str, Any]:
    """Return `details` as a JSON-ready dict, refusing anything that could be personal data."""
    if not details:
        return {}
    cleaned: dict[str, Any] = {}
    for key, value in details.items():
        if not isinstance(key, str):
            raise ValueError("Audit detail keys must be strings.")
        _check_detail_value(key, value)
        cleaned[key] = list(value) if isinstance(value, tuple) else value
    return cleaned


def client_ip(request: HttpRequest | None) -> str | None:
    """The client's address: REMOTE_ADDR, or the X-Forwarded-For entry written by the
    outermost trusted proxy when `ALLAUTH_TRUSTED_PROXY_COUNT` says there are proxies
    (the same rule as allauth's rate limits). Anything unparsable is None, never an error."""
    if request is None:
        return None
    candidate: str | None = None
    proxies = getattr(settings, "ALLAUTH_TRUSTED_PROXY_COUNT", 0) or 0
    forwarded = request.headers.get("x-forwarded-for", "") if proxies > 0 else ""
    if forwarded:
        hops = [hop.strip() for hop in forwarded.split(",")]
        if len(hops) >= proxies:
            candidate = hops[-proxies]
    if not candidate:
        candidate = request.META.get("REMOTE_ADDR")
    if not candidate:
        return None
    try:
        return str(ipaddress.ip_address(candidate.strip("[]")))
    except ValueError:
        return None


def target_key(target: models.Model) -> tuple[str, str]:
    """("app_label.model", "pk") for a model instance: how the log names what it is about."""
    return f"{target._meta.app_label}.{target._meta.model_name}", str(target.pk)


def record(
    *,
    actor: Any,
    action: str,
    programme_id: int | None = None,
    target: models.Model | None = None,
    details: Mapping[str, Any] | None = None,
    request: HttpRequest | None = None,
) -> AuditEvent:
    """Append one event to the audit log and return it.

    Call it inside the transaction of the action it records, so a rolled-back action
    leaves no event behind. `actor` is the user who acted (None or an anonymous user for
    the system, e.g. a periodic task); `target` a model instance or None; `details` ids,
    counts and statuses only (ValueError otherwise)."""
    if action not in AuditEvent.Action.values:
        raise ValueError(f"Unknown audit action {action!r}.")
    actor_id = actor.pk if actor is not None and getattr(actor, "is_authenticated", False) else None
    target_type, target_id = target_key(target) if target is not None else ("", "")
    return AuditEvent.objects.create(
        actor_id=actor_id,
        action=action,
        programme_id=int(programme_id) if programme_id is not None else None,
        target_type=target_type,
        target_id=target_id,
        details=clean_details(details),
        ip_address=client_ip(request),
    )


def record_view(
    *,
    viewer: Any,
    person_id: int,
    target: models.Model,
    programme_id: int | None = None,
    request: HttpRequest | None = None,
) -> AuditEvent | None:
    """Log that someone opened another person's record (a coordinator or HR admin on a
    profile or enrolment page); a person opening their own record is not logged."""
    if viewer is None or not getattr(viewer, "is_authenticated", False) or viewer.pk == person_id:
        return None
    return record(
        actor=viewer,
        action=AuditEvent.Action.RECORD_VIEWED,
        programme_id=programme_id,
        target=target,
        details={"person": person_id},
        request=request,
    )
