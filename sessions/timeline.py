"""The history of one pair, newest first: the match's steps, meetings (scheduled, moved,
cancelled, held, missed), goals, milestones, progress updates, feedback, action items
and flags.

How it is read: every kind of event is a small select of (time, tie-break, kind, object
id) from its own table; one UNION ALL of those selects is ordered and sliced in the
database, with one count beside it for the pages. Then the objects on the page are read
with one query per model. So a page costs the same number of queries whether the pair
has five events or five thousand.

Who sees what: whoever can see the match (`Match.objects.visible_to`) reads its history.
Goal content (titles, update and feedback text) is shown only where
`Goal.objects.visible_to(user)` covers the goal; other viewers (HR admins of a programme
that keeps goal content from them) read that something happened ("A goal was
achieved"), without titles or who. Meeting notes never appear, shared or private.
Achievements (a goal achieved, a milestone done) are marked `celebration`.
"""

import datetime
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.core.paginator import Page, Paginator
from django.db import models
from django.db.models import F, Q, QuerySet, Value
from django.http import Http404
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from goals.models import Feedback, Goal, Milestone, ProgressUpdate
from matching.models import Flag, Match
from profiles.models import User
from sessions.models import ActionItem, Meeting

CATEGORIES: dict[str, Any] = {
    "match": gettext_lazy("The match"),
    "meetings": gettext_lazy("Meetings"),
    "goals": gettext_lazy("Goals"),
    "action_items": gettext_lazy("Action items"),
    "flags": gettext_lazy("Flags"),
}
MATCH_RELATED = ("programme", "mentor__user", "mentee__user", "declined_by", "ended_by")


@dataclass
class TimelineEntry:
    at: datetime.datetime
    kind: str
    category: str
    actor: User | None
    text: str
    detail: str = ""
    url: str = ""
    celebration: bool = False
    object_id: int = 0

    @property
    def category_label(self) -> str:
        return str(CATEGORIES[self.category])


@dataclass(frozen=True)
class _Source:
    """One kind of event: which rows of which model, and the field that dates them."""

    key: str  # the entry's kind; "kind:side" where the row alone does not say which side
    category: str
    model: type[models.Model]
    time: str
    rows: Q
    match_field: str  # the lookup from the model to the match's id


