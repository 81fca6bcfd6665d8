"""Applications, enrolments and answers: every write, and the checks on answers."""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from notifications.services import notify
from profiles.models import User
from programmes import permissions
from programmes.models import Answer, Enrolment, Invitation, Programme, Question
from programmes.services.programmes import ensure_programme_changeable

EnrolmentStatus = Enrolment.Status
CURRENT = frozenset({EnrolmentStatus.INVITED, EnrolmentStatus.APPLIED, EnrolmentStatus.APPROVED})
LEFT = frozenset({EnrolmentStatus.WITHDRAWN, EnrolmentStatus.REMOVED})

TEXT_LIMITS = {Question.Kind.SHORT_TEXT: 500, Question.Kind.LONG_TEXT: 5000}
NUMBER_LIMIT = Decimal("1000000000000")
MESSAGE_LIMIT = 2000
YES = frozenset({"yes", "true", "1", "on"})
NO = frozenset({"no", "false", "0", "off"})


# --- Answers -----------------------------------------------------------------------------


def questions_for_role(programme: Programme, role: str) -> QuerySet[Question]:
    return programme.questions.filter(audience__in=[Question.Audience.BOTH, role])


def _is_blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip()) or (isinstance(value, list) and not value)


def _clean_value(question: Question, value: Any) -> Any:
    kind = question.kind
    if kind in TEXT_LIMITS:
        if not isinstance(value, str):
            raise ValidationError(_("Enter text."))
        text = value.strip()
        if "\x00" in text:
            # PostgreSQL cannot store NUL in JSON text; forms refuse it the same way.
            raise ValidationError(_("Null characters are not allowed."))
        if len(text) > TEXT_LIMITS[kind]:
            raise ValidationError(
                _("Keep it to %(max)d characters (this has %(length)d).")
                % {"max": TEXT_LIMITS[kind], "length": len(text)}
            )
        return text
    if kind == Question.Kind.SINGLE_CHOICE:
        if not isinstance(value, str) or value not in question.choices:
            raise ValidationError(_("Choose one of the options."))
        return value
    if kind == Question.Kind.MULTIPLE_CHOICE:
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, list | tuple) or not all(isinstance(item, str) for item in value):
            raise ValidationError(_("Choose from the options."))
        unknown = [item for item in value if item not in question.choices]
        if unknown:
            raise ValidationError(_("“%(choice)s” is not one of the options.") % {"choice": unknown[0][:100]})
        chosen = set(value)
        return [choice for choice in question.choices if choice in chosen]
    if kind == Question.Kind.NUMBER:
        if isinstance(value, bool) or not isinstance(value, int | float | str):
            raise ValidationError(_("Enter a number."))
        try:
            number = Decimal(str(value).strip())
        except InvalidOperation:
            raise ValidationError(_("Enter a number, such as 3 or 2.5.")) from None
        if not number.is_finite() or abs(number) > NUMBER_LIMIT:
            raise ValidationError(_("Enter a number between minus and plus one trillion."))
        return int(number) if number == number.to_integral_value() else float(number)
    if kind == Question.Kind.YES_NO:
        if isinstance(value, bool):
            return value
        if isinstance(value, str) and value.strip().lower() in YES | NO:
            return value.strip().lower() in YES
        raise ValidationError(_("Answer yes or no."))
    raise ValidationError(_("This question cannot be answered."))


def validate_answers(questions: Iterable[Question], role: str, raw: Mapping[Any, Any]) -> dict[int, Any]:
    """Check answers to the questions asked of `role` and return them cleaned, keyed by
    question id (`None` for unanswered ones).

    `raw` is keyed by question id (an int, its text, or `question_<id>`); values are what
    a form or JSON gives: text, a list of texts for multiple choice, a number or its text,
    yes/no as a boolean or "yes"/"no". Errors are keyed `question_<id>`, like the form
    fields, and `answers` for keys that are not questions asked of this role.
    """
    asked = {q.pk: q for q in questions if q.audience in {Question.Audience.BOTH, role}}
    errors: dict[str, list[str]] = {}
    given: dict[int, Any] = {}
    unknown: list[str] = []
    for key, value in raw.items():
        try:
            pk = int(str(key).removeprefix("question_"))
        except ValueError:
            pk = None
        if pk is None or pk not in asked:
            unknown.append(str(key)[:40])
        else:
            given[pk] = value
    if unknown:
        errors["answers"] = [
            _("Not a question asked of this role in this programme: %(keys)s.") % {"keys": ", ".join(unknown[:10])}
        ]
    cleaned: dict[int, Any] = {}
    for pk, question in asked.items():
        value = given.get(pk)
        if _is_blank(value):
            cleaned[pk] = None
            if question.required:
                errors[f"question_{pk}"] = [_("This question needs an answer.")]
            continue
        try:
            cleaned[pk] = _clean_value(question, value)
        except ValidationError as error:
            errors[f"question_{pk}"] = error.messages
    if errors:
        raise ValidationError(errors)
    return cleaned


