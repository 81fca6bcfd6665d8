"""What each export holds: its columns (name, type, meaning) and the query that fills them.

One definition serves the CSV and XLSX writers, the row counts that decide between
streaming and a worker, and docs/exports.md (`docs_markdown()` writes its tables, and a
test checks that the file says the same as the code).

Rows are read with `.values_list(...).iterator(chunk_size=2000)`, ordered by id, so an
export of any size streams through a server-side cursor at flat memory; no model
instances are built. Free text people wrote (meeting notes, agendas, reasons given for a
cancellation, a reschedule, a decline or an end, progress updates, feedback, flag
resolutions) is never read: reasons appear as their category only.
"""

import datetime
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any
from zoneinfo import ZoneInfo

from django.db.models import QuerySet
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from django.utils.translation import override

from goals.models import Goal, Milestone
from matching.models import Flag, Match
from programmes.models import Enrolment, Programme
from reports.models import ExportJob
from sessions.models import Meeting

CHUNK_SIZE = 2000
# Dashboard figures are computed, not read row by row: this many rows per programme is
# what the row estimate assumes for them.
FIGURES_PER_PROGRAMME = 40


class Kind(StrEnum):
    TEXT = "text"
    INTEGER = "integer"
    DECIMAL = "decimal"
    DATE = "date"
    DATETIME = "datetime"


# The number format of each typed column in XLSX files.
XLSX_FORMATS = {
    Kind.INTEGER: "0",
    Kind.DECIMAL: "0.00",
    Kind.DATE: "yyyy-mm-dd",
    Kind.DATETIME: "yyyy-mm-dd hh:mm",
}
KIND_HELP = {
    Kind.TEXT: "Text. Cells that start with `=`, `+`, `-`, `@`, a tab, CR, LF or NUL get a leading apostrophe.",
    Kind.INTEGER: f"Whole number. XLSX: a number cell (format `{XLSX_FORMATS[Kind.INTEGER]}`).",
    Kind.DECIMAL: f"Number with decimals. XLSX: a number cell (format `{XLSX_FORMATS[Kind.DECIMAL]}`).",
    Kind.DATE: f"Date. CSV: `YYYY-MM-DD`; XLSX: a date cell (format `{XLSX_FORMATS[Kind.DATE]}`).",
    Kind.DATETIME: (
        "Date and time in the requester's time zone. CSV: ISO 8601 with the UTC offset "
        f"(`2027-03-01T14:30:00+01:00`); XLSX: a date-time cell (format `{XLSX_FORMATS[Kind.DATETIME]}`)."
    ),
}


@dataclass(frozen=True)
class Column:
    name: str
    kind: Kind
    meaning: str | Promise
    # The codes an enumeration column may hold, for the documentation.
    values: tuple[str, ...] = ()


@dataclass(frozen=True)
class Scope:
    """What one export covers: a programme or all of them, a date range, a time zone."""

    programme_id: int | None  # None: every programme
    date_from: datetime.date | None
    date_to: datetime.date | None
    zone: ZoneInfo
    # Programmes whose goal titles the requester may read (None: all).
    goal_titles: frozenset[int] | None = None

    def bounds(self) -> tuple[datetime.datetime | None, datetime.datetime | None]:
        """The date range as aware instants: from the start of `date_from` to the end of
        `date_to`, both days included, in the requester's time zone."""
        start = datetime.datetime.combine(self.date_from, datetime.time.min, self.zone) if self.date_from else None
        end = (
            datetime.datetime.combine(self.date_to + datetime.timedelta(days=1), datetime.time.min, self.zone)
            if self.date_to
            else None
        )
        return start, end

    def restrict(self, queryset: QuerySet, *, programme: str, date: str) -> QuerySet:
        if self.programme_id is not None:
            queryset = queryset.filter(**{programme: self.programme_id})
        start, end = self.bounds()
        if start is not None:
            queryset = queryset.filter(**{f"{date}__gte": start})
        if end is not None:
            queryset = queryset.filter(**{f"{date}__lt": end})
        return queryset

    def shows_goal_titles(self, programme_id: int) -> bool:
        return self.goal_titles is None or programme_id in self.goal_titles


