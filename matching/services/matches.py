"""A published match's life: acceptance and the mentoring agreement, decline, end.

Acceptance (documented in docs/decisions.md):
- One-sided programmes (`match_approval == one_sided`) need the mentor's acceptance,
  two-sided ones both sides'. When the required sides have accepted: ACCEPTED.
- Accepting also records that side's acceptance of the programme's mentoring agreement
  (shown on the accept page). When both sides have accepted the agreement: ACTIVE, with
  `started_at`. A programme without agreement text needs acceptance only, so ACCEPTED and
  ACTIVE come in one step; so do two-sided programmes, where both sides' acceptance
  already includes the agreement. ACCEPTED lasts only in a one-sided programme with an
  agreement, until the mentee accepts it.

Every write locks the match row and re-checks its status, so a double click or two
people acting at once cannot apply a transition twice.
"""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from audit.models import AuditEvent
from audit.services import record
from matching.models import Match
from matching.permissions import needs_answer_from, side_of
from notifications.services import notify
from profiles.models import User
from programmes.models import Enrolment, Programme

REASON_LIMIT = 2000


def match_url(match: Match) -> str:
    return reverse("match-detail", args=[match.pk])


def _locked(match: Match) -> Match:
    return (
        Match.objects.select_for_update(of=("self",))
        .select_related("programme", "mentor__user", "mentee__user")
        .get(pk=match.pk)
    )


def _coordinators(match: Match) -> list[User]:
    return list(match.programme.coordinators.all())


def _record_acceptance(*, match: Match, side: str, agreement_accepted: bool, now: object) -> tuple[bool, bool]:
    """Record one side's acceptance (and agreement) on a locked match; returns (became accepted,
    became active). Shared with accepting a mentee's request."""
    programme = match.programme
    has_agreement = bool(programme.agreement_text)
    if has_agreement and not agreement_accepted:
        raise ValidationError(
            {"agreement_accepted": _("Accept the mentoring agreement to accept this match.")}, code="agreement"
        )
    fields = []
    if side == Enrolment.Role.MENTOR:
        if match.mentor_accepted_at is None:
            match.mentor_accepted_at = now
            fields.append("mentor_accepted_at")
        if has_agreement and match.mentor_agreed_at is None:
            match.mentor_agreed_at = now
            fields.append("mentor_agreed_at")
    else:
        if match.mentee_accepted_at is None:
            match.mentee_accepted_at = now
            fields.append("mentee_accepted_at")
        if has_agreement and match.mentee_agreed_at is None:
            match.mentee_agreed_at = now
            fields.append("mentee_agreed_at")
    became_accepted = became_active = False
    one_sided = programme.match_approval == Programme.Approval.ONE_SIDED
    required = match.mentor_accepted_at is not None and (one_sided or match.mentee_accepted_at is not None)
    if match.status == Match.Status.PROPOSED and required:
        match.status = Match.Status.ACCEPTED
        became_accepted = True
    agreed = not has_agreement or (match.mentor_agreed_at is not None and match.mentee_agreed_at is not None)
    if match.status == Match.Status.ACCEPTED and agreed:
        match.status = Match.Status.ACTIVE
        match.started_at = now
        fields.append("started_at")
        became_active = True
    match.save(update_fields=[*fields, "status"])
    return became_accepted, became_active


def _announce_acceptance(*, match: Match, by: User, became_active: bool) -> None:
    context = {"match": match, "by": by}
    coordinators = _coordinators(match)
    if became_active:
        notify(
            recipients=[match.mentor.user, match.mentee.user],
            kind="match_active",
            context=context,
            url=match_url(match),
            actor=by,
        )
        notify(recipients=coordinators, kind="match_accepted", context=context, url=match_url(match), actor=by)
        return
    other = match.mentee.user if match.mentor.user_id == by.pk else match.mentor.user
    notify(recipients=[other, *coordinators], kind="match_accepted", context=context, url=match_url(match), actor=by)


