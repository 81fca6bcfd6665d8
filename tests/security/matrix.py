# ruff: noqa: E501 - the matrix is a table, one row per line
"""Who may do what, for every URL that names an object: the one table of the access rules.

Each row: URL name, method, URL kwargs (argument=world key, see tests/security/world.py),
the answer for each role, and optional data. Roles, in column order:

    an   anonymous
    me   the mentee of the pair (the match's mentee in the first programme)
    mr   the mentor of the pair
    op   the mentor of another pair in the same programme
    co   a coordinator of the programme
    oc   the coordinator of another programme
    hr   an HR admin
    sa   a site admin

Answers: a status code, or L for a redirect to the sign-in page (HTML, anonymous). The API
answers anonymous callers 401. Another programme's or pair's object answers 404; a visible
object the role may not change 403; a GET never changes anything (tested for every role).
A POST runs in a savepoint rolled back afterwards, so each starts from the same world; the
data of a permitted POST is usually valid, so its row shows the success code (302 for HTML
forms, 200/201/202/204 for the API), and a refused one must change nothing.
"""

import datetime
from dataclasses import dataclass
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

LOGIN = "login"
ROLES = ("anonymous", "mentee", "mentor", "other_pair", "coordinator", "other_coordinator", "hr_admin", "site_admin")
REFUSED = {LOGIN, 401, 403, 404, 405}


@dataclass(frozen=True)
class Row:
    name: str
    method: str
    kwargs: dict[str, str]
    expect: dict[str, Any]
    data: Any = None
    # API list endpoints: the model whose ids the answer lists, and the field holding them.
    lists: str = ""
    id_field: str = "id"
    api: bool = False
    format: str = "json"

    @property
    def id(self) -> str:
        return f"{self.method.upper()} {self.name}"


def _codes(expect: str) -> dict[str, Any]:
    values = expect.split()
    assert len(values) == len(ROLES), expect
    return {role: LOGIN if value == "L" else int(value) for role, value in zip(ROLES, values, strict=True)}


def _kwargs(spec: str) -> dict[str, str]:
    return dict(part.split("=") for part in spec.split()) if spec else {}


def html(name: str, method: str, kwargs: str, expect: str, data: Any = None) -> Row:
    return Row(name=name, method=method, kwargs=_kwargs(kwargs), expect=_codes(expect), data=data)


def api(name: str, method: str, kwargs: str, expect: str, data: Any = None, **options: Any) -> Row:
    return Row(name=name, method=method, kwargs=_kwargs(kwargs), expect=_codes(expect), data=data, api=True, **options)


def csv_upload() -> SimpleUploadedFile:
    """A fresh upload per request (data values may be callables, called when sent)."""
    return SimpleUploadedFile(
        "people.csv", b"email,first name,last name,role\nzed@example.com,Zed,Z,mentee\n", "text/csv"
    )


P = "slug=programme"
NEXT_WEEK = (timezone.now() + datetime.timedelta(days=10)).date().isoformat()
MEETING_FORM = {
    "day": NEXT_WEEK,
    "time": "10:00",
    "duration_minutes": "60",
    "mode": "online",
    "schedule_anyway": "True",
}
MILESTONE_ROWS = {
    "milestones-TOTAL_FORMS": "1",
    "milestones-INITIAL_FORMS": "0",
    "milestones-0-title": "Meet five people",
    "milestones-0-due_week": "4",
}
MEETING_API = {"date": NEXT_WEEK, "time": "10:00", "timezone": "UTC", "duration_minutes": 60, "mode": "online"}