def answer_display(question: Question, value: Any) -> str:
    """An answer as a person reads it (and as the CSV export writes it)."""
    if value is None or value in ("", []):
        return ""
    if question.kind == Question.Kind.YES_NO:
        return _("Yes") if value else _("No")
    if isinstance(value, list):
        return ", ".join(str(item) for item in value)
    return str(value)


def answers_of(enrolment: Enrolment) -> list[tuple[Question, Any]]:
    """The questions asked of this participant's role with their answers, in order."""
    stored = {answer.question_id: answer.value for answer in enrolment.answers.all()}
    return [(question, stored.get(question.pk)) for question in questions_for_role(enrolment.programme, enrolment.role)]


def _save_answers(enrolment: Enrolment, cleaned: dict[int, Any], *, drop_others: bool) -> None:
    existing = {answer.question_id: answer for answer in enrolment.answers.all()}
    new, changed, gone = [], [], []
    for question_id, value in cleaned.items():
        answer = existing.get(question_id)
        if value is None:
            if answer is not None:
                gone.append(answer.pk)
        elif answer is None:
            new.append(Answer(enrolment=enrolment, question_id=question_id, value=value))
        elif answer.value != value:
            answer.value = value
            changed.append(answer)
    if drop_others:
        gone.extend(answer.pk for question_id, answer in existing.items() if question_id not in cleaned)
    Answer.objects.filter(pk__in=gone).delete()
    Answer.objects.bulk_create(new)
    Answer.objects.bulk_update(changed, ["value"])


# --- Applying ----------------------------------------------------------------------------


def application_refusal(programme: Programme, user: User) -> str | None:
    """Why this person cannot apply to this programme now, or None when they can."""
    if not user.is_authenticated:
        return _("Sign in to apply.")
    if not permissions.can_apply_to_programme(user, programme):
        if programme.status != Programme.Status.ENROLLING or programme.archived_at is not None:
            return _("This programme is not taking applications.")
        return _("This programme takes participants by invitation only.")
    today = timezone.localdate()
    if programme.enrolment_opens_on and today < programme.enrolment_opens_on:
        return _("Applications open on %(date)s.") % {"date": date_format(programme.enrolment_opens_on)}
    if programme.enrolment_closes_on and today > programme.enrolment_closes_on:
        return _("Applications closed on %(date)s.") % {"date": date_format(programme.enrolment_closes_on)}
    if programme.coordinators.filter(pk=user.pk).exists():
        return _("You coordinate this programme, so you cannot also apply to it.")
    enrolment = programme.enrolments.filter(user=user, status__in=CURRENT).first()
    if enrolment is not None:
        if enrolment.status == EnrolmentStatus.INVITED:
            return _("You are invited to this programme: accept the invitation instead of applying.")
        return _("You are already in this programme as a %(role)s (%(status)s).") % {
            "role": enrolment.get_role_display().lower(),
            "status": enrolment.get_status_display().lower(),
        }
    return None


def _reset_for(enrolment: Enrolment, *, role: str, status: str, source: str) -> None:
    """Reuse a row for a new start: the history of earlier decisions is overwritten,
    the row (and so the person's place in reports) stays."""
    enrolment.role = role
    enrolment.status = status
    enrolment.source = source
    enrolment.decision_message = ""
    enrolment.decided_by = None
    enrolment.decided_at = None
    enrolment.left_at = None
    enrolment.left_reason = ""