_SOURCES: tuple[_Source, ...] = (
    # In the order things happen at one instant: later sources come first in a newest-first
    # list when their times are equal (accepting and starting are often the same moment).
    _Source("match_proposed", "match", Match, "published_at", Q(published_at__isnull=False), "pk"),
    _Source("match_accepted:mentor", "match", Match, "mentor_accepted_at", Q(mentor_accepted_at__isnull=False), "pk"),
    _Source("match_accepted:mentee", "match", Match, "mentee_accepted_at", Q(mentee_accepted_at__isnull=False), "pk"),
    _Source(
        "agreement_accepted:mentor",
        "match",
        Match,
        "mentor_agreed_at",
        Q(mentor_agreed_at__isnull=False) & ~Q(programme__agreement_text=""),
        "pk",
    ),
    _Source(
        "agreement_accepted:mentee",
        "match",
        Match,
        "mentee_agreed_at",
        Q(mentee_agreed_at__isnull=False) & ~Q(programme__agreement_text=""),
        "pk",
    ),
    _Source("match_started", "match", Match, "started_at", Q(started_at__isnull=False), "pk"),
    _Source("match_declined", "match", Match, "declined_at", Q(declined_at__isnull=False), "pk"),
    _Source("goal_created", "goals", Goal, "created_at", Q(), "match_id"),
    _Source("meeting_scheduled", "meetings", Meeting, "created_at", Q(rescheduled_from__isnull=True), "match_id"),
    _Source(
        "meeting_rescheduled",
        "meetings",
        Meeting,
        "rescheduled_at",
        Q(status=Meeting.Status.RESCHEDULED, rescheduled_at__isnull=False),
        "match_id",
    ),
    _Source(
        "meeting_cancelled",
        "meetings",
        Meeting,
        "cancelled_at",
        Q(status=Meeting.Status.CANCELLED, cancelled_at__isnull=False),
        "match_id",
    ),
    _Source("meeting_held", "meetings", Meeting, "start", Q(status=Meeting.Status.COMPLETED), "match_id"),
    _Source("meeting_no_show", "meetings", Meeting, "start", Q(status=Meeting.Status.NO_SHOW), "match_id"),
    _Source("action_item_created", "action_items", ActionItem, "created_at", Q(), "match_id"),
    _Source("progress_update", "goals", ProgressUpdate, "created_at", Q(), "goal__match_id"),
    _Source("goal_feedback", "goals", Feedback, "created_at", Q(), "goal__match_id"),
    _Source("action_item_done", "action_items", ActionItem, "done_at", Q(done_at__isnull=False), "match_id"),
    _Source("milestone_done", "goals", Milestone, "done_at", Q(done_at__isnull=False), "goal__match_id"),
    _Source(
        "goal_achieved",
        "goals",
        Goal,
        "achieved_at",
        Q(status=Goal.Status.ACHIEVED, achieved_at__isnull=False),
        "match_id",
    ),
    _Source(
        "goal_dropped",
        "goals",
        Goal,
        "dropped_at",
        Q(status=Goal.Status.DROPPED, dropped_at__isnull=False),
        "match_id",
    ),
    _Source("flag_raised", "flags", Flag, "raised_at", Q(), "match_id"),
    _Source(
        "flag_resolved",
        "flags",
        Flag,
        "resolved_at",
        Q(status=Flag.Status.RESOLVED, resolved_at__isnull=False),
        "match_id",
    ),
    _Source(
        "flag_dismissed",
        "flags",
        Flag,
        "resolved_at",
        Q(status=Flag.Status.DISMISSED, resolved_at__isnull=False),
        "match_id",
    ),
    _Source("match_ended", "match", Match, "ended_at", Q(ended_at__isnull=False), "pk"),
)

# Every kind of entry, in the order of their sources.
KINDS: tuple[str, ...] = tuple(dict.fromkeys(source.key.partition(":")[0] for source in _SOURCES))


def parse_categories(values: Iterable[str] | None) -> list[str]:
    """Categories from a filter: repeated and/or comma-separated values; none means all.
    An unknown one is refused with the list of known ones."""
    chosen: list[str] = []
    for value in values or ():
        for part in str(value).split(","):
            part = part.strip()
            if not part:
                continue
            if part not in CATEGORIES:
                raise ValidationError(
                    {
                        "category": _("Unknown category “%(value)s”; choose from %(known)s.")
                        % {"value": part[:50], "known": ", ".join(CATEGORIES)}
                    }
                )
            if part not in chosen:
                chosen.append(part)
    return chosen or list(CATEGORIES)


def _when(value: datetime.datetime | None) -> str:
    return date_format(timezone.localtime(value), "j M Y, H:i") if value else ""


def _name(user: User | None) -> str:
    return user.display_name if user is not None else _("Someone")