@transaction.atomic
def accept_match(*, match: Match, user: User, agreement_accepted: bool = False) -> Match:
    """The user accepts the match for their side, and the mentoring agreement with it
    (`agreement_accepted` must be true when the programme has agreement text)."""
    locked = _locked(match)
    side = side_of(user, locked)
    if side is None:
        raise ValidationError(_("Only the mentor and the mentee answer a match."))
    if locked.status not in {Match.Status.PROPOSED, Match.Status.ACCEPTED}:
        raise ValidationError(
            _("This match is %(status)s: there is nothing to accept.") % {"status": locked.get_status_display().lower()}
        )
    if not needs_answer_from(locked, side):
        raise ValidationError(_("You have already accepted this match."))
    _became_accepted, became_active = _record_acceptance(
        match=locked, side=side, agreement_accepted=agreement_accepted, now=timezone.now()
    )
    _announce_acceptance(match=locked, by=user, became_active=became_active)
    return locked


def accept_agreement(*, match: Match, user: User) -> Match:
    """Accepting the agreement is the same step as accepting the match (see the module docstring)."""
    return accept_match(match=match, user=user, agreement_accepted=True)


@transaction.atomic
def decline_match(*, match: Match, user: User, reason: str) -> Match:
    """A side turns the match down before it starts. The mentee's live match is gone, so
    they are back in the pool for the next run or request; this pair is not proposed again."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Tell the coordinators why, so they can find a better match.")})
    if len(reason) > REASON_LIMIT:
        raise ValidationError({"reason": _("Keep the reason under %(limit)d characters.") % {"limit": REASON_LIMIT}})
    locked = _locked(match)
    side = side_of(user, locked)
    if side is None:
        raise ValidationError(_("Only the mentor and the mentee answer a match."))
    if not needs_answer_from(locked, side):
        raise ValidationError(
            _("This match is %(status)s: it can no longer be declined.")
            % {"status": locked.get_status_display().lower()}
        )
    locked.status = Match.Status.DECLINED
    locked.declined_at = timezone.now()
    locked.declined_by = user
    locked.decline_reason = reason
    locked.save(update_fields=["status", "declined_at", "declined_by", "decline_reason"])
    other = locked.mentee.user if side == Enrolment.Role.MENTOR else locked.mentor.user
    notify(
        recipients=[other, *_coordinators(locked)],
        kind="match_declined",
        context={"match": locked, "by": user},
        url=match_url(locked),
        actor=user,
    )
    return locked


@transaction.atomic
def end_match(*, match: Match, by: User, outcome: str, reason: str) -> Match:
    """End an accepted or active match: completed, or ended early (a reason is required).
    The mentee is eligible again; the builder never proposes an ended pair again."""
    if outcome not in Match.Outcome.values:
        raise ValidationError({"outcome": _("Choose how the mentoring ended.")})
    reason = (reason or "").strip()
    if outcome == Match.Outcome.ENDED_EARLY and not reason:
        raise ValidationError({"reason": _("Say why the match ended early.")})
    if len(reason) > REASON_LIMIT:
        raise ValidationError({"reason": _("Keep the reason under %(limit)d characters.") % {"limit": REASON_LIMIT}})
    locked = _locked(match)
    if locked.status not in {Match.Status.ACCEPTED, Match.Status.ACTIVE}:
        raise ValidationError(
            _("This match is %(status)s: only an accepted or active match can be ended.")
            % {"status": locked.get_status_display().lower()}
        )
    locked.status = Match.Status.ENDED
    locked.ended_at = timezone.now()
    locked.ended_by = by
    locked.end_outcome = outcome
    locked.end_reason = reason
    locked.save(update_fields=["status", "ended_at", "ended_by", "end_outcome", "end_reason"])
    record(
        actor=by,
        action=AuditEvent.Action.MATCH_ENDED,
        programme_id=locked.programme_id,
        target=locked,
        details={"outcome": outcome},
    )
    # The person who ended it knows; everyone else involved is told.
    recipients = [
        person for person in [locked.mentor.user, locked.mentee.user, *_coordinators(locked)] if person.pk != by.pk
    ]
    notify(
        recipients=recipients, kind="match_ended", context={"match": locked, "by": by}, url=match_url(locked), actor=by
    )
    return locked
