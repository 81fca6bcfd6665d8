"""A person's own data, as the JSON document they download from their account page.

Reads every app's rows, so it lives in reports (the one app that may import all the others).
"""

import json
from typing import Any

from allauth.account.models import EmailAddress
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.db.models import Prefetch, Q
from django.http import HttpRequest
from django.utils import timezone

from audit.models import AuditEvent
from audit.services import record
from goals.models import Feedback, Goal, ProgressUpdate
from matching.models import Flag, Match, MentorRequest
from notifications.models import Notification
from profiles.models import Profile, User
from programmes.models import Answer, Enrolment, Invitation
from reports.models import ExportJob
from sessions.models import ActionItem, Meeting, MeetingNote


def _iso(value: Any) -> Any:
    return value.isoformat() if hasattr(value, "isoformat") else value


def _other_name(pair: Match | MentorRequest, user: User) -> str:
    other = pair.mentee.user if pair.mentor.user_id == user.pk else pair.mentor.user
    return other.display_name


def personal_data(*, user: User) -> dict[str, Any]:
    """Everything the platform holds about `user` that is theirs to take away, as plain
    JSON-ready data. Other people appear by name only (the other side of a match); notes
    are the person's own, private and shared. A fixed number of queries, whatever the size."""
    profile = Profile.objects.filter(user=user).select_related("manager").first()
    enrolments = list(
        Enrolment.objects.filter(user=user)
        .select_related("programme")
        .prefetch_related(Prefetch("answers", queryset=Answer.objects.select_related("question")))
        .order_by("pk")
    )
    own_side = Q(mentor__user=user) | Q(mentee__user=user)
    matches = list(
        Match.objects.filter(own_side)
        .exclude(status=Match.Status.DRAFT)
        .select_related("programme", "mentor__user", "mentee__user")
        .order_by("pk")
    )
    match_ids = [match.pk for match in matches]
    meetings = list(Meeting.objects.filter(match_id__in=match_ids).order_by("start", "pk"))
    notes = list(MeetingNote.objects.filter(author=user).order_by("created_at", "pk"))
    items = list(ActionItem.objects.filter(Q(owner=user) | Q(created_by=user)).order_by("pk"))
    goal_scope = Q(match__mentee__user=user, match_id__in=match_ids) | Q(created_by=user)
    goals = list(
        Goal.objects.filter(goal_scope)
        .prefetch_related("milestones", "skills")
        .select_related("match__programme")
        .order_by("pk")
    )
    goal_ids = [goal.pk for goal in goals]
    updates = list(
        ProgressUpdate.objects.filter(Q(author=user) | Q(goal_id__in=goal_ids)).select_related("author").order_by("pk")
    )
    feedback = list(
        Feedback.objects.filter(Q(author=user) | Q(goal_id__in=goal_ids)).select_related("author").order_by("pk")
    )
    requests = list(
        MentorRequest.objects.filter(own_side)
        .select_related("programme", "mentor__user", "mentee__user")
        .order_by("pk")
    )
    flags = list(Flag.objects.filter(match_id__in=match_ids).order_by("pk"))
    notifications = list(Notification.objects.filter(recipient=user).order_by("created_at", "pk"))
    exports = list(ExportJob.objects.filter(requested_by=user).select_related("programme").order_by("pk"))
    events = list(AuditEvent.objects.filter(actor=user).order_by("at", "pk"))
    invitations = list(Invitation.objects.filter(email__iexact=user.email).select_related("programme").order_by("pk"))
    addresses = list(EmailAddress.objects.filter(user=user).order_by("pk"))

    return {
        "generated_at": _iso(timezone.now()),
        "account": {
            "id": user.pk,
            "email": user.email,
            "first_name": user.first_name,
            "last_name": user.last_name,
            "timezone": user.timezone,
            "language": user.language,
            "is_hr_admin": user.is_hr_admin,
            "is_site_admin": user.is_superuser,
            "date_joined": _iso(user.date_joined),
            "last_login": _iso(user.last_login),
            "email_addresses": [
                {"email": address.email, "primary": address.primary, "verified": address.verified}
                for address in addresses
            ],
        },
        "profile": None
        if profile is None
        else {
            "job_title": profile.job_title,
            "department": profile.department,
            "location": profile.location,
            "languages": profile.languages,
            "seniority": profile.get_seniority_display() if profile.seniority else None,
            "years_experience": profile.years_experience,
            "bio": profile.bio,
            "skills_offered": sorted(skill.name for skill in profile.skills_offered.all()),
            "skills_wanted": sorted(skill.name for skill in profile.skills_wanted.all()),
            "availability": profile.availability,
            "preferred_days": profile.preferred_days,
            "preferred_times": profile.preferred_times,
            "capacity": profile.capacity,
            "is_paused": profile.is_paused,
            "manager": profile.manager.display_name if profile.manager else None,
            "has_photo": bool(profile.photo),
        },
        "enrolments": [
            {
                "id": enrolment.pk,
                "programme": enrolment.programme.name,
                "role": enrolment.role,
                "status": enrolment.status,
                "source": enrolment.source,
                "message_from_coordinator": enrolment.decision_message,
                "reason_for_leaving": enrolment.left_reason,
                "created_at": _iso(enrolment.created_at),
                "decided_at": _iso(enrolment.decided_at),
                "left_at": _iso(enrolment.left_at),
                "answers": [
                    {"question": answer.question.label, "answer": answer.value} for answer in enrolment.answers.all()
                ],
            }
            for enrolment in enrolments
        ],
        "invitations": [
            {
                "programme": invitation.programme.name,
                "role": invitation.role,
                "status": invitation.status,
                "created_at": _iso(invitation.created_at),
                "accepted_at": _iso(invitation.accepted_at),
            }
            for invitation in invitations
        ],
        "matches": [
            {
                "id": match.pk,
                "programme": match.programme.name,
                "my_role": "mentor" if match.mentor.user_id == user.pk else "mentee",
                "other_person": _other_name(match, user),
                "status": match.status,
                "score": match.score,
                "published_at": _iso(match.published_at),
                "started_at": _iso(match.started_at),
                "declined_at": _iso(match.declined_at),
                "decline_reason": match.decline_reason,
                "ended_at": _iso(match.ended_at),
                "end_outcome": match.end_outcome,
                "end_reason": match.end_reason,
            }
            for match in matches
        ],
        "mentor_requests": [
            {
                "programme": request.programme.name,
                "my_role": "mentor" if request.mentor.user_id == user.pk else "mentee",
                "other_person": _other_name(request, user),
                "status": request.status,
                "message": request.message,
                "response": request.response,
                "created_at": _iso(request.created_at),
                "answered_at": _iso(request.answered_at),
            }
            for request in requests
        ],
        "meetings": [
            {
                "id": meeting.pk,
                "match": meeting.match_id,
                "start": _iso(meeting.start),
                "duration_minutes": meeting.duration_minutes,
                "mode": meeting.mode,
                "place": meeting.place,
                "video_link": meeting.video_link,
                "agenda": meeting.agenda,
                "status": meeting.status,
                "cancel_reason": meeting.cancel_reason,
                "cancel_note": meeting.cancel_note,
                "reschedule_reason": meeting.reschedule_reason,
                "absent": meeting.absent,
                "topics": meeting.topics,
            }
            for meeting in meetings
        ],
        "my_meeting_notes": [
            {
                "meeting": note.meeting_id,
                "visibility": note.visibility,
                "text": note.text,
                "created_at": _iso(note.created_at),
                "updated_at": _iso(note.updated_at),
            }
            for note in notes
        ],
        "action_items": [
            {
                "match": item.match_id,
                "meeting": item.meeting_id,
                "mine": item.owner_id == user.pk,
                "description": item.description,
                "due_on": _iso(item.due_on),
                "done_at": _iso(item.done_at),
            }
            for item in items
        ],
        "goals": [
            {
                "id": goal.pk,
                "match": goal.match_id,
                "programme": goal.match.programme.name,
                "title": goal.title,
                "why": goal.why,
                "success_measure": goal.success_measure,
                "target_date": _iso(goal.target_date),
                "status": goal.status,
                "progress": goal.progress,
                "skills": sorted(skill.name for skill in goal.skills.all()),
                "milestones": [
                    {"title": milestone.title, "due_on": _iso(milestone.due_on), "done_at": _iso(milestone.done_at)}
                    for milestone in goal.milestones.all()
                ],
            }
            for goal in goals
        ],
        "progress_updates": [
            {
                "goal": update.goal_id,
                "by_me": update.author_id == user.pk,
                "text": update.text,
                "progress": update.progress,
                "created_at": _iso(update.created_at),
            }
            for update in updates
        ],
        "goal_feedback": [
            {
                "goal": item.goal_id,
                "update": item.update_id,
                "by_me": item.author_id == user.pk,
                "text": item.text,
                "created_at": _iso(item.created_at),
            }
            for item in feedback
        ],
        "flags_about_my_matches": [
            {
                "match": flag.match_id,
                "kind": flag.kind,
                "status": flag.status,
                "raised_at": _iso(flag.raised_at),
                "resolved_at": _iso(flag.resolved_at),
                "resolution": flag.resolution,
            }
            for flag in flags
        ],
        "notifications": [
            {
                "kind": notification.kind,
                "title": notification.title,
                "body": notification.body,
                "created_at": _iso(notification.created_at),
                "read_at": _iso(notification.read_at),
            }
            for notification in notifications
        ],
        "export_jobs": [
            {
                "dataset": job.dataset,
                "format": job.format,
                "programme": job.programme.name if job.programme else None,
                "status": job.status,
                "rows": job.rows,
                "created_at": _iso(job.created_at),
            }
            for job in exports
        ],
        "audit_events_by_me": [
            {
                "at": _iso(event.at),
                "action": event.action,
                "programme_id": event.programme_id,
                "target_type": event.target_type,
                "target_id": event.target_id,
                "details": event.details,
                "ip_address": event.ip_address,
            }
            for event in events
        ],
    }


@transaction.atomic
def export_personal_data(*, user: User, request: HttpRequest | None = None) -> bytes:
    """The person's own data as a JSON document (UTF-8); the download is audited."""
    data = personal_data(user=user)
    record(actor=user, action=AuditEvent.Action.DATA_DOWNLOADED, target=user, request=request)
    return json.dumps(data, cls=DjangoJSONEncoder, ensure_ascii=False, indent=2).encode()