class Timeline(Sequence):
    """A pair's history as a lazy, sliceable sequence for Django's and DRF's paginators:
    `count()` and each slice are one database query (plus one per model on the slice).

    The match must already be one the user can see (fetched through `visible_to`);
    `timeline_for` checks that itself."""

    ordered = True  # the paginators warn about unordered lists

    def __init__(self, *, match: Match, user: User, categories: Iterable[str] | None = None) -> None:
        self.match = match
        self.user = user
        self.categories = parse_categories(categories)
        self._count: int | None = None

    # --- The union --------------------------------------------------------------------

    def _events(self) -> QuerySet:
        selects = []
        for seq, source in enumerate(_SOURCES):
            if source.category not in self.categories:
                continue
            selects.append(
                source.model.objects.filter(**{source.match_field: self.match.pk})
                .filter(source.rows)
                .annotate(
                    t_at=F(source.time),
                    t_seq=Value(seq, output_field=models.IntegerField()),
                    t_key=Value(source.key, output_field=models.CharField()),
                    t_obj=F("pk"),
                )
                .order_by()
                .values("t_at", "t_seq", "t_key", "t_obj")
            )
        first, *rest = selects
        return first.union(*rest, all=True) if rest else first

    def count(self) -> int:
        if self._count is None:
            self._count = self._events().count()
        return self._count

    def __len__(self) -> int:
        return self.count()

    def __iter__(self) -> Iterator[TimelineEntry]:
        # One slice for everything, not one query per index as Sequence would do.
        return iter(self[0 : self.count()])

    def __getitem__(self, key: int | slice) -> Any:
        if isinstance(key, int):
            entries = self[key : key + 1]
            if not entries:
                raise IndexError(key)
            return entries[0]
        rows = list(self._events().order_by("-t_at", "-t_seq", "-t_obj")[key])
        return self._entries(rows)

    def latest(self, n: int) -> list[TimelineEntry]:
        """The n newest entries, without counting them all."""
        return self[0:n]

    # --- The objects of a page --------------------------------------------------------

    def _entries(self, rows: list[dict[str, Any]]) -> list[TimelineEntry]:
        wanted: dict[type[models.Model], set[int]] = defaultdict(set)
        sources = {source.key: source for source in _SOURCES}
        for row in rows:
            wanted[sources[row["t_key"]].model].add(row["t_obj"])
        objects = {model: self._fetch(model, ids) for model, ids in wanted.items()}
        entries = []
        for row in rows:
            source = sources[row["t_key"]]
            kind, _sep, side = source.key.partition(":")
            entry = TimelineEntry(at=row["t_at"], kind=kind, category=source.category, actor=None, text="")
            entry.object_id = row["t_obj"]
            obj = objects[source.model].get(row["t_obj"])
            if source.category == "goals" and obj is None:
                # Not among the goals the viewer may read: say that it happened, no more.
                _REDACTED[kind](entry)
                entries.append(entry)
                continue
            if obj is None:
                continue  # removed since the page was counted
            _DESCRIBE[kind](entry, obj, side, self)
            entries.append(entry)
        return entries

    def _fetch(self, model: type[models.Model], ids: set[int]) -> dict[int, Any]:
        user = self.user
        if model is Match:
            return {self.match.pk: self.match}
        visible_goals = Goal.objects.visible_to(user).values("pk")
        if model is Meeting:
            rows = Meeting.objects.visible_to(user).select_related(
                "organiser", "rescheduled_by", "cancelled_by", "logged_by", "rescheduled_to"
            )
        elif model is Goal:
            rows = Goal.objects.visible_to(user).select_related("created_by", "achieved_by")
        elif model is Milestone:
            rows = Milestone.objects.filter(goal__in=visible_goals).select_related("goal", "done_by")
        elif model is ProgressUpdate:
            rows = ProgressUpdate.objects.filter(goal__in=visible_goals).select_related("goal", "author")
        elif model is Feedback:
            rows = Feedback.objects.filter(goal__in=visible_goals).select_related("goal", "author")
        elif model is ActionItem:
            rows = (
                ActionItem.objects.visible_to(user)
                .select_related("owner", "created_by", "goal")
                .annotate(goal_visible=models.Exists(visible_goals.filter(pk=models.OuterRef("goal_id"))))
            )
        else:
            rows = Flag.objects.visible_to(user).select_related("resolved_by")
        return {obj.pk: obj for obj in rows.filter(pk__in=ids).order_by()}


# --- What each kind of entry says --------------------------------------------------------


def _match_url(match: Match) -> str:
    return reverse("match-detail", kwargs={"pk": match.pk})


def _side_user(match: Match, side: str) -> User:
    return match.mentor.user if side == "mentor" else match.mentee.user


def _match_proposed(entry: TimelineEntry, match: Match, side: str, timeline: Timeline) -> None:
    entry.text = _("The match was proposed.")
    entry.url = _match_url(match)