def _participants_url(programme: Programme) -> str:
    return reverse("programme-participants", kwargs={"slug": programme.slug})


@transaction.atomic
def apply_to_programme(*, programme: Programme, user: User, role: str, answers: Mapping[Any, Any]) -> Enrolment:
    """Apply to an open programme as mentor or mentee; a person who left or was
    declined before applies again on their old row."""
    # The programme lock serialises applications, so one person applying twice at once
    # ends with one row.
    locked = Programme.objects.select_for_update().get(pk=programme.pk)
    refusal = application_refusal(locked, user)
    if refusal:
        raise ValidationError(refusal)
    if role not in Enrolment.Role.values:
        raise ValidationError({"role": _("Choose whether you apply as a mentor or as a mentee.")})
    cleaned = validate_answers(questions_for_role(locked, role), role, answers)
    enrolment = Enrolment.objects.filter(programme=locked, user=user).first() or Enrolment(programme=locked, user=user)
    _reset_for(enrolment, role=role, status=EnrolmentStatus.APPLIED, source=Enrolment.Source.APPLICATION)
    try:
        with transaction.atomic():
            enrolment.save()
    except IntegrityError:
        raise ValidationError(_("You have already applied to this programme.")) from None
    _save_answers(enrolment, cleaned, drop_others=True)
    notify(
        recipients=locked.coordinators.all(),
        kind="application_received",
        context={"enrolment": enrolment},
        url=_participants_url(locked) + "?status=applied",
        actor=user,
    )
    return enrolment


@transaction.atomic
def update_answers(*, enrolment: Enrolment, user: User, answers: Mapping[Any, Any]) -> Enrolment:
    """The participant replaces their answers (all of them, as the form sends them)."""
    locked = _lock(enrolment)
    if locked.user_id != user.pk:
        raise ValidationError(_("Only the participant changes their answers."))
    ensure_programme_changeable(locked.programme)
    if locked.status not in CURRENT:
        raise ValidationError(_("You can change your answers only while you take part in the programme."))
    cleaned = validate_answers(questions_for_role(locked.programme, locked.role), locked.role, answers)
    _save_answers(locked, cleaned, drop_others=False)
    return locked


# --- Decisions and leaving ---------------------------------------------------------------


def _lock(enrolment: Enrolment) -> Enrolment:
    return Enrolment.objects.select_for_update(of=("self",)).select_related("programme", "user").get(pk=enrolment.pk)


def _clean_message(text: str, field_name: str) -> str:
    text = (text or "").strip()
    if len(text) > MESSAGE_LIMIT:
        raise ValidationError(
            {
                field_name: _("Keep it to %(max)d characters (this has %(length)d).")
                % {"max": MESSAGE_LIMIT, "length": len(text)}
            }
        )
    return text


def _refusal_to_approve(enrolment: Enrolment) -> str | None:
    name = enrolment.user.display_name
    if enrolment.status == EnrolmentStatus.APPROVED:
        return _("%(name)s is already approved.") % {"name": name}
    if enrolment.status == EnrolmentStatus.INVITED:
        return _("%(name)s has not accepted the invitation yet.") % {"name": name}
    if enrolment.status in LEFT:
        return _("%(name)s has left the programme; add them again instead.") % {"name": name}
    return None


@transaction.atomic
def approve_enrolment(*, enrolment: Enrolment, by: User, message: str = "") -> Enrolment:
    """Approve an application (or change one's mind about a declined one)."""
    message = _clean_message(message, "message")
    locked = _lock(enrolment)
    ensure_programme_changeable(locked.programme)
    refusal = _refusal_to_approve(locked)
    if refusal:
        raise ValidationError(refusal)
    locked.status = EnrolmentStatus.APPROVED
    locked.decision_message = message
    locked.decided_by = by
    locked.decided_at = timezone.now()
    locked.save(update_fields=["status", "decision_message", "decided_by", "decided_at", "updated_at"])
    notify(
        recipients=[locked.user],
        kind="enrolment_approved",
        context={"enrolment": locked},
        url=locked.get_absolute_url(),
        actor=by,
    )
    return locked