@dataclass(frozen=True)
class Dataset:
    key: str
    title: str | Promise
    # What one row is and which date the date range filters on, for the documentation.
    row: str | Promise
    date_filter: str | Promise
    columns: tuple[Column, ...]
    rows: Callable[[Scope], Iterator[Sequence[Any]]]
    count: Callable[[Scope], int]

    @property
    def header(self) -> list[str]:
        return [column.name for column in self.columns]


# --- helpers -----------------------------------------------------------------------------


def _name(first: str | None, last: str | None, email: str | None) -> str:
    """What `User.display_name` shows, from the three values of a values_list row."""
    return f"{first or ''} {last or ''}".strip() or (email or "")


def _local(value: datetime.datetime | None, zone: ZoneInfo) -> datetime.datetime | None:
    return value.astimezone(zone) if value is not None else None


def _local_date(value: datetime.datetime | None, zone: ZoneInfo) -> datetime.date | None:
    return value.astimezone(zone).date() if value is not None else None


def _side(user_id: int | None, mentor_id: int | None, mentee_id: int | None) -> str:
    """Which side of the pair a person acted for: mentor, mentee, or other (a coordinator
    or an administrator); empty when nobody did (or the account is gone)."""
    if user_id is None:
        return ""
    if user_id == mentor_id:
        return "mentor"
    if user_id == mentee_id:
        return "mentee"
    return "other"


def _choices(model_choices: Any) -> tuple[str, ...]:
    return tuple(model_choices.values)


SIDES = ("mentor", "mentee", "other")
PUBLISHED_STATUSES = tuple(status for status in Match.Status.values if status != Match.Status.DRAFT)
PROGRAMME = Column("programme", Kind.TEXT, _("The programme's name."))
PROGRAMME_SLUG = Column("programme_slug", Kind.TEXT, _("The programme's short name in addresses (unique)."))
PAIR = ("mentor__user__first_name", "mentor__user__last_name", "mentor__user__email")
MENTEE = ("mentee__user__first_name", "mentee__user__last_name", "mentee__user__email")


def _values(queryset: QuerySet, fields: Sequence[str]) -> Iterator[tuple]:
    return queryset.order_by("pk").values_list(*fields).iterator(chunk_size=CHUNK_SIZE)


def _prefixed(prefix: str, fields: Sequence[str]) -> list[str]:
    return [f"{prefix}{field}" for field in fields]


# --- participants --------------------------------------------------------------------------


def _participants(scope: Scope) -> QuerySet[Enrolment]:
    return scope.restrict(Enrolment.objects.all(), programme="programme_id", date="created_at")


def _participant_rows(scope: Scope) -> Iterator[Sequence[Any]]:
    zone = scope.zone
    fields = (
        "programme__name", "programme__slug", "user_id", "user__first_name", "user__last_name", "user__email",
        "role", "status", "source", "user__profile__department", "created_at", "decided_at", "left_at",
    )  # fmt: skip
    for name, slug, user_id, first, last, email, role, status, source, department, created, decided, left in _values(
        _participants(scope), fields
    ):
        yield (
            name, slug, user_id, _name(first, last, email), email, role, status, source, department or "",
            _local_date(created, zone), _local_date(decided, zone), _local_date(left, zone),
        )  # fmt: skip


PARTICIPANTS = Dataset(
    key=ExportJob.Dataset.PARTICIPANTS,
    title=_("Participants"),
    row=_("one enrolment: a person in one programme, in any status (a person in two programmes has two rows)"),
    date_filter=_("the day the person enrolled (applied, was invited, imported or added)"),
    columns=(
        PROGRAMME,
        PROGRAMME_SLUG,
        Column("participant_id", Kind.INTEGER, _("The person's account id (the same in every export).")),
        Column("name", Kind.TEXT, _("First and last name; the e-mail address when both are empty.")),
        Column("email", Kind.TEXT, _("E-mail address (the login).")),
        Column("role", Kind.TEXT, _("Role in this programme."), _choices(Enrolment.Role)),
        Column("status", Kind.TEXT, _("Enrolment status."), _choices(Enrolment.Status)),
        Column("source", Kind.TEXT, _("How the person joined."), _choices(Enrolment.Source)),
        Column("department", Kind.TEXT, _("Department, from the person's profile.")),
        Column("enrolled_on", Kind.DATE, _("The day the enrolment was made.")),
        Column("decided_on", Kind.DATE, _("The day a coordinator approved or declined it; empty until then.")),
        Column("left_on", Kind.DATE, _("The day the person withdrew or was removed; empty while enrolled.")),
    ),
    rows=_participant_rows,
    count=lambda scope: _participants(scope).count(),
)