def _match_accepted(entry: TimelineEntry, match: Match, side: str, timeline: Timeline) -> None:
    entry.actor = _side_user(match, side)
    entry.text = (
        _("%(name)s accepted the match as mentor.") if side == "mentor" else _("%(name)s accepted the match as mentee.")
    ) % {"name": entry.actor.display_name}
    entry.url = _match_url(match)


def _agreement_accepted(entry: TimelineEntry, match: Match, side: str, timeline: Timeline) -> None:
    entry.actor = _side_user(match, side)
    entry.text = _("%(name)s accepted the mentoring agreement.") % {"name": entry.actor.display_name}
    entry.url = _match_url(match)


def _match_started(entry: TimelineEntry, match: Match, side: str, timeline: Timeline) -> None:
    entry.text = _("The mentoring started.")
    entry.url = _match_url(match)


def _match_declined(entry: TimelineEntry, match: Match, side: str, timeline: Timeline) -> None:
    entry.actor = match.declined_by
    entry.text = _("%(name)s declined the match.") % {"name": _name(match.declined_by)}
    entry.detail = match.decline_reason
    entry.url = _match_url(match)


def _match_ended(entry: TimelineEntry, match: Match, side: str, timeline: Timeline) -> None:
    entry.actor = match.ended_by
    entry.text = _("%(name)s ended the match: %(outcome)s.") % {
        "name": _name(match.ended_by),
        "outcome": match.get_end_outcome_display().lower() or _("ended"),
    }
    entry.detail = match.end_reason
    entry.url = _match_url(match)


def _meeting_scheduled(entry: TimelineEntry, meeting: Meeting, side: str, timeline: Timeline) -> None:
    entry.actor = meeting.organiser
    entry.text = _("%(name)s scheduled a meeting for %(when)s.") % {
        "name": _name(meeting.organiser),
        "when": _when(meeting.start),
    }
    entry.detail = meeting.agenda
    entry.url = meeting.get_absolute_url()


def _meeting_rescheduled(entry: TimelineEntry, meeting: Meeting, side: str, timeline: Timeline) -> None:
    entry.actor = meeting.rescheduled_by
    new = getattr(meeting, "rescheduled_to", None)
    if new is not None:
        entry.text = _("%(name)s moved the meeting of %(old)s to %(new)s.") % {
            "name": _name(meeting.rescheduled_by),
            "old": _when(meeting.start),
            "new": _when(new.start),
        }
        entry.url = new.get_absolute_url()
    else:
        entry.text = _("%(name)s moved the meeting of %(old)s.") % {
            "name": _name(meeting.rescheduled_by),
            "old": _when(meeting.start),
        }
        entry.url = meeting.get_absolute_url()
    entry.detail = meeting.reschedule_reason


def _meeting_cancelled(entry: TimelineEntry, meeting: Meeting, side: str, timeline: Timeline) -> None:
    entry.actor = meeting.cancelled_by
    entry.text = _("%(name)s cancelled the meeting of %(when)s: %(reason)s.") % {
        "name": _name(meeting.cancelled_by),
        "when": _when(meeting.start),
        "reason": meeting.get_cancel_reason_display().lower() or _("no reason given"),
    }
    entry.detail = meeting.cancel_note
    entry.url = meeting.get_absolute_url()


def _meeting_held(entry: TimelineEntry, meeting: Meeting, side: str, timeline: Timeline) -> None:
    entry.actor = meeting.logged_by
    entry.text = _("Meeting held.")
    if meeting.topics:
        entry.detail = _("Topics: %(topics)s") % {"topics": ", ".join(str(topic) for topic in meeting.topics)}
    entry.url = meeting.get_absolute_url()


