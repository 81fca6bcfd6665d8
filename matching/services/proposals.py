"""A coordinator's work on draft proposals before anyone else sees them: swap, replace, remove, lock,
re-run for the rest, publish; and direct (manual) matches, pair blocks and pair explanations.

Hard rules are checked with the engine itself (`Scorer.explain` on a small cohort slice), so a pair the
coordinator builds by hand is held to exactly the rules a run applies, and the refusal names the rule.
Room for a mentor counts their published matches and their other draft proposals: a draft holds a place
until it is published or removed.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Count, Q
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from audit.models import AuditEvent
from audit.services import record
from matching.builder import build_cohort, mentor_places, mentors_with_load
from matching.models import Match, MatchRun, PairBlock
from matching.scoring import Explanation, Scorer
from matching.services.capacity import lock_mentor_with_room, mentor_capacity, mentor_load
from matching.services.runs import check_can_run, start_match_run
from notifications.services import notify
from profiles.models import User
from programmes.models import Enrolment, Programme


@dataclass(frozen=True)
class Alternative:
    mentor: Enrolment
    score: float
    explanation: dict


def _exclusive(programme: Programme) -> bool:
    return programme.kind != Programme.Kind.GROUP


def _require_draft(match: Match) -> None:
    if match.status != Match.Status.DRAFT:
        raise ValidationError(_("Only draft proposals can be changed; this one is already published."))


def _require_unlocked(match: Match) -> None:
    if match.is_locked:
        raise ValidationError(_("This proposal is locked; unlock it first."))


def _check_enrolment(enrolment: Enrolment, programme: Programme, role: str) -> None:
    if enrolment.programme_id != programme.pk or enrolment.role != role:
        raise ValidationError(
            _("%(name)s is not a %(role)s in this programme.")
            % {"name": enrolment.user, "role": Enrolment.Role(role).label.lower()}
        )
    if enrolment.status != Enrolment.Status.APPROVED:
        raise ValidationError(_("%(name)s is not approved in this programme.") % {"name": enrolment.user})


def _refusal(explanation: Explanation, mentor: Enrolment, mentee: Enrolment) -> ValidationError:
    reasons = "; ".join(explanation.exclusion_facts) or _("a matching rule excludes them")
    return ValidationError(
        _("%(mentee)s and %(mentor)s cannot be matched: %(reasons)s.")
        % {"mentee": mentee.user, "mentor": mentor.user, "reasons": reasons}
    )


def explain_pair(programme: Programme, mentor: Enrolment, mentee: Enrolment) -> Explanation:
    """The engine's explanation for one pair, every hard rule and criterion included."""
    built = build_cohort(programme, mentees=[mentee], mentors=[mentor])
    return Scorer(built.cohort, built.settings).explain(0, 0)


def _explained(programme: Programme, pairs: Sequence[tuple[Enrolment, Enrolment]]) -> list[Explanation]:
    """Explanations for several (mentor, mentee) pairs from one cohort slice."""
    mentors = {m.pk: m for m, _e in pairs}
    mentees = {e.pk: e for _m, e in pairs}
    built = build_cohort(programme, mentees=mentees.values(), mentors=mentors.values())
    scorer = Scorer(built.cohort, built.settings)
    return [
        scorer.explain(built.index.mentee_row(mentee.pk), built.index.mentor_row(mentor.pk)) for mentor, mentee in pairs
    ]


def _draft_load(mentor: Enrolment, *, exclude: Match | None = None) -> int:
    drafts = Match.objects.filter(mentor=mentor, status=Match.Status.DRAFT)
    if exclude is not None:
        drafts = drafts.exclude(pk=exclude.pk)
    return drafts.count()


def _check_room_for_draft(mentor: Enrolment, *, exclude: Match | None = None) -> None:
    taken = mentor_load(mentor) + _draft_load(mentor, exclude=exclude)
    capacity = mentor_capacity(mentor)
    if taken >= capacity:
        raise ValidationError(
            _("%(name)s has no place left: %(taken)d of %(capacity)d taken by matches and proposals.")
            % {"name": mentor.user, "taken": taken, "capacity": capacity}
        )


def _apply(match: Match, mentor: Enrolment, explanation: Explanation) -> None:
    match.mentor = mentor
    match.score = round(explanation.score, 2) if explanation.score is not None else None
    match.explanation = explanation.as_dict()
    match.save(update_fields=["mentor", "score", "explanation"])