# fmt: off
HTML: list[Row] = [
    # name, method, kwargs                                                              "  an  me  mr  op  co  oc  hr  sa"
    # --- people and skills ---------------------------------------------------------------
    html("profile-detail", "get", "user_id=profile",                                    "  L 200 404 404 200 404 200 200"),
    html("profile-photo", "get", "user_id=profile",                                     "  L 200 404 404 200 404 200 200"),
    html("skill-rename", "get", "pk=skill",                                             "  L 403 403 403 200 200 403 200"),
    html("skill-rename", "post", "pk=skill",                                            "  L 403 403 403 302 302 403 302", {"name": "Bargaining"}),
    html("skill-merge", "get", "pk=skill",                                              "  L 403 403 403 200 200 403 200"),
    html("skill-merge", "post", "pk=skill",                                             "  L 403 403 403 302 302 403 302", {"into": "{other_skill}"}),
    html("notification-open", "post", "pk=notification",                                "  L 302 404 404 404 404 404 404"),
    # --- programmes ------------------------------------------------------------------------
    html("programme-detail", "get", P,                                                  "  L 200 200 200 200 404 200 200"),
    html("programme-edit", "get", P,                                                    "  L 403 403 403 200 404 403 200"),
    html("programme-edit", "post", P,                                                   "  L 403 403 403 200 404 403 200", {"name": ""}),
    html("programme-archive", "post", P,                                                "  L 403 403 403 302 404 403 302"),
    html("programme-unarchive", "post", P,                                              "  L 403 403 403 302 404 403 302"),
    html("programme-transition", "post", P,                                             "  L 403 403 403 302 404 403 302", {"status": "closed"}),
    html("programme-apply", "get", P,                                                   "  L 302 302 302 403 404 403 403"),
    html("programme-apply", "post", P,                                                  "  L 302 302 302 403 404 403 403", {"role": "mentee"}),
    html("programme-coordinators", "get", P,                                            "  L 403 403 403 200 404 200 200"),
    html("programme-coordinators", "post", P,                                           "  L 403 403 403 302 404 403 302", {"email": "{hr_admin_email}"}),
    html("programme-coordinator-remove", "post", f"{P} user_id=coordinator_user",       "  L 403 403 403 302 404 403 302"),
    html("question-list", "get", P,                                                     "  L 403 403 403 200 404 200 200"),
    html("question-list", "post", P,                                                    "  L 403 403 403 302 404 403 302", {"label": "Your goal?", "kind": "short_text", "audience": "both"}),
    html("question-edit", "get", f"{P} pk=question",                                    "  L 403 403 403 200 404 403 200"),
    html("question-edit", "post", f"{P} pk=question",                                   "  L 403 403 403 302 404 403 302", {"label": "Why now?", "kind": "short_text", "audience": "both"}),
    html("question-delete", "get", f"{P} pk=question",                                  "  L 403 403 403 200 404 403 200"),
    html("question-delete", "post", f"{P} pk=question",                                 "  L 403 403 403 302 404 403 302"),
    html("question-move", "post", f"{P} pk=question",                                   "  L 403 403 403 302 404 403 302", {"direction": "up"}),
    html("programme-participants", "get", P,                                            "  L 403 403 403 200 404 200 200"),
    html("programme-participants", "post", P,                                           "  L 403 403 403 302 404 403 302", {"action": "approve", "selected": ["{enrolment}"]}),
    html("participant-add", "post", P,                                                  "  L 403 403 403 302 404 403 302", {"email": "{hr_admin_email}", "role": "mentee"}),
    html("programme-participants-csv", "get", P,                                        "  L 403 403 403 200 404 200 200"),
    # --- enrolments ------------------------------------------------------------------------
    html("enrolment-detail", "get", "pk=enrolment",                                     "  L 200 404 404 200 404 200 200"),
    html("enrolment-answers", "post", "pk=enrolment",                                   "  L 302 404 404 403 404 403 403"),
    html("enrolment-decide", "post", "pk=enrolment",                                    "  L 403 404 404 302 404 403 302", {"decision": "approve"}),
    html("enrolment-withdraw", "get", "pk=enrolment",                                   "  L 200 404 404 403 404 403 403"),
    html("enrolment-withdraw", "post", "pk=enrolment",                                  "  L 302 404 404 403 404 403 403"),
    html("enrolment-remove", "get", "pk=enrolment",                                     "  L 403 404 404 200 404 403 200"),
    html("enrolment-remove", "post", "pk=enrolment",                                    "  L 403 404 404 302 404 403 302"),
    html("enrolment-accept", "post", "pk=enrolment",                                    "  L 403 404 404 403 404 403 403"),
    html("enrolment-decline-invitation", "post", "pk=enrolment",                        "  L 403 404 404 403 404 403 403"),
    # --- invitations and imports -----------------------------------------------------------
    html("invitation-list", "get", P,                                                   "  L 404 404 404 200 404 200 200"),
    html("invitation-list", "post", P,                                                  "  L 404 404 404 302 404 403 302", {"invite-email": "newbie@example.com", "invite-role": "mentee"}),
    html("invitation-bulk", "post", P,                                                  "  L 404 404 404 302 404 403 302", {"bulk-text": "a1@example.com\na2@example.com", "bulk-role": "mentee"}),
    html("invitation-resend", "post", "pk=invitation",                                  "  L 404 404 404 302 404 403 302"),
    html("invitation-revoke", "post", "pk=invitation",                                  "  L 404 404 404 302 404 403 302"),
    html("invitation-accept", "get", "token=invitation_token",                          "200 200 200 200 200 200 200 200"),
    html("invitation-accept", "post", "token=invitation_token",                         "400 403 403 403 403 403 403 403"),
    html("import-create", "get", P,                                                     "  L 404 404 404 200 404 200 200"),
    html("import-create", "post", P,                                                    "  L 404 404 404 302 404 403 302", {"file": csv_upload}),
    html("import-template", "get", P,                                                   "  L 404 404 404 200 404 200 200"),
    html("import-detail", "get", "pk=import_job",                                       "  L 404 404 404 200 404 200 200"),
    html("import-progress", "get", "pk=import_job",                                     "  L 404 404 404 200 404 200 200"),
    html("import-confirm", "post", "pk=import_job",                                     "  L 404 404 404 302 404 403 302"),
    html("import-cancel", "post", "pk=import_job",                                      "  L 404 404 404 302 404 403 302"),
    # --- matches, requests -----------------------------------------------------------------
    html("match-detail", "get", "pk=match",                                             "  L 200 200 404 200 404 200 200"),
    html("match-accept", "post", "pk=match",                                            "  L 403 403 404 403 404 403 403"),
    html("match-decline", "post", "pk=match",                                           "  L 403 403 404 403 404 403 403", {"reason": "Not now"}),
    html("match-end", "post", "pk=match",                                               "  L 302 302 404 302 404 403 302", {"outcome": "completed"}),
    html("mentor-suggestions", "get", P,                                                "  L 200 403 403 403 404 403 403"),
    html("mentor-suggestions", "post", P,                                               "  L 403 403 403 403 404 403 403", {"mentor": "{spare_mentor_enrolment}"}),
    html("request-answer", "post", "pk=mentor_request",                                 "  L 404 302 404 403 404 403 403", {"decision": "decline", "response": "Full"}),
    html("request-withdraw", "post", "pk=mentor_request",                               "  L 404 403 404 403 404 403 403"),
    html("mentor-full", "post", "pk=mentor_enrolment",                                  "  L 404 302 404 403 404 403 403", {"full": "on"}),
    # --- coordinator matching --------------------------------------------------------------
    html("matching-home", "get", P,                                                     "  L 403 403 403 200 404 200 200"),
    html("matching-settings", "get", P,                                                 "  L 403 403 403 200 404 200 200"),
    html("matching-settings", "post", P,                                                "  L 403 403 403 200 404 403 200"),
    html("match-run-start", "post", P,                                                  "  L 403 403 403 302 404 403 302"),
    html("matching-rerun", "post", P,                                                   "  L 403 403 403 302 404 403 302"),
    html("matching-publish", "post", P,                                                 "  L 403 403 403 302 404 403 302"),
    html("manual-match", "get", P,                                                      "  L 403 403 403 200 404 403 200"),
    html("manual-match", "post", P,                                                     "  L 403 403 403 200 404 403 200"),
    html("match-list", "get", P,                                                        "  L 403 403 403 200 404 200 200"),
    html("pair-block-create", "post", P,                                                "  L 403 403 403 302 404 403 302"),
    html("pair-block-delete", "post", "pk=pair_block",                                  "  L 404 404 404 302 404 403 302"),
    html("proposal-block", "post", "pk=proposal",                                       "  L 404 404 404 302 404 403 302"),
    html("match-run-detail", "get", "pk=match_run",                                     "  L 404 404 404 200 404 200 200"),
    html("match-run-progress", "get", "pk=match_run",                                   "  L 404 404 404 200 404 200 200"),
    html("proposal-swap", "post", "pk=proposal",                                        "  L 404 404 404 302 404 403 302"),
    html("proposal-replace", "post", "pk=proposal",                                     "  L 404 404 404 302 404 403 302"),
    html("proposal-remove", "post", "pk=proposal",                                      "  L 404 404 404 302 404 403 302"),
    html("proposal-lock", "post", "pk=proposal",                                        "  L 404 404 404 302 404 403 302"),
    # --- meetings --------------------------------------------------------------------------
    html("meeting-create", "get", "pk=match",                                           "  L 200 200 404 200 404 403 403"),
    html("meeting-create", "post", "pk=match",                                          "  L 302 302 404 302 404 403 403", MEETING_FORM),
    html("action-item-add", "post", "pk=match",                                         "  L 302 302 404 403 404 403 403", {"description": "Read a book", "owner": "mentee"}),
    html("meeting-detail", "get", "pk=meeting",                                         "  L 200 200 404 200 404 200 200"),
    html("meeting-ics", "get", "pk=meeting",                                            "  L 200 200 404 200 404 200 200"),
    html("meeting-reschedule", "get", "pk=meeting",                                     "  L 200 200 404 200 404 403 403"),
    html("meeting-reschedule", "post", "pk=meeting",                                    "  L 302 302 404 302 404 403 403", {**MEETING_FORM, "reason": "Trip"}),
    html("meeting-cancel", "get", "pk=meeting",                                         "  L 200 200 404 200 404 403 403"),
    html("meeting-cancel", "post", "pk=meeting",                                        "  L 302 302 404 302 404 403 403", {"reason": "workload"}),
    html("meeting-log", "get", "pk=past_meeting",                                       "  L 200 200 404 403 404 403 403"),
    html("meeting-log", "post", "pk=past_meeting",                                      "  L 302 302 404 403 404 403 403", {"outcome": "held"}),
    html("meeting-note-add", "post", "pk=meeting",                                      "  L 302 302 404 403 404 403 403", {"text": "A note", "visibility": "shared"}),
    html("action-item-done", "post", "pk=action_item",                                  "  L 302 302 404 403 404 403 403"),
    # --- flags -----------------------------------------------------------------------------
    html("flag-list", "get", P,                                                         "  L 403 403 403 200 404 200 200"),
    html("flag-detail", "get", "pk=flag",                                               "  L 200 200 404 200 404 200 200"),
    html("flag-note-add", "post", "pk=flag",                                            "  L 403 403 404 302 404 403 302", {"text": "Called the pair"}),
    html("flag-resolve", "post", "pk=flag",                                             "  L 403 403 404 302 404 403 302", {"resolution": "They meet again"}),
    html("flag-dismiss", "post", "pk=flag",                                             "  L 403 403 404 302 404 403 302", {"reason": "False alarm"}),
    # --- action items, timeline --------------------------------------------------------------
    html("action-item-edit", "get", "pk=action_item",                                   "  L 200 200 404 403 404 403 403"),
    html("action-item-edit", "post", "pk=action_item",                                  "  L 302 302 404 403 404 403 403", {"description": "Draft the plan, v2", "owner": "mentee"}),
    html("action-item-reopen", "post", "pk=done_action_item",                           "  L 302 302 404 403 404 403 403"),
    html("match-timeline", "get", "pk=match",                                           "  L 200 200 404 200 404 200 200"),
    # --- goals -----------------------------------------------------------------------------
    html("match-goals", "get", "pk=match",                                              "  L 200 200 404 200 404 200 200"),
    html("goal-create", "get", "pk=match",                                              "  L 200 200 404 403 404 403 403"),
    html("goal-create", "post", "pk=match",                                             "  L 302 302 404 403 404 403 403", {"title": "Speak at a meetup", "manual_progress": "0"}),
    html("goal-adopt", "post", "pk=match template_pk=goal_template",                    "  L 302 302 404 403 404 403 403"),
    html("goal-detail", "get", "pk=goal",                                               "  L 200 200 404 200 404 404 200"),
    html("goal-edit", "get", "pk=goal",                                                 "  L 200 200 404 403 404 404 403"),
    html("goal-edit", "post", "pk=goal",                                                "  L 302 302 404 403 404 404 403", {"title": "Lead a bigger project"}),
    html("goal-status", "post", "pk=goal",                                              "  L 302 302 404 403 404 404 403", {"status": "achieved"}),
    html("milestone-add", "post", "pk=goal",                                            "  L 302 302 404 403 404 404 403", {"title": "Write a plan", "due_on": NEXT_WEEK}),
    html("milestone-done", "post", "pk=goal milestone_pk=milestone",                    "  L 302 302 404 403 404 404 403", {"done": "1"}),
    html("milestone-edit", "get", "pk=goal milestone_pk=milestone",                     "  L 200 200 404 403 404 404 403"),
    html("milestone-edit", "post", "pk=goal milestone_pk=milestone",                    "  L 302 302 404 403 404 404 403", {"title": "Pick it", "due_on": NEXT_WEEK}),
    html("milestone-delete", "get", "pk=goal milestone_pk=milestone",                   "  L 405 405 405 405 405 405 405"),
    html("milestone-delete", "post", "pk=goal milestone_pk=milestone",                  "  L 302 302 404 403 404 404 403"),
    html("goal-update-add", "post", "pk=goal",                                          "  L 302 302 404 403 404 404 403", {"text": "Halfway there"}),
    html("goal-feedback-add", "post", "pk=goal",                                        "  L 403 302 404 403 404 404 403", {"text": "Well done"}),
    html("goal-template-list", "get", P,                                                "  L 403 403 403 200 404 200 200"),
    html("goal-template-create", "get", P,                                              "  L 403 403 403 200 404 403 200"),
    html("goal-template-create", "post", P,                                             "  L 403 403 403 302 404 403 302", {"title": "Give a talk", "target_week": "8", "is_active": "on", **MILESTONE_ROWS}),
    html("goal-template-edit", "get", f"{P} pk=goal_template",                          "  L 403 403 403 200 404 403 200"),
    html("goal-template-edit", "post", f"{P} pk=goal_template",                         "  L 403 403 403 302 404 403 302", {"title": "Grow your network", "target_week": "10", **MILESTONE_ROWS}),
    html("goal-template-move", "post", f"{P} pk=goal_template",                         "  L 403 403 403 302 404 403 302", {"direction": "up"}),
    html("goal-template-active", "post", f"{P} pk=goal_template",                       "  L 403 403 403 302 404 403 302", {"active": "0"}),
    html("goal-template-delete", "get", f"{P} pk=goal_template",                        "  L 403 403 403 200 404 403 200"),
    html("goal-template-delete", "post", f"{P} pk=goal_template",                       "  L 403 403 403 302 404 403 302"),
    html("goal-settings", "get", P,                                                     "  L 403 403 403 200 404 200 200"),
    html("goal-settings", "post", P,                                                    "  L 403 403 403 302 404 403 302", {"overdue_grace_days": "7"}),
    # --- reports, exports, privacy ---------------------------------------------------------
    html("programme-dashboard", "get", P,                                               "  L 404 404 404 200 404 200 200"),
    html("dashboard-settings", "get", P,                                                "  L 404 404 404 200 404 403 200"),
    html("dashboard-settings", "post", P,                                               "  L 404 404 404 302 404 403 302", {"match_rate_target": "80"}),
    html("export-detail", "get", "pk=export_job",                                       "  L 404 404 404 200 404 200 200"),
    html("export-progress", "get", "pk=export_job",                                     "  L 404 404 404 200 404 200 200"),
    html("export-download", "get", "pk=export_job",                                     "  L 404 404 404 200 404 404 404"),
    html("person-erase", "get", "user_id=profile",                                      "  L 403 404 404 403 404 403 200"),
    html("person-erase", "post", "user_id=profile",                                     "  L 403 404 404 403 404 403 302", {"email": "{mentee_email}"}),
    # --- pages without a parameter that list what is yours: the leak check reads them too ---
    html("home", "get", "",                                                             "  L 200 200 200 200 200 200 200"),
    html("account", "get", "",                                                          "  L 200 200 200 200 200 200 200"),
    html("profile-edit", "get", "",                                                     "  L 200 200 200 200 200 200 200"),
    html("programme-list", "get", "",                                                   "  L 200 200 200 200 200 200 200"),
    html("my-matches", "get", "",                                                       "  L 200 200 200 200 200 200 200"),
    html("request-list", "get", "",                                                     "  L 200 200 200 200 200 200 200"),
    html("goal-list", "get", "",                                                        "  L 200 200 200 200 200 200 200"),
    html("notification-list", "get", "",                                                "  L 200 200 200 200 200 200 200"),
    html("skill-list", "get", "",                                                       "  L 200 200 200 200 200 200 200"),
    html("calendar-settings", "get", "",                                                "  L 200 200 200 200 200 200 200"),
    html("export-list", "get", "",                                                      "  L 200 200 200 200 200 200 200"),
    html("hr-overview", "get", "",                                                      "  L 403 403 403 403 403 200 200"),
    html("audit-log", "get", "",                                                        "  L 403 403 403 403 403 200 200"),
    html("account-data-export", "get", "",                                              "  L 200 200 200 200 200 200 200", {"download": "1"}),
    html("account-data-export", "post", "",                                             "  L 200 200 200 200 200 200 200"),
]