# --- matches -----------------------------------------------------------------------------------


def _matches(scope: Scope) -> QuerySet[Match]:
    # Drafts are the coordinators' working proposals, not matches yet.
    queryset = Match.objects.exclude(status=Match.Status.DRAFT)
    return scope.restrict(queryset, programme="programme_id", date="created_at")


def _match_rows(scope: Scope) -> Iterator[Sequence[Any]]:
    zone = scope.zone
    fields = (
        "pk", "programme__name", "programme__slug", "mentor__user_id", *PAIR, "mentee__user_id", *MENTEE,
        "status", "source", "score", "created_at", "published_at", "started_at", "declined_at", "declined_by_id",
        "ended_at", "ended_by_id", "end_outcome",
    )  # fmt: skip
    for (
        pk, name, slug, mentor_id, mentor_first, mentor_last, mentor_email, mentee_id, mentee_first, mentee_last,
        mentee_email, status, source, score, created, published, started, declined, declined_by, ended, ended_by,
        outcome,
    ) in _values(_matches(scope), fields):  # fmt: skip
        yield (
            name, slug, pk, mentor_id, _name(mentor_first, mentor_last, mentor_email), mentor_email, mentee_id,
            _name(mentee_first, mentee_last, mentee_email), mentee_email, status, source,
            round(score, 2) if score is not None else None, _local(created, zone), _local(published, zone),
            _local(started, zone), _local(declined, zone), _side(declined_by, mentor_id, mentee_id),
            _local(ended, zone), _side(ended_by, mentor_id, mentee_id), outcome,
        )  # fmt: skip


MATCHES = Dataset(
    key=ExportJob.Dataset.MATCHES,
    title=_("Matches"),
    row=_("one published match (proposed, accepted, active, ended or declined); draft proposals are left out"),
    date_filter=_("the day the match was made (proposed by a run, a coordinator or a mentee's request)"),
    columns=(
        PROGRAMME,
        PROGRAMME_SLUG,
        Column("match_id", Kind.INTEGER, _("The match's id (meetings, goals and flags name it).")),
        Column("mentor_id", Kind.INTEGER, _("The mentor's account id.")),
        Column("mentor_name", Kind.TEXT, _("The mentor's name.")),
        Column("mentor_email", Kind.TEXT, _("The mentor's e-mail address.")),
        Column("mentee_id", Kind.INTEGER, _("The mentee's account id.")),
        Column("mentee_name", Kind.TEXT, _("The mentee's name.")),
        Column("mentee_email", Kind.TEXT, _("The mentee's e-mail address.")),
        Column("status", Kind.TEXT, _("Where the match stands."), PUBLISHED_STATUSES),
        Column("source", Kind.TEXT, _("Who made it."), _choices(Match.Source)),
        Column(
            "score", Kind.DECIMAL, _("Matching score, 0 to 100 (two decimals); empty for a match made without one.")
        ),
        Column("created_at", Kind.DATETIME, _("When the match was made.")),
        Column("proposed_at", Kind.DATETIME, _("When it was published to the pair.")),
        Column("started_at", Kind.DATETIME, _("When it became active.")),
        Column("declined_at", Kind.DATETIME, _("When it was declined.")),
        Column("declined_by", Kind.TEXT, _("Which side declined (no reason text)."), SIDES),
        Column("ended_at", Kind.DATETIME, _("When it ended.")),
        Column("ended_by", Kind.TEXT, _("Who ended it (no reason text)."), SIDES),
        Column("end_outcome", Kind.TEXT, _("How it ended."), _choices(Match.Outcome)),
    ),
    rows=_match_rows,
    count=lambda scope: _matches(scope).count(),
)


# --- meetings ----------------------------------------------------------------------------------


def _meetings(scope: Scope) -> QuerySet[Meeting]:
    return scope.restrict(Meeting.objects.all(), programme="match__programme_id", date="start")


MEETING_FIELDS = (
    "pk", "match__programme__name", "match__programme__slug", "match_id", "match__mentor__user_id",
    *_prefixed("match__", PAIR), "match__mentee__user_id", *_prefixed("match__", MENTEE), "start",
    "duration_minutes", "mode", "status", "cancelled_by_id", "cancelled_at", "cancel_reason", "notice_hours",
    "rescheduled_from_id", "rescheduled_by_id", "rescheduled_at", "absent", "logged_at",
)  # fmt: skip