def _locked_drafts(*matches: Match) -> list[Match]:
    rows = Match.objects.select_for_update(of=("self",)).filter(pk__in=[m.pk for m in matches])
    by_pk = {m.pk: m for m in rows.select_related("programme", "mentor__user", "mentee__user")}
    if len(by_pk) != len(matches):
        raise ValidationError(_("This proposal no longer exists."))
    fresh = [by_pk[m.pk] for m in matches]
    for match in fresh:
        _require_draft(match)
        _require_unlocked(match)
    return fresh


@transaction.atomic
def swap_proposals(*, first: Match, second: Match, by: User) -> tuple[Match, Match]:
    """Exchange the mentors of two draft proposals; both new pairs must pass every hard rule."""
    if first.pk == second.pk:
        raise ValidationError(_("Choose another proposal to swap with."))
    if first.programme_id != second.programme_id:
        raise ValidationError(_("Only proposals of the same programme can be swapped."))
    first, second = _locked_drafts(first, second)
    if first.mentor_id == second.mentor_id:
        raise ValidationError(_("Both proposals have the same mentor; swapping changes nothing."))
    new_first, new_second = (second.mentor, first.mentee), (first.mentor, second.mentee)
    explanations = _explained(first.programme, [new_first, new_second])
    for (mentor, mentee), explanation in zip([new_first, new_second], explanations, strict=True):
        if not explanation.eligible:
            raise _refusal(explanation, mentor, mentee)
    first_mentor = first.mentor
    _apply(first, second.mentor, explanations[0])
    _apply(second, first_mentor, explanations[1])
    for changed in (first, second):
        record(
            actor=by,
            action=AuditEvent.Action.MATCH_OVERRIDDEN,
            programme_id=changed.programme_id,
            target=changed,
            details={"change": "swapped"},
        )
    return first, second


@transaction.atomic
def replace_proposal(*, match: Match, mentor: Enrolment, by: User) -> Match:
    """Give a draft proposal's mentee another mentor, one with room and allowed by the rules."""
    (match,) = _locked_drafts(match)
    _check_enrolment(mentor, match.programme, Enrolment.Role.MENTOR)
    if mentor.pk == match.mentor_id:
        raise ValidationError(_("%(name)s is already this proposal's mentor.") % {"name": mentor.user})
    mentor = (
        Enrolment.objects.select_for_update(of=("self",)).select_related("programme", "user__profile").get(pk=mentor.pk)
    )
    if mentor.is_full or mentor.user.profile.is_paused:
        raise ValidationError(_("%(name)s is not taking new mentees at the moment.") % {"name": mentor.user})
    _check_room_for_draft(mentor)
    (explanation,) = _explained(match.programme, [(mentor, match.mentee)])
    if not explanation.eligible:
        raise _refusal(explanation, mentor, match.mentee)
    try:
        with transaction.atomic():
            _apply(match, mentor, explanation)
    except IntegrityError:
        raise ValidationError(_("These two already have a live match.")) from None
    record(
        actor=by,
        action=AuditEvent.Action.MATCH_OVERRIDDEN,
        programme_id=match.programme_id,
        target=match,
        details={"change": "replaced", "mentor": mentor.pk},
    )
    return match


@transaction.atomic
def remove_proposal(*, match: Match, by: User) -> None:
    """Drop a draft proposal; its mentee goes back to the pool for the next run."""
    rows = Match.objects.select_for_update().filter(pk=match.pk)
    fresh = rows.first()
    if fresh is None:
        return
    _require_draft(fresh)
    record(
        actor=by,
        action=AuditEvent.Action.MATCH_OVERRIDDEN,
        programme_id=fresh.programme_id,
        target=fresh,
        details={"change": "removed", "mentor": fresh.mentor_id, "mentee": fresh.mentee_id},
    )
    fresh.delete()


def _set_lock(match: Match, locked: bool, by: User) -> Match:
    with transaction.atomic():
        fresh = Match.objects.select_for_update().get(pk=match.pk)
        _require_draft(fresh)
        if fresh.is_locked != locked:
            fresh.is_locked = locked
            fresh.save(update_fields=["is_locked"])
            record(
                actor=by,
                action=AuditEvent.Action.MATCH_OVERRIDDEN,
                programme_id=fresh.programme_id,
                target=fresh,
                details={"change": "locked" if locked else "unlocked"},
            )
    match.is_locked = locked
    return match


def lock_proposal(*, match: Match, by: User) -> Match:
    """A locked proposal is kept by every later run, whatever its score."""
    return _set_lock(match, True, by)


def unlock_proposal(*, match: Match, by: User) -> Match:
    return _set_lock(match, False, by)


