"""Accountability: action items that are late, on the pair's page and in a reminder to
their owner.

Decisions:
- An open action item is overdue once its due date is before its owner's today, in the
  owner's time zone (a mentee in Auckland is late a day before one in Honolulu). The
  pages mark overdue items by the same rule, so what the page says and what the reminder
  says agree.
- The owner is reminded once per item and due date: the sweep claims an
  `ActionItemReminder(item, due_on)` row (unique), like meeting reminders claim theirs.
  The insert, the notification and `sent_at` commit together per batch, so a sweep that
  dies leaves nothing claimed, and a concurrent sweep's insert waits on the conflicting
  row and then finds it sent. Moving the due date allows one new reminder for the new
  date; ticking the item done stops them; un-doing it does not repeat a reminder already
  sent for the same date.
- Only items of published matches that are not over (proposed, accepted, active) are
  reminded: nobody is chased about a mentoring that ended.
- Someone with several items late at once gets one message listing them, not one each.
"""

import datetime
import zoneinfo
from collections import defaultdict
from collections.abc import Iterable

from django.db import transaction
from django.db.models import Exists, F, OuterRef, QuerySet
from django.urls import reverse
from django.utils import timezone

from goals.models import Goal
from matching.models import Match
from notifications.services import notify
from profiles.models import User
from sessions.models import ActionItem, ActionItemReminder

BATCH_SIZE = 500
# A sweep stops after this many batches; the next sweep carries on.
MAX_BATCHES = 40
# The furthest time zones are 14 hours ahead of UTC: no owner's today is later than this.
MAX_AHEAD = datetime.timedelta(hours=14)


# --- Reading -------------------------------------------------------------------------------


def _zone(name: str) -> zoneinfo.ZoneInfo | datetime.timezone:
    try:
        return zoneinfo.ZoneInfo(name) if name else datetime.UTC
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return datetime.UTC


def owner_today(owner: User, now: datetime.datetime | None = None) -> datetime.date:
    """The date it is for the owner of an item, in their own time zone."""
    return timezone.localtime(now or timezone.now(), _zone(owner.timezone)).date()


def is_overdue(item: ActionItem, now: datetime.datetime | None = None) -> bool:
    """Open, with a due date before its owner's today (the owner must be loaded)."""
    return item.done_at is None and item.due_on is not None and item.due_on < owner_today(item.owner, now)


def action_items_for_display(items: QuerySet[ActionItem], *, user: User, limit: int | None = None) -> list[ActionItem]:
    """Items ready for a page, in one query: `overdue` set and overdue ones first (oldest
    due date first), then open ones by due date, then done ones; `goal_visible` says
    whether the viewer may read the linked goal's title (HR admins only where the
    programme allows it). `limit` keeps the first rows in the queryset's own order."""
    goal_visible = Exists(Goal.objects.visible_to(user).filter(pk=OuterRef("goal_id")))
    rows = items.select_related("owner", "goal").annotate(goal_visible=goal_visible)
    rows = list(rows[:limit] if limit is not None else rows)
    now = timezone.now()
    for item in rows:
        item.overdue = is_overdue(item, now)
    return sorted(
        rows,
        key=lambda item: (
            item.done_at is not None,
            not item.overdue,
            item.due_on is None,
            item.due_on or datetime.date.max,
            item.pk,
        ),
    )


# --- Overdue reminders ---------------------------------------------------------------------


def _candidates(now: datetime.datetime) -> QuerySet[ActionItem]:
    """Open items of live published matches, due before the latest today on Earth and not
    yet reminded for their current due date; each owner's own today is checked after. A
    claim left unsent (its item's date moved while a sweep claimed it) is picked again."""
    reminded = ActionItemReminder.objects.filter(item=OuterRef("pk"), due_on=OuterRef("due_on"), sent_at__isnull=False)
    return (
        ActionItem.objects.filter(
            done_at__isnull=True,
            due_on__lt=(now + MAX_AHEAD).date(),
            match__status__in=Match.PUBLISHED_LIVE_STATUSES,
        )
        .filter(~Exists(reminded))
        .select_related("owner", "goal", "match__programme", "match__mentor__user", "match__mentee__user")
        .order_by("pk")
    )


def send_overdue_action_item_reminders(*, now: datetime.datetime | None = None) -> int:
    """Remind the owner of every open action item that became overdue; returns how many
    items this sweep reminded about. Safe to run twice or at once."""
    now = now or timezone.now()
    reminded = 0
    last_pk = 0
    for _batch in range(MAX_BATCHES):
        items = list(_candidates(now).filter(pk__gt=last_pk)[:BATCH_SIZE])
        if not items:
            break
        last_pk = items[-1].pk
        due = [item for item in items if is_overdue(item, now)]
        if due:
            reminded += _claim_and_remind(due, now)
        if len(items) < BATCH_SIZE:
            break
    return reminded


def _claim_and_remind(items: list[ActionItem], now: datetime.datetime) -> int:
    by_id = {item.pk: item for item in items}
    with transaction.atomic():
        ActionItemReminder.objects.bulk_create(
            [ActionItemReminder(item_id=item.pk, due_on=item.due_on) for item in items], ignore_conflicts=True
        )
        # Rows another sweep holds are skipped (PostgreSQL); rows it committed are sent.
        # Re-reading the item drops one ticked done or moved to another date since the scan.
        claimed = list(
            ActionItemReminder.objects.select_for_update(skip_locked=True, of=("self",))
            .filter(
                item_id__in=list(by_id),
                sent_at__isnull=True,
                due_on=F("item__due_on"),
                item__done_at__isnull=True,
            )
            .order_by("pk")
        )
        by_owner: dict[int, list[ActionItem]] = defaultdict(list)
        for reminder in claimed:
            item = by_id[reminder.item_id]
            by_owner[item.owner_id].append(item)
        for owner_items in by_owner.values():
            _remind(owner_items, now)
        ActionItemReminder.objects.filter(pk__in=[reminder.pk for reminder in claimed]).update(sent_at=now)
    return len(claimed)


def _remind(items: Iterable[ActionItem], now: datetime.datetime) -> None:
    items = sorted(items, key=lambda item: (item.due_on, item.pk))
    first = items[0]
    owner = first.owner
    today = owner_today(owner, now)
    for item in items:
        item.days_overdue = (today - item.due_on).days
        match = item.match
        item.other = match.mentee.user if match.mentor.user_id == owner.pk else match.mentor.user
    matches = {item.match_id for item in items}
    url = reverse("match-detail", kwargs={"pk": first.match_id}) if len(matches) == 1 else reverse("my-matches")
    notify(
        recipients=[owner],
        kind="action_item_overdue",
        context={"item": first, "items": items, "count": len(items)},
        url=url,
    )
