"""`manage.py seed_demo`: demo data for the embedded default, safe to run again.

It lives in reports, the one app that may import every other, because the demo spans
them all: people and profiles, programmes with questions and participants.
"""

import zoneinfo
from datetime import datetime, time, timedelta

from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone

from matching.services import matches as match_services
from matching.services import proposals as proposal_services
from matching.services import runs as run_services
from profiles import services as profile_services
from profiles.demo import demo_people
from profiles.models import Profile, Skill, User
from programmes.models import Enrolment, Programme
from programmes.services import enrolments as enrolment_services
from programmes.services import programmes as programme_services
from reports import demo
from sessions.services import meetings as meeting_services

PROFILE_FIELDS = (
    "job_title", "department", "location", "languages", "seniority", "years_experience", "bio", "availability",
    "preferred_days", "capacity",
)  # fmt: skip
DEMO_PASSWORD = "mentoring-demo-2026"  # noqa: S105 -- printed demo login, demo data only

LEADERSHIP = {
    "slug": "leadership-accelerator",
    "name": "Leadership Accelerator",
    "description": (
        "Six months of one-to-one mentoring for people stepping into their first leadership role. "
        "Mentors are experienced managers from another department."
    ),
    "kind": Programme.Kind.ONE_TO_ONE,
    "is_open": False,
    "meeting_cadence_days": 14,
    "relationship_weeks": 26,
    "agreement_text": (
        "We agree to meet every two weeks for about an hour, to keep what we discuss confidential, "
        "to come prepared, and to tell each other early when something gets in the way."
    ),
}
WOMEN_IN_TECH = {
    "slug": "women-in-tech-circle",
    "name": "Women in Tech Circle",
    "description": (
        "An open programme pairing women in technical roles with mentors across the company. "
        "Apply as a mentor or a mentee; the coordinators review every application."
    ),
    "kind": Programme.Kind.ONE_TO_ONE,
    "is_open": True,
    "mentees_choose_mentor": True,
    "meeting_cadence_days": 21,
    "relationship_weeks": 20,
    "agreement_text": "We meet every three weeks, keep our conversations confidential and set goals together.",
}