def rerun_for_the_rest(*, programme: Programme, by: User) -> MatchRun:
    """A new run: locked proposals stay, every other draft is solved again."""
    return start_match_run(programme=programme, by=by, parameters={"rerun_for_the_rest": True})


def mentors_with_room(programme: Programme) -> list[Enrolment]:
    """Approved mentors with a place left after published matches and draft proposals, each annotated
    with `places` (what is left)."""
    mentors = list(
        mentors_with_load(programme)
        .annotate(draft_load=Count("matches_as_mentor", filter=Q(matches_as_mentor__status=Match.Status.DRAFT)))
        .select_related("user__profile", "programme")
        .order_by("user__first_name", "user__last_name", "pk")
    )
    result = []
    for mentor in mentors:
        mentor.places = mentor_places(mentor) - mentor.draft_load
        if mentor.places > 0:
            result.append(mentor)
    return result


def alternatives_for_many(matches: Sequence[Match], k: int = 3) -> dict[int, list[Alternative]]:
    """For each proposal, the top k other mentors with room that the rules allow, best score first.

    One cohort slice (these proposals' mentees x every mentor with room) and one score matrix for all
    of them, so a page of proposals costs the same queries as one.
    """
    if not matches:
        return {}
    programme = matches[0].programme
    mentors = mentors_with_room(programme)
    if not mentors:
        return {m.pk: [] for m in matches}
    built = build_cohort(programme, mentees=[m.mentee for m in matches], mentors=mentors)
    scorer = Scorer(built.cohort, built.settings)
    min_score = built.settings.min_score
    result: dict[int, list[Alternative]] = {}
    for match in matches:
        i = built.index.mentee_row(match.mentee_id)
        scores = scorer.row(i).astype(np.float64)
        current = built.index.mentor_row(match.mentor_id)
        if current is not None:
            scores[current] = -1
        candidates = np.flatnonzero((scores >= 0) & (scores >= min_score))
        order = candidates[np.lexsort((candidates, -scores[candidates]))][:k]
        result[match.pk] = [
            Alternative(
                mentor=built.index.mentors[int(j)],
                score=round(float(scores[j]), 2),
                explanation=scorer.explain(i, int(j)).as_dict(),
            )
            for j in order
        ]
    return result


def alternatives_for(proposal: Match, k: int = 3) -> list[Alternative]:
    return alternatives_for_many([proposal], k).get(proposal.pk, [])


def match_url(match: Match) -> str:
    """The pair's own page; the participant flow owns it, so fall back to the programme page until then."""
    try:
        return reverse("match-detail", kwargs={"pk": match.pk})
    except NoReverseMatch:
        return match.programme.get_absolute_url()


def _notify_proposed(matches: Iterable[Match], actor: User) -> None:
    for match in matches:
        notify(
            recipients=[match.mentor.user, match.mentee.user],
            kind="match_proposed",
            context={"match": match},
            url=match_url(match),
            actor=actor,
        )


@transaction.atomic
def publish_proposals(*, programme: Programme, by: User) -> int:
    """Every draft becomes PROPOSED and both sides are told; the mentors' places are checked under
    their row locks, so a concurrent request cannot take a place a proposal counts on."""
    check_can_run(programme)
    drafts = list(
        Match.objects.select_for_update(of=("self",))
        .filter(programme=programme, status=Match.Status.DRAFT)
        .select_related("programme", "mentor__user", "mentee__user")
        .order_by("pk")
    )
    if not drafts:
        raise ValidationError(_("There are no draft proposals to publish."))
    if MatchRun.objects.filter(
        programme=programme, status__in=[MatchRun.Status.QUEUED, MatchRun.Status.RUNNING]
    ).exists():
        raise ValidationError(_("Wait for the matching run in progress to finish before publishing."))
    per_mentor = Counter(m.mentor_id for m in drafts)
    by_mentor: dict[int, Enrolment] = {m.mentor_id: m.mentor for m in drafts}
    for mentor_id in sorted(per_mentor):  # a fixed order, so two publishers cannot deadlock
        locked = lock_mentor_with_room(mentor=by_mentor[mentor_id])
        wanted, load, capacity = per_mentor[mentor_id], mentor_load(locked), mentor_capacity(locked)
        if load + wanted > capacity:
            raise ValidationError(
                _(
                    "%(name)s has %(free)d place(s) left but %(wanted)d proposals; "
                    "remove or replace some before publishing."
                )
                % {"name": locked.user, "free": capacity - load, "wanted": wanted}
            )
    now = timezone.now()
    Match.objects.filter(pk__in=[m.pk for m in drafts]).update(
        status=Match.Status.PROPOSED, published_at=now, is_locked=False
    )
    for match in drafts:
        match.status, match.published_at = Match.Status.PROPOSED, now
    _notify_proposed(drafts, by)
    record(
        actor=by, action=AuditEvent.Action.MATCHES_PUBLISHED, programme_id=programme.pk, details={"count": len(drafts)}
    )
    return len(drafts)