def meeting_row(values: Sequence[Any], zone: ZoneInfo) -> tuple:
    """One meetings row from the values of `MEETING_FIELDS`."""
    (
        pk, name, slug, match_id, mentor_id, mentor_first, mentor_last, mentor_email, mentee_id, mentee_first,
        mentee_last, mentee_email, start, duration, mode, status, cancelled_by, cancelled_at, reason, notice,
        rescheduled_from, rescheduled_by, rescheduled_at, absent, logged_at,
    ) = values  # fmt: skip
    return (
        name, slug, pk, match_id, _name(mentor_first, mentor_last, mentor_email),
        _name(mentee_first, mentee_last, mentee_email), _local(start, zone), duration, mode, status,
        _side(cancelled_by, mentor_id, mentee_id), _local(cancelled_at, zone), reason,
        round(notice, 1) if notice is not None else None, rescheduled_from,
        _side(rescheduled_by, mentor_id, mentee_id), _local(rescheduled_at, zone), absent, _local(logged_at, zone),
    )  # fmt: skip


def _meeting_rows(scope: Scope) -> Iterator[Sequence[Any]]:
    zone = scope.zone
    for values in _values(_meetings(scope), MEETING_FIELDS):
        yield meeting_row(values, zone)


MEETINGS = Dataset(
    key=ExportJob.Dataset.MEETINGS,
    title=_("Meetings"),
    row=_(
        "one meeting; a reschedule is a new row that names the one it replaced, which keeps the status `rescheduled`"
    ),
    date_filter=_("the meeting's start"),
    columns=(
        PROGRAMME,
        PROGRAMME_SLUG,
        Column("meeting_id", Kind.INTEGER, _("The meeting's id.")),
        Column("match_id", Kind.INTEGER, _("The match (pair) it belongs to.")),
        Column("mentor_name", Kind.TEXT, _("The mentor's name.")),
        Column("mentee_name", Kind.TEXT, _("The mentee's name.")),
        Column("start", Kind.DATETIME, _("When it starts (or started).")),
        Column("duration_minutes", Kind.INTEGER, _("Planned length in minutes.")),
        Column("mode", Kind.TEXT, _("In person or online."), _choices(Meeting.Mode)),
        Column("status", Kind.TEXT, _("Scheduled, held, cancelled, rescheduled or no-show."), _choices(Meeting.Status)),
        Column("cancelled_by", Kind.TEXT, _("Which side cancelled."), SIDES),
        Column("cancelled_at", Kind.DATETIME, _("When it was cancelled.")),
        Column(
            "cancel_reason",
            Kind.TEXT,
            _("The reason's category (the note is never exported)."),
            _choices(Meeting.CancelReason),
        ),
        Column(
            "notice_hours",
            Kind.DECIMAL,
            _(
                "Hours between the cancellation or reschedule and the start it "
                "dropped (one decimal; negative: after the start)."
            ),
        ),
        Column("rescheduled_from", Kind.INTEGER, _("The id of the meeting this one replaced.")),
        Column(
            "rescheduled_by",
            Kind.TEXT,
            _("Which side moved this meeting to a new time (this row is the old one)."),
            SIDES,
        ),
        Column("rescheduled_at", Kind.DATETIME, _("When it was moved.")),
        Column("absent", Kind.TEXT, _("For a no-show: who did not come."), _choices(Meeting.Absent)),
        Column("logged_at", Kind.DATETIME, _("When the meeting was logged as held or missed.")),
    ),
    rows=_meeting_rows,
    count=lambda scope: _meetings(scope).count(),
)


# --- goals and milestones -------------------------------------------------------------------


def _goals(scope: Scope) -> QuerySet[Goal]:
    return scope.restrict(Goal.objects.all(), programme="match__programme_id", date="created_at")