API: list[Row] = [
    # name, method, kwargs                                                              "  an  me  mr  op  co  oc  hr  sa"
    # --- people, skills, notifications -----------------------------------------------------
    api("api-profile-list", "get", "",                                                  "401 200 200 200 200 200 200 200", lists="profiles.Profile", id_field="user.id"),
    api("api-profile-detail", "get", "user_id=profile",                                 "401 200 404 404 200 404 200 200"),
    api("api-skill-list", "get", "",                                                    "401 200 200 200 200 200 200 200", lists="profiles.Skill"),
    api("api-skill-list", "post", "",                                                   "401 403 403 403 201 201 403 201", {"name": "Facilitation"}),
    api("api-skill-detail", "get", "pk=skill",                                          "401 200 200 200 200 200 200 200"),
    api("api-skill-detail", "patch", "pk=skill",                                        "401 403 403 403 200 200 403 200", {"name": "Bargaining"}),
    api("api-skill-merge", "post", "pk=skill",                                          "401 403 403 403 200 200 403 200", {"into": "{other_skill}"}),
    api("api-notification-list", "get", "",                                             "401 200 200 200 200 200 200 200", lists="notifications.Notification"),
    api("api-notification-read", "post", "pk=notification",                             "401 200 404 404 404 404 404 404"),
    # --- programmes ------------------------------------------------------------------------
    api("api-programme-list", "get", "",                                                "401 200 200 200 200 200 200 200", lists="programmes.Programme"),
    api("api-programme-list", "post", "",                                               "401 403 403 403 201 201 403 201", {"name": "New one"}),
    api("api-programme-detail", "get", P,                                               "401 200 200 200 200 404 200 200"),
    api("api-programme-detail", "patch", P,                                             "401 403 403 403 200 404 403 200", {"name": "Renamed"}),
    api("api-programme-archive", "post", P,                                             "401 403 403 403 200 404 403 200"),
    api("api-programme-unarchive", "post", P,                                           "401 403 403 403 400 404 403 400"),
    api("api-programme-transition", "post", P,                                          "401 403 403 403 200 404 403 200", {"status": "closed"}),
    api("api-programme-coordinator-add", "post", P,                                     "401 403 403 403 201 404 403 201", {"email": "{hr_admin_email}"}),
    api("api-programme-coordinator-remove", "delete", f"{P} user_id=coordinator_user",  "401 403 403 403 400 404 403 400"),
    api("api-question-list", "get", P,                                                  "401 200 200 200 200 404 200 200", lists="programmes.Question"),
    api("api-question-list", "post", P,                                                 "401 403 403 403 201 404 403 201", {"label": "Your goal?"}),
    api("api-question-reorder", "post", P,                                              "401 403 403 403 200 404 403 200", {"order": ["{question}"]}),
    api("api-question-detail", "patch", f"{P} pk=question",                             "401 403 403 403 200 404 403 200", {"label": "Why now?"}),
    api("api-question-detail", "delete", f"{P} pk=question",                            "401 403 403 403 204 404 403 204"),
    api("api-programme-enrolment-list", "get", P,                                       "401 403 403 403 200 404 200 200", lists="programmes.Enrolment"),
    api("api-programme-enrolment-list", "post", P,                                      "401 403 403 403 400 404 403 400", {"email": "newbie@example.com", "role": "mentee"}),
    api("api-programme-apply", "post", P,                                               "401 403 403 403 403 404 403 403", {"role": "mentee"}),
    # --- enrolments ------------------------------------------------------------------------
    api("api-enrolment-list", "get", "",                                                "401 200 200 200 200 200 200 200", lists="programmes.Enrolment"),
    api("api-enrolment-detail", "get", "pk=enrolment",                                  "401 200 404 404 200 404 200 200"),
    api("api-enrolment-answers", "put", "pk=enrolment",                                 "401 200 404 404 403 404 403 403", {"answers": {"{question}": "To grow"}}),
    api("api-enrolment-approve", "post", "pk=enrolment",                                "401 403 404 404 400 404 403 400", {}),
    api("api-enrolment-decline", "post", "pk=enrolment",                                "401 403 404 404 400 404 403 400", {}),
    api("api-enrolment-withdraw", "post", "pk=enrolment",                               "401 200 404 404 403 404 403 403", {}),
    api("api-enrolment-remove", "post", "pk=enrolment",                                 "401 403 404 404 200 404 403 200", {}),
    api("api-enrolment-accept", "post", "pk=enrolment",                                 "401 403 404 404 403 404 403 403"),
    api("api-enrolment-decline-invitation", "post", "pk=enrolment",                     "401 403 404 404 403 404 403 403", {}),
    # --- invitations and imports -----------------------------------------------------------
    api("api-invitation-list", "get", P,                                                "401 404 404 404 200 404 200 200", lists="programmes.Invitation"),
    api("api-invitation-list", "post", P,                                               "401 404 404 404 201 404 403 201", {"email": "newbie@example.com", "role": "mentee"}),
    api("api-invitation-bulk", "post", P,                                               "401 404 404 404 201 404 403 201", {"text": "a1@example.com\na2@example.com", "role": "mentee"}),
    api("api-invitation-detail", "get", "pk=invitation",                                "401 404 404 404 200 404 200 200"),
    api("api-invitation-resend", "post", "pk=invitation",                               "401 404 404 404 200 404 403 200"),
    api("api-invitation-revoke", "post", "pk=invitation",                               "401 404 404 404 200 404 403 200"),
    api("api-import-list", "get", P,                                                    "401 404 404 404 200 404 200 200", lists="programmes.ImportJob"),
    api("api-import-list", "post", P,                                                   "401 404 404 404 201 404 403 201", {"file": csv_upload}, format="multipart"),
    api("api-import-detail", "get", "pk=import_job",                                    "401 404 404 404 200 404 200 200"),
    api("api-import-rows", "get", "pk=import_job",                                      "401 404 404 404 200 404 200 200"),
    api("api-import-confirm", "post", "pk=import_job",                                  "401 404 404 404 202 404 403 202", {}),
    api("api-import-cancel", "post", "pk=import_job",                                   "401 404 404 404 200 404 403 200"),
    # --- matches, requests -----------------------------------------------------------------
    api("api-match-list", "get", "",                                                    "401 200 200 200 200 200 200 200", lists="matching.Match"),
    api("api-match-detail", "get", "pk=match",                                          "401 200 200 404 200 404 200 200"),
    api("api-match-accept", "post", "pk=match",                                         "401 403 403 404 403 404 403 403", {}),
    api("api-match-decline", "post", "pk=match",                                        "401 403 403 404 403 404 403 403", {"reason": "Not now"}),
    api("api-match-end", "post", "pk=match",                                            "401 200 200 404 200 404 403 200", {"outcome": "completed"}),
    api("api-mentor-suggestions", "get", P,                                             "401 200 403 403 403 404 403 403"),
    api("api-request-list", "get", "",                                                  "401 200 200 200 200 200 200 200", lists="matching.MentorRequest"),
    api("api-request-list", "post", "",                                                 "401 403 403 403 404 404 404 404", {"mentor": "{spare_mentor_enrolment}"}),
    api("api-request-detail", "get", "pk=mentor_request",                               "401 404 200 404 200 404 200 200"),
    api("api-request-accept", "post", "pk=mentor_request",                              "401 404 400 404 403 404 403 403", {}),
    api("api-request-decline", "post", "pk=mentor_request",                             "401 404 200 404 403 404 403 403", {"response": "Full"}),
    api("api-request-withdraw", "post", "pk=mentor_request",                            "401 404 403 404 403 404 403 403"),
    api("api-mentor-full", "post", "pk=mentor_enrolment",                               "401 404 200 404 403 404 403 403", {"full": True}),
    # --- coordinator matching --------------------------------------------------------------
    api("api-match-run-list", "get", P,                                                 "401 403 403 403 200 404 200 200", lists="matching.MatchRun"),
    api("api-match-run-list", "post", P,                                                "401 403 403 403 202 404 403 202"),
    api("api-match-rerun", "post", P,                                                   "401 403 403 403 202 404 403 202"),
    api("api-proposal-list", "get", P,                                                  "401 403 403 403 200 404 200 200", lists="matching.Match"),
    api("api-proposal-publish", "post", P,                                              "401 403 403 403 200 404 403 200"),
    api("api-manual-match", "post", P,                                                  "401 403 403 403 400 404 403 400", {"mentor": "{spare_mentor_enrolment}", "mentee": "{spare_mentee_enrolment}"}),
    api("api-explain-pair", "get", P,                                                   "401 403 403 403 200 404 200 200", {"mentor": "{spare_mentor_enrolment}", "mentee": "{spare_mentee_enrolment}"}),
    api("api-pair-block-list", "get", P,                                                "401 403 403 403 200 404 200 200", lists="matching.PairBlock"),
    api("api-pair-block-list", "post", P,                                               "401 403 403 403 201 404 403 201", {"mentor": "{spare_mentor_enrolment}", "mentee": "{enrolment}"}),
    api("api-pair-block-delete", "delete", "pk=pair_block",                             "401 404 404 404 204 404 403 204"),
    api("api-match-run-detail", "get", "pk=match_run",                                  "401 404 404 404 200 404 200 200"),
    api("api-proposal-swap", "post", "pk=proposal",                                     "401 404 404 404 400 404 403 400", {}),
    api("api-proposal-replace", "post", "pk=proposal",                                  "401 404 404 404 400 404 403 400", {}),
    api("api-proposal-remove", "post", "pk=proposal",                                   "401 404 404 404 204 404 403 204"),
    api("api-proposal-lock", "post", "pk=proposal",                                     "401 404 404 404 200 404 403 200"),
    api("api-proposal-unlock", "post", "pk=proposal",                                   "401 404 404 404 200 404 403 200"),
    # --- meetings --------------------------------------------------------------------------
    api("api-meeting-list", "get", "",                                                  "401 200 200 200 200 200 200 200", lists="mentoring_sessions.Meeting"),
    api("api-meeting-list", "post", "",                                                 "401 201 201 404 201 404 403 403", {**MEETING_API, "match": "{match}"}),
    api("api-action-item-list", "get", "",                                              "401 200 200 200 200 200 200 200", lists="mentoring_sessions.ActionItem"),
    api("api-action-item-list", "post", "",                                             "401 201 201 404 403 404 403 403", {"match": "{match}", "description": "Read", "owner": "mentee"}),
    api("api-action-item-complete", "post", "pk=action_item",                           "401 200 200 404 403 404 403 403"),
    api("api-meeting-detail", "get", "pk=meeting",                                      "401 200 200 404 200 404 200 200"),
    api("api-meeting-reschedule", "post", "pk=meeting",                                 "401 201 201 404 201 404 403 403", MEETING_API),
    api("api-meeting-cancel", "post", "pk=meeting",                                     "401 200 200 404 200 404 403 403", {"reason": "workload"}),
    api("api-meeting-log", "post", "pk=past_meeting",                                   "401 200 200 404 403 404 403 403", {"held": True, "topics": ["Goals"], "shared_note": "Nice"}),
    api("api-meeting-notes", "get", "pk=meeting",                                       "401 200 200 404 200 404 200 200", lists="mentoring_sessions.MeetingNote"),
    api("api-meeting-notes", "post", "pk=meeting",                                      "401 201 201 404 403 404 403 403", {"text": "A note", "visibility": "shared"}),
    # --- flags -----------------------------------------------------------------------------
    api("api-flag-list", "get", "",                                                     "401 200 200 200 200 200 200 200", lists="matching.Flag"),
    api("api-flag-detail", "get", "pk=flag",                                            "401 200 200 404 200 404 200 200"),
    api("api-flag-notes", "get", "pk=flag",                                             "401 403 403 404 200 404 200 200"),
    api("api-flag-notes", "post", "pk=flag",                                            "401 403 403 404 201 404 403 201", {"text": "Called the pair"}),
    api("api-flag-resolve", "post", "pk=flag",                                          "401 403 403 404 200 404 403 200", {"resolution": "They meet again"}),
    api("api-flag-dismiss", "post", "pk=flag",                                          "401 403 403 404 200 404 403 200", {"reason": "False alarm"}),
    # --- action items, timeline --------------------------------------------------------------
    api("api-action-item-detail", "get", "pk=action_item",                              "401 200 200 404 200 404 200 200"),
    api("api-action-item-detail", "patch", "pk=action_item",                            "401 200 200 404 403 404 403 403", {"description": "Draft the plan, v2"}),
    api("api-action-item-reopen", "post", "pk=done_action_item",                        "401 200 200 404 403 404 403 403"),
    api("api-match-timeline", "get", "pk=match",                                        "401 200 200 404 200 404 200 200"),
    # --- goals -----------------------------------------------------------------------------
    api("api-goal-list", "get", "",                                                     "401 200 200 200 200 200 200 200", lists="goals.Goal"),
    api("api-goal-list", "post", "",                                                    "401 201 201 404 403 404 403 403", {"match": "{match}", "title": "Speak at a meetup"}),
    api("api-goal-detail", "get", "pk=goal",                                            "401 200 200 404 200 404 404 200"),
    api("api-goal-detail", "patch", "pk=goal",                                          "401 200 200 404 403 404 404 403", {"title": "Lead a bigger project"}),
    api("api-goal-status", "post", "pk=goal",                                           "401 200 200 404 403 404 404 403", {"status": "achieved"}),
    api("api-goal-milestones", "get", "pk=goal",                                        "401 200 200 404 200 404 404 200"),
    api("api-goal-milestones", "post", "pk=goal",                                       "401 201 201 404 403 404 404 403", {"title": "Write a plan", "due_on": NEXT_WEEK}),
    api("api-goal-updates", "get", "pk=goal",                                           "401 200 200 404 200 404 404 200"),
    api("api-goal-updates", "post", "pk=goal",                                          "401 201 201 404 403 404 404 403", {"text": "Halfway there"}),
    api("api-goal-feedback", "get", "pk=goal",                                          "401 200 200 404 200 404 404 200"),
    api("api-goal-feedback", "post", "pk=goal",                                         "401 403 201 404 403 404 404 403", {"text": "Well done"}),
    api("api-milestone-detail", "patch", "pk=milestone",                                "401 200 200 404 403 404 404 403", {"title": "Pick it"}),
    api("api-milestone-detail", "delete", "pk=milestone",                               "401 204 204 404 403 404 404 403"),
    api("api-milestone-done", "post", "pk=milestone",                                   "401 200 200 404 403 404 404 403", {"done": True}),
    api("api-goal-template-list", "get", P,                                             "401 200 200 200 200 404 200 200", lists="goals.GoalTemplate"),
    api("api-goal-template-list", "post", P,                                            "401 403 403 403 201 404 403 201", {"title": "Give a talk", "target_week": 8}),
    api("api-goal-template-reorder", "post", P,                                         "401 403 403 403 200 404 403 200", {"order": ["{goal_template}"]}),
    api("api-goal-template-detail", "get", "pk=goal_template",                          "401 200 200 200 200 404 200 200"),
    api("api-goal-template-detail", "patch", "pk=goal_template",                        "401 403 403 403 200 404 403 200", {"title": "Grow your network"}),
    api("api-goal-template-detail", "delete", "pk=goal_template",                       "401 403 403 403 204 404 403 204"),
    api("api-goal-settings", "get", P,                                                  "401 403 403 403 200 404 200 200"),
    api("api-goal-settings", "patch", P,                                                "401 403 403 403 200 404 403 200", {"overdue_grace_days": 7}),
    api("api-goal-adopt", "post", "pk=match",                                           "401 201 201 404 403 404 403 403", {"template": "{goal_template}"}),
    # --- reports, exports, audit -----------------------------------------------------------
    api("api-programme-dashboard", "get", P,                                            "401 404 404 404 200 404 200 200"),
    api("api-export-list", "get", "",                                                   "401 200 200 200 200 200 200 200", lists="reports.ExportJob"),
    api("api-export-list", "post", "",                                                  "401 403 403 403 201 404 201 201", {"dataset": "matches", "format": "csv", "programme": "{programme}"}),
    api("api-export-detail", "get", "pk=export_job",                                    "401 404 404 404 200 404 200 200"),
    api("api-export-download", "get", "pk=export_job",                                  "401 404 404 404 200 404 404 404"),
    api("api-audit-list", "get", "",                                                    "401 403 403 403 403 403 200 200", lists="audit.AuditEvent"),
    # --- without a parameter: yours, or site-wide figures ---------------------------------
    api("api-me", "get", "",                                                            "401 200 200 200 200 200 200 200"),
    api("api-me-profile", "get", "",                                                    "401 200 200 200 200 200 200 200"),
    api("api-me-profile", "patch", "",                                                  "401 200 200 200 200 200 200 200", {"bio": "Hello"}),
    api("api-notification-preferences", "get", "",                                      "401 200 200 200 200 200 200 200"),
    api("api-notification-preferences", "put", "",                                      "401 200 200 200 200 200 200 200", {"preferences": [{"kind": "match_active", "email": False, "in_app": True}]}),
    api("api-meeting-feed", "get", "",                                                  "401 200 200 200 200 200 200 200"),
    api("api-meeting-feed", "delete", "",                                               "401 200 200 200 200 200 200 200"),
    api("api-reports-overview", "get", "",                                              "401 403 403 403 403 403 200 200"),
]
# fmt: on

# URLs with a parameter that are not in the matrix, and why.
EXEMPT: dict[str, str] = {
    # The calendar feed's token is its own credential (no login): tested on its own in
    # test_access_matrix.py::test_the_calendar_feed_token_is_its_only_key.
    "calendar-feed": "own credential",
    # Served by Django only with DEBUG on, for local development.
    "media": "development static files",
}
# Django admin, for site admins only: its own permission system (is_staff and model perms).
EXEMPT_ROUTES = ("admin/",)
# URL names from code we do not own, each with its own access rules and tests upstream.
EXEMPT_MODULES = (
    "allauth.",
    "django.contrib.admin.",
    "django.contrib.contenttypes.",  # admin's view_on_site
    "drf_spectacular.",
    "django.views.static",
)
