"""Turn a programme's approved enrolments into the matching engine's `Cohort` and `MatchSettings`.

The engine knows rows and columns only; this module is the one place that decides who takes part in a
round and maps rows back to enrolments. Every read is a bulk query over the whole cohort (a handful in
all, plus at most one per level of the reporting chain), so building a cohort of thousands costs the
same number of queries as one of three.

Who takes part, unless the caller names the people:
- mentees: APPROVED, no published live match (in exclusive programmes), no pending mentor request;
- mentors: APPROVED with a place left (published matches count as load, draft proposals do not, because
  a run replaces them), plus the mentors of locked draft proposals so that the solver can keep or refuse
  those locks.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import NamedTuple
from zoneinfo import ZoneInfo

import numpy as np
from django.db.models import Count, Exists, OuterRef, Q
from django.utils import timezone

from matching.cohort import (
    MAX_SENIORITY,
    Cohort,
    MatchSettings,
    Participants,
    Question,
    QuestionMode,
    Vocabulary,
    Weights,
)
from matching.models import Match, MatchingSettings, MentorRequest, PairBlock
from profiles.choices import LANGUAGES
from profiles.models import Profile
from programmes.models import Answer, Enrolment, Programme
from programmes.models import Question as ProgrammeQuestion

MAX_CHAIN_DEPTH = 8  # as the engine's synthetic org trees; deeper lines are unusual and only cost queries


@dataclass(frozen=True)
class CohortIndex:
    """Rows of the cohort back to enrolments, and enrolments to rows."""

    mentees: list[Enrolment]
    mentors: list[Enrolment]

    def __post_init__(self) -> None:
        object.__setattr__(self, "_mentee_row", {e.pk: row for row, e in enumerate(self.mentees)})
        object.__setattr__(self, "_mentor_row", {e.pk: row for row, e in enumerate(self.mentors)})

    def mentee_row(self, enrolment_id: int) -> int | None:
        return self._mentee_row.get(enrolment_id)  # type: ignore[attr-defined]

    def mentor_row(self, enrolment_id: int) -> int | None:
        return self._mentor_row.get(enrolment_id)  # type: ignore[attr-defined]


class BuiltCohort(NamedTuple):
    cohort: Cohort
    settings: MatchSettings
    index: CohortIndex


def matching_settings_for(programme: Programme) -> MatchingSettings:
    """The programme's settings row, or an unsaved one with the defaults until a
    coordinator saves them: reading (a GET, a mentee's suggestions) never writes."""
    row = MatchingSettings.objects.filter(programme=programme).first()
    return row if row is not None else MatchingSettings(programme=programme)


def choice_questions(programme: Programme) -> list[ProgrammeQuestion]:
    """The questions the engine compares: single-choice ones with at least one choice."""
    questions = ProgrammeQuestion.objects.filter(programme=programme, kind=ProgrammeQuestion.Kind.SINGLE_CHOICE)
    return [q for q in questions.order_by("position", "pk") if isinstance(q.choices, list) and q.choices]


def engine_settings(row: MatchingSettings, programme: Programme, questions: list[ProgrammeQuestion]) -> MatchSettings:
    modes = row.question_modes if isinstance(row.question_modes, dict) else {}
    question_modes = []
    for question in questions:
        mode = modes.get(str(question.pk), QuestionMode.IGNORE.value)
        question_modes.append(mode if mode in QuestionMode._value2member_map_ else QuestionMode.IGNORE.value)
    return MatchSettings(
        weights=Weights(
            skills=row.weight_skills,
            language=row.weight_language,
            timezone=row.weight_timezone,
            seniority=row.weight_seniority,
            department=row.weight_department,
            location=row.weight_location,
            questions=row.weight_questions,
        ),
        department_mode=row.department_mode,
        location_mode=row.location_mode,
        language_required=row.language_required,
        reverse_mentoring=programme.kind == Programme.Kind.REVERSE,
        question_modes=tuple(question_modes),
        min_score=row.min_score,
    )


def _exclusive(programme: Programme) -> bool:
    return programme.kind != Programme.Kind.GROUP


def eligible_mentees(programme: Programme):  # -> QuerySet[Enrolment]
    mentees = Enrolment.objects.filter(
        programme=programme, role=Enrolment.Role.MENTEE, status=Enrolment.Status.APPROVED
    )
    if _exclusive(programme):
        published = Match.objects.published().filter(mentee=OuterRef("pk"), exclusive=True)
        mentees = mentees.exclude(Exists(published))
    pending = MentorRequest.objects.pending().filter(mentee=OuterRef("pk"))
    return mentees.exclude(Exists(pending))


def mentors_with_load(programme: Programme):  # -> QuerySet[Enrolment]
    """Approved mentors annotated with `published_load` (the places their published matches hold)."""
    return Enrolment.objects.filter(
        programme=programme, role=Enrolment.Role.MENTOR, status=Enrolment.Status.APPROVED
    ).annotate(
        published_load=Count("matches_as_mentor", filter=Q(matches_as_mentor__status__in=Match.PUBLISHED_LIVE_STATUSES))
    )


def mentor_places(mentor: Enrolment) -> int:
    """Places left from an enrolment annotated by `mentors_with_load` (with its profile loaded)."""
    if mentor.is_full or mentor.user.profile.is_paused:
        return 0
    return max(0, mentor.capacity - mentor.published_load)


def _utc_offset(name: str, now: dt.datetime, cache: dict[str, float]) -> float:
    if name not in cache:
        try:
            offset = now.astimezone(ZoneInfo(name)).utcoffset()
        except (ValueError, KeyError, OSError):
            offset = None
        cache[name] = np.nan if offset is None else offset.total_seconds() / 3600
    return cache[name]


def _manager_chains(profiles: list[Profile]) -> list[list[int]]:
    """User ids up each person's reporting line, one query per level for the whole cohort."""
    manager_of: dict[int, int | None] = {p.user_id: p.manager_id for p in profiles}
    frontier = {m for m in manager_of.values() if m is not None and m not in manager_of}
    for _level in range(MAX_CHAIN_DEPTH):
        if not frontier:
            break
        rows = dict(Profile.objects.filter(user_id__in=frontier).values_list("user_id", "manager_id"))
        for user_id in frontier:
            manager_of[user_id] = rows.get(user_id)
        frontier = {m for m in rows.values() if m is not None and m not in manager_of}
    chains = []
    for profile in profiles:
        chain: list[int] = []
        current = manager_of.get(profile.user_id)
        while current is not None and len(chain) < MAX_CHAIN_DEPTH and current not in chain:
            chain.append(current)
            current = manager_of.get(current)
        chains.append(chain)
    return chains


def _vocabulary_codes(values: Iterable[str]) -> tuple[str, ...]:
    return tuple(sorted({v.strip() for v in values if v and v.strip()}, key=str.casefold))


def build_cohort(
    programme: Programme,
    mentees: Iterable[Enrolment] | None = None,
    mentors: Iterable[Enrolment] | None = None,
    *,
    now: dt.datetime | None = None,
) -> BuiltCohort:
    """The engine's inputs for a matching round of `programme`.

    `mentees` / `mentors` narrow the cohort to the given enrolments (for explaining a pair or ranking a
    mentee's alternatives); they are taken as they are, with no eligibility filter, but each mentor's
    capacity is still their places left.
    """
    now = now or timezone.now()
    row = matching_settings_for(programme)
    questions = choice_questions(programme)
    settings = engine_settings(row, programme, questions)

    profile_related = ("user__profile__skills_wanted", "user__profile__skills_offered")
    if mentees is None:
        mentee_qs = eligible_mentees(programme)
    else:
        mentee_qs = Enrolment.objects.filter(pk__in=[e.pk for e in mentees])
    mentee_list = list(mentee_qs.select_related("user__profile").prefetch_related(profile_related[0]).order_by("pk"))

    locked = list(
        Match.objects.filter(programme=programme, status=Match.Status.DRAFT, is_locked=True).values_list(
            "mentee_id", "mentor_id"
        )
    )
    mentor_qs = mentors_with_load(programme)
    if mentors is None:
        locked_mentors = {mentor for _mentee, mentor in locked}
        candidates = list(
            mentor_qs.select_related("user__profile", "programme").prefetch_related(profile_related[1]).order_by("pk")
        )
        mentor_list = [m for m in candidates if mentor_places(m) > 0 or m.pk in locked_mentors]
    else:
        mentor_list = list(
            mentor_qs.filter(pk__in=[e.pk for e in mentors])
            .select_related("user__profile", "programme")
            .prefetch_related(profile_related[1])
            .order_by("pk")
        )

    mentee_profiles = [e.user.profile for e in mentee_list]
    mentor_profiles = [e.user.profile for e in mentor_list]
    everyone = mentee_profiles + mentor_profiles

    skills: dict[int, str] = {}
    for p in mentee_profiles:
        skills.update((s.pk, s.name) for s in p.skills_wanted.all())
    for p in mentor_profiles:
        skills.update((s.pk, s.name) for s in p.skills_offered.all())
    skill_ids = sorted(skills, key=lambda pk: (skills[pk].casefold(), pk))
    skill_column = {pk: col for col, pk in enumerate(skill_ids)}
    language_names = dict(LANGUAGES)
    language_codes = tuple(sorted({code for p in everyone for code in (p.languages or []) if isinstance(code, str)}))
    language_column = {code: col for col, code in enumerate(language_codes)}
    departments = _vocabulary_codes(p.department for p in everyone)
    locations = _vocabulary_codes(p.location for p in everyone)
    department_column = {name.casefold(): col for col, name in enumerate(departments)}
    location_column = {name.casefold(): col for col, name in enumerate(locations)}

    question_column = {q.pk: col for col, q in enumerate(questions)}
    answers: dict[tuple[int, int], int] = {}
    enrolment_ids = [e.pk for e in mentee_list] + [e.pk for e in mentor_list]
    if questions and enrolment_ids:
        choice_of = {q.pk: {str(c): i for i, c in enumerate(q.choices)} for q in questions}
        for enrolment_id, question_id, value in Answer.objects.filter(
            enrolment_id__in=enrolment_ids, question_id__in=list(question_column)
        ).values_list("enrolment_id", "question_id", "value"):
            choice = choice_of[question_id].get(str(value)) if isinstance(value, str | int) else None
            if choice is not None:
                answers[(enrolment_id, question_id)] = choice

    offsets: dict[str, float] = {}

    def side(enrolments: list[Enrolment], profiles: list[Profile], skill_attr: str) -> Participants:
        n = len(enrolments)
        skill_matrix = np.zeros((n, len(skill_ids)), dtype=bool)
        language_matrix = np.zeros((n, len(language_codes)), dtype=bool)
        answer_matrix = np.full((n, len(questions)), -1, dtype=np.int64)
        for r, (enrolment, profile) in enumerate(zip(enrolments, profiles, strict=True)):
            for skill in getattr(profile, skill_attr).all():
                skill_matrix[r, skill_column[skill.pk]] = True
            for code in profile.languages or []:
                if code in language_column:
                    language_matrix[r, language_column[code]] = True
            for question_id, col in question_column.items():
                answer_matrix[r, col] = answers.get((enrolment.pk, question_id), -1)
        return Participants.build(
            user_ids=[e.user_id for e in enrolments],
            n_skills=len(skill_ids),
            n_languages=len(language_codes),
            n_questions=len(questions),
            skills=skill_matrix,
            languages=language_matrix,
            utc_offset=[_utc_offset(e.user.timezone, now, offsets) for e in enrolments],
            seniority=[p.seniority if p.seniority and 1 <= p.seniority <= MAX_SENIORITY else 0 for p in profiles],
            department=[department_column.get(p.department.strip().casefold(), -1) for p in profiles],
            location=[location_column.get(p.location.strip().casefold(), -1) for p in profiles],
            answers=answer_matrix,
            manager_chains=_manager_chains(profiles),
        )

    index = CohortIndex(mentees=mentee_list, mentors=mentor_list)

    def pairs(rows: Iterable[tuple[int, int]]) -> np.ndarray:
        found = []
        for mentee_id, mentor_id in rows:
            i, j = index.mentee_row(mentee_id), index.mentor_row(mentor_id)
            if i is not None and j is not None:
                found.append((i, j))
        return np.asarray(found, dtype=np.int64).reshape(-1, 2)

    mentee_ids = [e.pk for e in mentee_list]
    previous = Match.objects.filter(
        programme=programme,
        status__in=[Match.Status.DECLINED, Match.Status.ENDED],
        mentee_id__in=mentee_ids,
    ).values_list("mentee_id", "mentor_id")
    blocks = list(
        PairBlock.objects.filter(programme=programme, mentee_id__in=mentee_ids).values_list("mentee_id", "mentor_id")
    )
    if not _exclusive(programme):
        # In a group programme a mentee may hold several matches, but never two with the same mentor.
        blocks += list(
            Match.objects.published()
            .filter(programme=programme, mentee_id__in=mentee_ids)
            .values_list("mentee_id", "mentor_id")
        )

    cohort = Cohort(
        vocabulary=Vocabulary(
            skills=tuple(skills[pk] for pk in skill_ids),
            languages=tuple(str(language_names.get(code, code)) for code in language_codes),
            departments=departments,
            locations=locations,
            questions=tuple(Question(q.label, tuple(str(c) for c in q.choices)) for q in questions),
        ),
        mentees=side(mentee_list, mentee_profiles, "skills_wanted"),
        mentors=side(mentor_list, mentor_profiles, "skills_offered"),
        mentor_capacity=np.asarray([mentor_places(m) for m in mentor_list], dtype=np.int64),
        mentor_paused=np.asarray([m.is_full or m.user.profile.is_paused for m in mentor_list], dtype=bool),
        previous_pairs=pairs(previous),
        blocked_pairs=pairs(blocks),
        locked_pairs=pairs(locked),
    )
    return BuiltCohort(cohort=cohort, settings=settings, index=index)


__all__ = [
    "BuiltCohort",
    "CohortIndex",
    "build_cohort",
    "choice_questions",
    "eligible_mentees",
    "engine_settings",
    "matching_settings_for",
    "mentor_places",
    "mentors_with_load",
]