def _goal_rows(scope: Scope) -> Iterator[Sequence[Any]]:
    """A goal's row, then one row per milestone, from one query (goals left-joined to
    their milestones, in goal order)."""
    zone = scope.zone
    fields = (
        "pk", "match__programme_id", "match__programme__name", "match__programme__slug", "match_id",
        *_prefixed("match__", PAIR), *_prefixed("match__", MENTEE), "title", "status", "progress", "target_date",
        "achieved_at", "created_at", "milestones__pk", "milestones__title", "milestones__due_on",
        "milestones__done_at",
    )  # fmt: skip
    rows = (
        _goals(scope)
        .order_by("pk", "milestones__position", "milestones__due_on", "milestones__pk")
        .values_list(*fields)
        .iterator(chunk_size=CHUNK_SIZE)
    )
    current = None
    for (
        pk, programme_id, name, slug, match_id, mentor_first, mentor_last, mentor_email, mentee_first, mentee_last,
        mentee_email, title, status, progress, target, achieved, created, milestone_id, milestone_title, due_on,
        done_at,
    ) in rows:  # fmt: skip
        titles = scope.shows_goal_titles(programme_id)
        mentor = _name(mentor_first, mentor_last, mentor_email)
        mentee = _name(mentee_first, mentee_last, mentee_email)
        if pk != current:
            current = pk
            yield (
                name, slug, match_id, mentor, mentee, "goal", pk, None, title if titles else "", status, progress,
                target, _local(achieved, zone), _local(created, zone),
            )  # fmt: skip
        if milestone_id is not None:
            yield (
                name, slug, match_id, mentor, mentee, "milestone", pk, milestone_id,
                milestone_title if titles else "", "done" if done_at else "open", None, due_on,
                _local(done_at, zone), None,
            )  # fmt: skip


def _goal_count(scope: Scope) -> int:
    goals = _goals(scope)
    return goals.count() + Milestone.objects.filter(goal__in=goals.values("pk")).count()


GOALS = Dataset(
    key=ExportJob.Dataset.GOALS,
    title=_("Goals and milestones"),
    row=_("a goal, followed by one row for each of its milestones (`row_type` tells them apart)"),
    date_filter=_("the day the goal was set (its milestones come with it)"),
    columns=(
        PROGRAMME,
        PROGRAMME_SLUG,
        Column("match_id", Kind.INTEGER, _("The match (pair) the goal belongs to.")),
        Column("mentor_name", Kind.TEXT, _("The mentor's name.")),
        Column("mentee_name", Kind.TEXT, _("The mentee's name.")),
        Column("row_type", Kind.TEXT, _("Whether the row is a goal or one of its milestones."), ("goal", "milestone")),
        Column("goal_id", Kind.INTEGER, _("The goal's id (a milestone row names its goal).")),
        Column("milestone_id", Kind.INTEGER, _("The milestone's id; empty on a goal row.")),
        Column(
            "title",
            Kind.TEXT,
            _(
                "The goal's or milestone's title. Empty for an HR admin unless the programme's goal settings let HR "
                "read goal content (coordinators and site admins always get it). Progress updates and feedback are "
                "never exported."
            ),
        ),
        Column(
            "status",
            Kind.TEXT,
            _("Goal: its status. Milestone: done or open."),
            (*_choices(Goal.Status), "done", "open"),
        ),
        Column("progress", Kind.INTEGER, _("Goal progress in percent (0 to 100); empty on a milestone row.")),
        Column("target_date", Kind.DATE, _("Goal: its target date. Milestone: its due date.")),
        Column("completed_at", Kind.DATETIME, _("Goal: when it was achieved. Milestone: when it was done.")),
        Column("created_at", Kind.DATETIME, _("When the goal was set; empty on a milestone row.")),
    ),
    rows=_goal_rows,
    count=_goal_count,
)


# --- flags ---------------------------------------------------------------------------------------


def _flags(scope: Scope) -> QuerySet[Flag]:
    return scope.restrict(Flag.objects.all(), programme="match__programme_id", date="raised_at")


def _flag_rows(scope: Scope) -> Iterator[Sequence[Any]]:
    zone = scope.zone
    fields = (
        "pk", "match__programme__name", "match__programme__slug", "match_id", *_prefixed("match__", PAIR),
        *_prefixed("match__", MENTEE), "kind", "status", "raised_at", "resolved_at", "resolved_by__first_name",
        "resolved_by__last_name", "resolved_by__email",
    )  # fmt: skip
    for (
        pk, name, slug, match_id, mentor_first, mentor_last, mentor_email, mentee_first, mentee_last, mentee_email,
        kind, status, raised, resolved, resolver_first, resolver_last, resolver_email,
    ) in _values(_flags(scope), fields):  # fmt: skip
        yield (
            name, slug, pk, match_id, _name(mentor_first, mentor_last, mentor_email),
            _name(mentee_first, mentee_last, mentee_email), kind, status, _local(raised, zone),
            _local(resolved, zone), _name(resolver_first, resolver_last, resolver_email),
        )  # fmt: skip