@transaction.atomic
def decline_enrolment(*, enrolment: Enrolment, by: User, message: str = "") -> Enrolment:
    """Decline an application, with a message the applicant reads."""
    message = _clean_message(message, "message")
    locked = _lock(enrolment)
    ensure_programme_changeable(locked.programme)
    name = locked.user.display_name
    if locked.status == EnrolmentStatus.APPROVED:
        raise ValidationError(_("%(name)s is already approved; remove them instead.") % {"name": name})
    if locked.status == EnrolmentStatus.DECLINED:
        raise ValidationError(_("%(name)s is already declined.") % {"name": name})
    if locked.status != EnrolmentStatus.APPLIED:
        raise ValidationError(_("Only applications waiting for a decision can be declined."))
    locked.status = EnrolmentStatus.DECLINED
    locked.decision_message = message
    locked.decided_by = by
    locked.decided_at = timezone.now()
    locked.save(update_fields=["status", "decision_message", "decided_by", "decided_at", "updated_at"])
    notify(
        recipients=[locked.user],
        kind="enrolment_declined",
        context={"enrolment": locked},
        url=locked.get_absolute_url(),
        actor=by,
    )
    return locked


def _revoke_pending_invitation(enrolment: Enrolment) -> None:
    Invitation.objects.filter(
        programme_id=enrolment.programme_id,
        email__iexact=enrolment.user.email,
        status=Invitation.Status.PENDING,
    ).update(status=Invitation.Status.REVOKED, revoked_at=timezone.now())


def _leave(enrolment: Enrolment, *, status: str, reason: str) -> None:
    enrolment.status = status
    enrolment.left_at = timezone.now()
    enrolment.left_reason = reason
    enrolment.save(update_fields=["status", "left_at", "left_reason", "updated_at"])
    _revoke_pending_invitation(enrolment)


@transaction.atomic
def withdraw_enrolment(*, enrolment: Enrolment, user: User, reason: str = "") -> Enrolment:
    """The participant leaves; the row stays, and they may apply again later."""
    reason = _clean_message(reason, "reason")
    locked = _lock(enrolment)
    if locked.user_id != user.pk:
        raise ValidationError(_("Only the participant withdraws from a programme."))
    ensure_programme_changeable(locked.programme)
    if locked.status not in CURRENT:
        raise ValidationError(_("You are not taking part in this programme any more."))
    _leave(locked, status=EnrolmentStatus.WITHDRAWN, reason=reason)
    return locked


@transaction.atomic
def remove_enrolment(*, enrolment: Enrolment, by: User, reason: str = "") -> Enrolment:
    """A coordinator takes someone out of the programme; the row and its history stay."""
    reason = _clean_message(reason, "reason")
    locked = _lock(enrolment)
    ensure_programme_changeable(locked.programme)
    if locked.status in LEFT:
        raise ValidationError(_("%(name)s has already left the programme.") % {"name": locked.user.display_name})
    previous = locked.status
    _leave(locked, status=EnrolmentStatus.REMOVED, reason=reason)
    # A declined applicant was told already; everyone else hears why they are out.
    if previous != EnrolmentStatus.DECLINED:
        notify(
            recipients=[locked.user],
            kind="enrolment_removed",
            context={"enrolment": locked},
            url=locked.get_absolute_url(),
            actor=by,
        )
    return locked


@transaction.atomic
def add_participant(*, programme: Programme, email: str, role: str, by: User) -> Enrolment:
    """A coordinator adds an existing account straight in as an approved participant."""
    locked = Programme.objects.select_for_update().get(pk=programme.pk)
    ensure_programme_changeable(locked)
    if role not in Enrolment.Role.values:
        raise ValidationError({"role": _("Choose mentor or mentee.")})
    user = User.objects.filter(email__iexact=(email or "").strip()).first()
    if user is None or not user.is_active:
        raise ValidationError(
            {"email": _("No active account uses this e-mail address; invite the person to the programme instead.")}
        )
    if locked.coordinators.filter(pk=user.pk).exists():
        raise ValidationError(
            {"email": _("%(name)s coordinates this programme and cannot also take part.") % {"name": user}}
        )
    enrolment = Enrolment.objects.filter(programme=locked, user=user).first()
    if enrolment is not None and enrolment.status in CURRENT:
        raise ValidationError(
            {
                "email": _("%(name)s is already in this programme as a %(role)s (%(status)s).")
                % {
                    "name": user,
                    "role": enrolment.get_role_display().lower(),
                    "status": enrolment.get_status_display().lower(),
                }
            }
        )
    if enrolment is None:
        enrolment = Enrolment(programme=locked, user=user)
    _reset_for(enrolment, role=role, status=EnrolmentStatus.APPROVED, source=Enrolment.Source.COORDINATOR)
    enrolment.decided_by = by
    enrolment.decided_at = timezone.now()
    enrolment.save()
    return enrolment