def _meeting_no_show(entry: TimelineEntry, meeting: Meeting, side: str, timeline: Timeline) -> None:
    match = timeline.match
    entry.actor = meeting.logged_by
    absent = {
        Meeting.Absent.MENTOR: match.mentor.user.display_name,
        Meeting.Absent.MENTEE: match.mentee.user.display_name,
        Meeting.Absent.BOTH: _("%(mentor)s and %(mentee)s")
        % {"mentor": match.mentor.user.display_name, "mentee": match.mentee.user.display_name},
    }.get(meeting.absent, _("Someone"))
    entry.text = _("Missed meeting: %(who)s did not come.") % {"who": absent}
    entry.url = meeting.get_absolute_url()


def _goal_created(entry: TimelineEntry, goal: Goal, side: str, timeline: Timeline) -> None:
    entry.actor = goal.created_by
    entry.text = _("%(name)s set a goal: %(title)s") % {"name": _name(goal.created_by), "title": goal.title}
    entry.url = goal.get_absolute_url()


def _goal_achieved(entry: TimelineEntry, goal: Goal, side: str, timeline: Timeline) -> None:
    entry.actor = goal.achieved_by
    entry.text = _("Goal achieved: %(title)s") % {"title": goal.title}
    entry.celebration = True
    entry.url = goal.get_absolute_url()


def _goal_dropped(entry: TimelineEntry, goal: Goal, side: str, timeline: Timeline) -> None:
    entry.text = _("Goal dropped: %(title)s") % {"title": goal.title}
    entry.url = goal.get_absolute_url()


def _milestone_done(entry: TimelineEntry, milestone: Milestone, side: str, timeline: Timeline) -> None:
    entry.actor = milestone.done_by
    entry.text = _("Milestone reached: %(title)s (%(goal)s)") % {"title": milestone.title, "goal": milestone.goal.title}
    entry.celebration = True
    entry.url = milestone.goal.get_absolute_url()


def _progress_update(entry: TimelineEntry, update: ProgressUpdate, side: str, timeline: Timeline) -> None:
    entry.actor = update.author
    entry.text = _("%(name)s posted progress on %(title)s: %(progress)d%%") % {
        "name": _name(update.author),
        "title": update.goal.title,
        "progress": update.progress,
    }
    entry.detail = update.text
    entry.url = update.goal.get_absolute_url()


def _goal_feedback(entry: TimelineEntry, feedback: Feedback, side: str, timeline: Timeline) -> None:
    entry.actor = feedback.author
    entry.text = _("%(name)s gave feedback on %(title)s.") % {
        "name": _name(feedback.author),
        "title": feedback.goal.title,
    }
    entry.detail = feedback.text
    entry.url = feedback.goal.get_absolute_url()


def _item_detail(item: ActionItem) -> str:
    parts = [_("For %(name)s") % {"name": item.owner.display_name}]
    if item.due_on:
        parts.append(_("due %(date)s") % {"date": date_format(item.due_on, "j M Y")})
    if item.goal_id and item.goal_visible:
        parts.append(_("goal: %(title)s") % {"title": item.goal.title})
    return " · ".join(parts)


def _item_url(item: ActionItem, timeline: Timeline) -> str:
    if item.meeting_id:
        return reverse("meeting-detail", kwargs={"pk": item.meeting_id})
    return _match_url(timeline.match) + "#action-items-heading"


def _action_item_created(entry: TimelineEntry, item: ActionItem, side: str, timeline: Timeline) -> None:
    entry.actor = item.created_by
    entry.text = _("%(name)s added an action item: %(what)s") % {
        "name": _name(item.created_by),
        "what": item.description,
    }
    entry.detail = _item_detail(item)
    entry.url = _item_url(item, timeline)


def _action_item_done(entry: TimelineEntry, item: ActionItem, side: str, timeline: Timeline) -> None:
    entry.text = _("Action item done: %(what)s") % {"what": item.description}
    entry.detail = _item_detail(item)
    entry.url = _item_url(item, timeline)


def _flag_raised(entry: TimelineEntry, flag: Flag, side: str, timeline: Timeline) -> None:
    entry.text = _("Flag raised: %(kind)s.") % {"kind": flag.get_kind_display()}
    entry.url = reverse("flag-detail", kwargs={"pk": flag.pk})