FLAGS = Dataset(
    key=ExportJob.Dataset.FLAGS,
    title=_("Flags"),
    row=_("one flag raised on a match (open, resolved or dismissed)"),
    date_filter=_("the day the flag was raised"),
    columns=(
        PROGRAMME,
        PROGRAMME_SLUG,
        Column("flag_id", Kind.INTEGER, _("The flag's id.")),
        Column("match_id", Kind.INTEGER, _("The match (pair) it is about.")),
        Column("mentor_name", Kind.TEXT, _("The mentor's name.")),
        Column("mentee_name", Kind.TEXT, _("The mentee's name.")),
        Column("kind", Kind.TEXT, _("What the sweep found."), _choices(Flag.Kind)),
        Column("status", Kind.TEXT, _("Whether it is still open."), _choices(Flag.Status)),
        Column("raised_at", Kind.DATETIME, _("When it was raised.")),
        Column("resolved_at", Kind.DATETIME, _("When it was resolved or dismissed.")),
        Column("resolved_by", Kind.TEXT, _("Who resolved or dismissed it (the coordinators' notes are not exported).")),
    ),
    rows=_flag_rows,
    count=lambda scope: _flags(scope).count(),
)


# --- dashboard figures ------------------------------------------------------------------------


def _programmes(scope: Scope) -> QuerySet[Programme]:
    programmes = Programme.objects.order_by("name", "pk")
    return programmes.filter(pk=scope.programme_id) if scope.programme_id is not None else programmes


def _figure_rows(scope: Scope) -> Iterator[Sequence[Any]]:
    from reports.figures import figures_table  # the dashboards' module: reports.figures owns the figures

    for row in figures_table(programmes=_programmes(scope), date_from=scope.date_from, date_to=scope.date_to):
        yield (row["programme"], row["figure"], row["value"])


FIGURES = Dataset(
    key=ExportJob.Dataset.FIGURES,
    title=_("Dashboard figures"),
    row=_("one figure of a programme's dashboard, as the dashboard computes it"),
    date_filter=_("the period the dashboard figures are computed for"),
    columns=(
        PROGRAMME,
        Column("figure", Kind.TEXT, _("Which figure (as the dashboard names it).")),
        Column(
            "value",
            Kind.DECIMAL,
            _(
                "Its value: a count, a percentage or an average; empty where a rate has nothing to divide by; "
                "text where a figure has no number (yet)."
            ),
        ),
    ),
    rows=_figure_rows,
    count=lambda scope: _programmes(scope).count() * FIGURES_PER_PROGRAMME,
)


DATASETS: dict[str, Dataset] = {
    dataset.key: dataset for dataset in (PARTICIPANTS, MATCHES, MEETINGS, GOALS, FLAGS, FIGURES)
}


def dataset_for(key: str) -> Dataset:
    return DATASETS[key]


# --- documentation ----------------------------------------------------------------------------

DOCS_BEGIN = "<!-- columns: generated from reports/exports/columns.py by `python -m reports.exports.docs` -->"
DOCS_END = "<!-- end of generated columns -->"


def docs_markdown() -> str:
    """The per-dataset column tables of docs/exports.md (in English)."""
    with override("en"):
        return _docs_markdown()


def _docs_markdown() -> str:
    parts = [DOCS_BEGIN, "", "| type | in the files |", "|---|---|"]
    parts += [f"| {kind.value} | {help_text} |" for kind, help_text in KIND_HELP.items()]
    parts.append("")
    for dataset in DATASETS.values():
        parts += [
            f"### {dataset.title} (`{dataset.key}`)",
            "",
            f"Each row is {dataset.row}. The date range filters on {dataset.date_filter}.",
            "",
            "| column | type | meaning |",
            "|---|---|---|",
        ]
        for column in dataset.columns:
            meaning = column.meaning
            if column.values:
                meaning += " One of: " + ", ".join(f"`{value}`" for value in column.values) + "."
            parts.append(f"| `{column.name}` | {column.kind.value} | {meaning} |")
        parts.append("")
    parts.append(DOCS_END)
    return "\n".join(parts)