@transaction.atomic
def create_manual_match(
    *, programme: Programme, mentor: Enrolment, mentee: Enrolment, by: User, publish: bool
) -> Match:
    """A coordinator's own pick: checked against every hard rule and the mentor's places; a draft is
    locked so that later runs keep it, a published one goes to both sides at once."""
    check_can_run(programme)
    _check_enrolment(mentor, programme, Enrolment.Role.MENTOR)
    _check_enrolment(mentee, programme, Enrolment.Role.MENTEE)
    live = Match.objects.filter(mentee=mentee).live()
    if _exclusive(programme) and live.exists():
        raise ValidationError(_("%(name)s already has a match or a proposal.") % {"name": mentee.user})
    if live.filter(mentor=mentor).exists():
        raise ValidationError(_("These two already have a live match."))
    locked_mentor = lock_mentor_with_room(mentor=mentor)
    if not publish:
        _check_room_for_draft(locked_mentor)
    explanation = explain_pair(programme, locked_mentor, mentee)
    if not explanation.eligible:
        raise _refusal(explanation, locked_mentor, mentee)
    match = Match(
        programme=programme,
        mentor=locked_mentor,
        mentee=mentee,
        status=Match.Status.PROPOSED if publish else Match.Status.DRAFT,
        source=Match.Source.COORDINATOR,
        exclusive=_exclusive(programme),
        score=round(explanation.score, 2) if explanation.score is not None else None,
        explanation=explanation.as_dict(),
        is_locked=not publish,
        created_by=by,
        published_at=timezone.now() if publish else None,
    )
    try:
        with transaction.atomic():
            match.save()
    except IntegrityError:
        raise ValidationError(_("One of them was matched a moment ago; reload and try again.")) from None
    if publish:
        _notify_proposed([match], by)
    record(
        actor=by,
        action=AuditEvent.Action.MATCH_OVERRIDDEN,
        programme_id=programme.pk,
        target=match,
        details={"change": "manual", "status": match.status},
    )
    return match


@transaction.atomic
def block_pair(*, programme: Programme, mentor: Enrolment, mentee: Enrolment, by: User, reason: str = "") -> PairBlock:
    """Never pair these two; a draft proposal between them is dropped."""
    _check_enrolment(mentor, programme, Enrolment.Role.MENTOR)
    if mentee.programme_id != programme.pk or mentee.role != Enrolment.Role.MENTEE:
        raise ValidationError(_("%(name)s is not a mentee in this programme.") % {"name": mentee.user})
    block, _created = PairBlock.objects.get_or_create(
        programme=programme,
        mentor=mentor,
        mentee=mentee,
        defaults={"reason": reason[:300], "created_by": by},
    )
    Match.objects.filter(mentor=mentor, mentee=mentee, status=Match.Status.DRAFT).delete()
    return block


def unblock_pair(*, block: PairBlock, by: User) -> None:
    PairBlock.objects.filter(pk=block.pk).delete()


def proposal_counts(programme: Programme) -> dict[str, int]:
    """Drafts, locked drafts and published live matches of a programme, in one query."""
    counts = Match.objects.filter(programme=programme).aggregate(
        drafts=Count("pk", filter=Q(status=Match.Status.DRAFT)),
        locked=Count("pk", filter=Q(status=Match.Status.DRAFT, is_locked=True)),
        published=Count("pk", filter=Q(status__in=Match.PUBLISHED_LIVE_STATUSES)),
        declined=Count("pk", filter=Q(status=Match.Status.DECLINED)),
    )
    return {name: value or 0 for name, value in counts.items()}


__all__ = [
    "Alternative",
    "alternatives_for",
    "alternatives_for_many",
    "block_pair",
    "create_manual_match",
    "explain_pair",
    "lock_proposal",
    "mentors_with_room",
    "proposal_counts",
    "publish_proposals",
    "remove_proposal",
    "replace_proposal",
    "rerun_for_the_rest",
    "swap_proposals",
    "unblock_pair",
    "unlock_proposal",
]