# --- Invitations of existing accounts ----------------------------------------------------


@transaction.atomic
def accept_invited_enrolment(*, enrolment: Enrolment, user: User) -> Enrolment:
    """The invited person says yes: INVITED → APPROVED, and their pending invitation is
    marked accepted. Accepting twice (a double click, a second tab) changes nothing."""
    locked = _lock(enrolment)
    if locked.user_id != user.pk:
        raise ValidationError(_("This invitation is for someone else."))
    if locked.status == EnrolmentStatus.APPROVED:
        return locked
    ensure_programme_changeable(locked.programme)
    if locked.status != EnrolmentStatus.INVITED:
        raise ValidationError(_("There is no open invitation to accept."))
    now = timezone.now()
    locked.status = EnrolmentStatus.APPROVED
    locked.decided_by = user
    locked.decided_at = now
    locked.save(update_fields=["status", "decided_by", "decided_at", "updated_at"])
    Invitation.objects.filter(
        programme_id=locked.programme_id, email__iexact=user.email, status=Invitation.Status.PENDING
    ).update(status=Invitation.Status.ACCEPTED, accepted_at=now, accepted_by=user)
    return locked


@transaction.atomic
def decline_invited_enrolment(*, enrolment: Enrolment, user: User, reason: str = "") -> Enrolment:
    """The invited person says no; the invitation link stops working."""
    reason = _clean_message(reason, "reason")
    locked = _lock(enrolment)
    if locked.user_id != user.pk:
        raise ValidationError(_("This invitation is for someone else."))
    ensure_programme_changeable(locked.programme)
    if locked.status != EnrolmentStatus.INVITED:
        raise ValidationError(_("There is no open invitation to decline."))
    now = timezone.now()
    locked.status = EnrolmentStatus.DECLINED
    locked.decided_by = user
    locked.decided_at = now
    locked.left_at = now
    locked.left_reason = reason
    locked.save(update_fields=["status", "decided_by", "decided_at", "left_at", "left_reason", "updated_at"])
    _revoke_pending_invitation(locked)
    return locked


# --- Bulk actions of the participants table ----------------------------------------------


@dataclass
class BulkResult:
    done: int = 0
    skipped: list[tuple[Enrolment, str]] = field(default_factory=list)


def _ensure_programmes_changeable(enrolments: list[Enrolment]) -> None:
    for programme in {enrolment.programme for enrolment in enrolments}:
        ensure_programme_changeable(programme)


def bulk_approve(*, enrolments: Iterable[Enrolment], by: User) -> BulkResult:
    """Approve each; one refused row does not stop the others (each is its own transaction)."""
    enrolments = list(enrolments)
    _ensure_programmes_changeable(enrolments)
    result = BulkResult()
    for enrolment in enrolments:
        try:
            approve_enrolment(enrolment=enrolment, by=by)
        except ValidationError as error:
            result.skipped.append((enrolment, " ".join(error.messages)))
        else:
            result.done += 1
    return result


def bulk_remove(*, enrolments: Iterable[Enrolment], by: User, reason: str = "") -> BulkResult:
    """Remove each; one refused row does not stop the others (each is its own transaction)."""
    reason = _clean_message(reason, "reason")
    enrolments = list(enrolments)
    _ensure_programmes_changeable(enrolments)
    result = BulkResult()
    for enrolment in enrolments:
        try:
            remove_enrolment(enrolment=enrolment, by=by, reason=reason)
        except ValidationError as error:
            result.skipped.append((enrolment, " ".join(error.messages)))
        else:
            result.done += 1
    return result