def _flag_resolved(entry: TimelineEntry, flag: Flag, side: str, timeline: Timeline) -> None:
    entry.actor = flag.resolved_by
    entry.text = _("%(name)s resolved the flag “%(kind)s”.") % {
        "name": _name(flag.resolved_by),
        "kind": flag.get_kind_display(),
    }
    entry.detail = flag.resolution
    entry.url = reverse("flag-detail", kwargs={"pk": flag.pk})


def _flag_dismissed(entry: TimelineEntry, flag: Flag, side: str, timeline: Timeline) -> None:
    entry.actor = flag.resolved_by
    entry.text = _("%(name)s dismissed the flag “%(kind)s”.") % {
        "name": _name(flag.resolved_by),
        "kind": flag.get_kind_display(),
    }
    entry.detail = flag.resolution
    entry.url = reverse("flag-detail", kwargs={"pk": flag.pk})


_DESCRIBE: dict[str, Callable[[TimelineEntry, Any, str, Timeline], None]] = {
    "match_proposed": _match_proposed,
    "match_accepted": _match_accepted,
    "agreement_accepted": _agreement_accepted,
    "match_started": _match_started,
    "match_declined": _match_declined,
    "match_ended": _match_ended,
    "meeting_scheduled": _meeting_scheduled,
    "meeting_rescheduled": _meeting_rescheduled,
    "meeting_cancelled": _meeting_cancelled,
    "meeting_held": _meeting_held,
    "meeting_no_show": _meeting_no_show,
    "goal_created": _goal_created,
    "goal_achieved": _goal_achieved,
    "goal_dropped": _goal_dropped,
    "milestone_done": _milestone_done,
    "progress_update": _progress_update,
    "goal_feedback": _goal_feedback,
    "action_item_created": _action_item_created,
    "action_item_done": _action_item_done,
    "flag_raised": _flag_raised,
    "flag_resolved": _flag_resolved,
    "flag_dismissed": _flag_dismissed,
}


def _redacted(text: Any, *, celebration: bool = False) -> Callable[[TimelineEntry], None]:
    def describe(entry: TimelineEntry) -> None:
        entry.text = str(text)  # a lazy string: translated now, in the viewer's language
        entry.celebration = celebration

    return describe


# Marked for translation here, translated when an entry is built (the viewer's language).
_REDACTED: dict[str, Callable[[TimelineEntry], None]] = {
    "goal_created": _redacted(gettext_lazy("A goal was set.")),
    "goal_achieved": _redacted(gettext_lazy("A goal was achieved."), celebration=True),
    "goal_dropped": _redacted(gettext_lazy("A goal was dropped.")),
    "milestone_done": _redacted(gettext_lazy("A milestone was reached."), celebration=True),
    "progress_update": _redacted(gettext_lazy("A progress update was posted.")),
    "goal_feedback": _redacted(gettext_lazy("Feedback was given on a goal.")),
}


def timeline_source(*, match: Match, user: User, kinds: Iterable[str] | None = None) -> Timeline:
    """The pair's history as the viewer may read it; 404 when the viewer cannot see the
    match, ValidationError (field "category") for an unknown category."""
    categories = parse_categories(kinds)
    scoped = Match.objects.visible_to(user).select_related(*MATCH_RELATED).filter(pk=match.pk).first()
    if scoped is None:
        raise Http404
    return Timeline(match=scoped, user=user, categories=categories)


def timeline_for(
    *, match: Match, user: User, kinds: Iterable[str] | None = None, page: int | str = 1, per_page: int = 25
) -> Page:
    """One page of the pair's history, newest first. `kinds` are categories ("match",
    "meetings", "goals", "action_items", "flags"; none: all). Raises Http404 when the
    viewer cannot see the match, `django.core.paginator.InvalidPage` for a page that is not
    there, ValidationError for an unknown category."""
    timeline = timeline_source(match=match, user=user, kinds=kinds)
    return Paginator(timeline, per_page).page(page)