class Command(BaseCommand):
    help = "Load demo data (idempotent): staff accounts, mentors and mentees, two programmes."

    def add_arguments(self, parser):
        parser.add_argument("--mentors", type=int, default=20)
        parser.add_argument("--mentees", type=int, default=30)

    @transaction.atomic
    def handle(self, *args, mentors: int, mentees: int, **options):
        created = self._staff() + self._people(mentors=mentors, mentees=mentees)
        coordinator = User.objects.get(email="coordinator@example.com")
        programmes = [
            self._leadership(coordinator, mentors, mentees),
            self._women_in_tech(coordinator, mentors, mentees),
        ]
        if mentors >= demo.PAIRS and mentees >= demo.PAIRS + 2:
            programmes.append(demo.seed_running_programme(coordinator))

        self.stdout.write(
            self.style.SUCCESS(f"Demo data ready ({created} new accounts, {sum(programmes)} new programmes).")
        )
        self.stdout.write(f"Sign in at /accounts/login/ with password {DEMO_PASSWORD!r} as:")
        for email, role in [
            ("admin@example.com", "site admin (Django admin at /admin/)"),
            ("hr@example.com", "HR admin"),
            ("coordinator@example.com", "coordinator of the three demo programmes"),
            ("mentor01@example.com", f"mentor (mentor01 … mentor{mentors:02d})"),
            ("mentee01@example.com", f"mentee (mentee01 … mentee{mentees:02d})"),
        ]:
            self.stdout.write(f"  {email:<26} {role}")

    def _staff(self) -> int:
        created = 0
        staff = [
            ("admin@example.com", "Site", "Admin", {"is_superuser": True}),
            ("hr@example.com", "Helena", "Richter", {"is_hr_admin": True}),
            ("coordinator@example.com", "Carmen", "Ortiz", {}),
        ]
        for email, first, last, flags in staff:
            if User.objects.filter(email=email).exists():
                continue
            user = profile_services.create_user(
                email=email, password=DEMO_PASSWORD, first_name=first, last_name=last,
                is_hr_admin=flags.get("is_hr_admin", False), email_verified=True,
            )  # fmt: skip
            if flags.get("is_superuser"):
                User.objects.filter(pk=user.pk).update(is_superuser=True, is_staff=True)
            created += 1
        return created

    def _people(self, *, mentors: int, mentees: int) -> int:
        created = 0
        for person in demo_people(mentors=mentors, mentees=mentees):
            if User.objects.filter(email=person["email"]).exists():
                continue
            user = profile_services.create_user(
                email=person["email"], password=DEMO_PASSWORD, first_name=person["first_name"],
                last_name=person["last_name"], timezone=person["timezone"], email_verified=True,
            )  # fmt: skip
            Profile.objects.filter(user=user).update(**{key: person[key] for key in PROFILE_FIELDS})
            profile = user.profile
            profile.skills_offered.set([self._skill(name) for name in person["skills_offered"]])
            profile.skills_wanted.set([self._skill(name) for name in person["skills_wanted"]])
            created += 1
        return created

    def _skill(self, name: str) -> Skill:
        return Skill.objects.filter(name__iexact=name).first() or Skill.objects.create(name=name)

    def _programme(self, spec: dict, coordinator: User) -> Programme | None:
        """The programme, enrolling, or None when an earlier run made it already."""
        if Programme.objects.filter(slug=spec["slug"]).exists():
            return None
        today = timezone.localdate()
        fields = {key: value for key, value in spec.items() if key not in {"slug", "name"}}
        programme = programme_services.create_programme(
            created_by=coordinator, name=spec["name"],
            enrolment_opens_on=today - timedelta(days=14), enrolment_closes_on=today + timedelta(days=30),
            starts_on=today + timedelta(days=45), ends_on=today + timedelta(days=45 + 7 * spec["relationship_weeks"]),
            **fields,
        )  # fmt: skip
        Programme.objects.filter(pk=programme.pk).update(slug=spec["slug"])
        programme.refresh_from_db()
        return programme_services.transition_programme(programme=programme, to_status="enrolling", by=coordinator)

    def _leadership(self, coordinator: User, mentors: int, mentees: int) -> int:
        programme = self._programme(LEADERSHIP, coordinator)
        if programme is None:
            return 0
        for label, kind, choices, audience, required in [
            ("What do you most want to get out of this programme?", "long_text", [], "mentee", True),
            ("How would you like to meet?", "single_choice", ["In person", "Video call", "Either"], "both", True),
            ("Have you mentored before?", "yes_no", [], "mentor", False),
        ]:
            programme_services.create_question(
                programme=programme, label=label, kind=kind, choices=choices, audience=audience,
                required=required, by=coordinator,
            )  # fmt: skip
        for number in range(1, min(mentors, 12) + 1):
            enrolment_services.add_participant(
                programme=programme, email=f"mentor{number:02d}@example.com", role=Enrolment.Role.MENTOR, by=coordinator
            )
        for number in range(1, min(mentees, 18) + 1):
            enrolment_services.add_participant(
                programme=programme, email=f"mentee{number:02d}@example.com", role=Enrolment.Role.MENTEE, by=coordinator
            )
        # Enrolment is done: a matching run proposes pairs for the coordinator to review
        # and publish (the worker runs it; nothing reaches participants before publish).
        programme = programme_services.transition_programme(programme=programme, to_status="matching", by=coordinator)
        run_services.start_match_run(programme=programme, by=coordinator)
        return 1

    def _women_in_tech(self, coordinator: User, mentors: int, mentees: int) -> int:
        programme = self._programme(WOMEN_IN_TECH, coordinator)
        if programme is None:
            return 0
        goal = programme_services.create_question(
            programme=programme, label="Which area do you want to grow in?", kind="single_choice",
            choices=["Technical depth", "Leadership", "Career change", "Visibility"], audience="both", required=True,
            by=coordinator,
        )  # fmt: skip
        applicants = [(f"mentor{n:02d}@example.com", "mentor") for n in range(13, mentors + 1)]
        applicants += [(f"mentee{n:02d}@example.com", "mentee") for n in range(19, mentees + 1)]
        for index, (email, role) in enumerate(applicants):
            user = User.objects.get(email=email)
            enrolment = enrolment_services.apply_to_programme(
                programme=programme, user=user, role=role, answers={goal.pk: goal.choices[index % len(goal.choices)]}
            )
            # Half the applications are already decided, so the table shows every state.
            if index % 2 == 0:
                enrolment_services.approve_enrolment(enrolment=enrolment, by=coordinator, message="Welcome aboard!")
        # Mentees choose their mentor here: approved mentees see suggestions and send requests.
        # A small demo (--mentors/--mentees) may have nobody approved yet; it stays enrolling.
        approved_roles = set(
            programme.enrolments.filter(status=Enrolment.Status.APPROVED).values_list("role", flat=True)
        )
        if approved_roles == {Enrolment.Role.MENTOR, Enrolment.Role.MENTEE}:
            for status in ("matching", "running"):
                programme = programme_services.transition_programme(
                    programme=programme, to_status=status, by=coordinator
                )
            self._active_pair(programme, coordinator, "mentor13@example.com", "mentee21@example.com")
        return 1

    def _active_pair(self, programme: Programme, coordinator: User, mentor_email: str, mentee_email: str) -> None:
        """One pair already meeting, so the pair's page, meetings and calendar have content."""
        approved = programme.enrolments.filter(status=Enrolment.Status.APPROVED).select_related("user")
        mentor = approved.filter(user__email=mentor_email, role=Enrolment.Role.MENTOR).first()
        mentee = approved.filter(user__email=mentee_email, role=Enrolment.Role.MENTEE).first()
        if mentor is None or mentee is None:
            return
        match = proposal_services.create_manual_match(
            programme=programme, mentor=mentor, mentee=mentee, by=coordinator, publish=True
        )
        for side in (mentor.user, mentee.user):
            match = match_services.accept_match(match=match, user=side, agreement_accepted=True)
        # 10:00 on a day next week, in the mentee's own time zone.
        local_day = timezone.localdate(timezone=zoneinfo.ZoneInfo(mentee.user.timezone)) + timedelta(days=5)
        start = datetime.combine(local_day, time(10, 0), tzinfo=zoneinfo.ZoneInfo(mentee.user.timezone))
        meeting_services.schedule_meeting(
            match=match, organiser=mentee.user, start=start, video_link="https://meet.example.com/women-in-tech",
            agenda="Where I want to be in a year, and the first steps.",
        )  # fmt: skip
