"""Programmes, their coordinators and their application questions: every write."""

from collections.abc import Collection, Sequence
from datetime import date
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from audit.models import AuditEvent
from audit.services import record
from profiles.models import User
from programmes.models import Answer, Enrolment, Programme, Question

Status = Programme.Status

# What a coordinator edits on the programme form; status, slug and coordinators have
# services of their own.
PROGRAMME_FIELDS = frozenset(
    {
        "name",
        "description",
        "kind",
        "schedule",
        "enrolment_opens_on",
        "enrolment_closes_on",
        "starts_on",
        "ends_on",
        "meeting_cadence_days",
        "relationship_weeks",
        "default_mentor_capacity",
        "mentees_choose_mentor",
        "match_approval",
        "is_open",
        "flag_cancellations",
        "flag_postponements",
        "flag_window_days",
        "flag_inactivity_days",
        "agreement_text",
        "retention_days",
    }
)

# The moves a programme may make; anything else is refused with the allowed ones named.
TRANSITIONS: dict[str, tuple[str, ...]] = {
    Status.DRAFT: (Status.ENROLLING,),
    Status.ENROLLING: (Status.MATCHING, Status.DRAFT),
    Status.MATCHING: (Status.RUNNING, Status.ENROLLING),
    Status.RUNNING: (Status.CLOSED,),
    Status.CLOSED: (),
}

# Paths under /programmes/ that a programme's slug must not shadow.
RESERVED_SLUGS = frozenset({"new", "enrolments", "invitations", "imports"})

EARLIEST_DATE = date(2000, 1, 1)
LATEST_DATE = date(2100, 12, 31)
MAX_PROGRAMME_DAYS = 10 * 366

QUESTION_FIELDS = frozenset({"label", "help_text", "kind", "choices", "required", "audience"})
CHOICE_KINDS = frozenset({Question.Kind.SINGLE_CHOICE, Question.Kind.MULTIPLE_CHOICE})
MAX_CHOICES = 50
MAX_CHOICE_LENGTH = 200


def _status_label(status: str) -> str:
    return str(Status(status).label).lower()


def allowed_transitions(programme: Programme) -> list[str]:
    """The statuses a programme may move to next (the rules of each move still apply)."""
    return list(TRANSITIONS[programme.status])


def ensure_programme_changeable(programme: Programme) -> None:
    """Archived and closed programmes are history: their setup and people stay as they were."""
    if programme.archived_at is not None:
        raise ValidationError(_("This programme is archived; unarchive it before changing it."))
    if programme.status == Status.CLOSED:
        raise ValidationError(_("This programme is closed; it can no longer change."))


# --- Programmes --------------------------------------------------------------------------


def _unique_slug(name: str) -> str:
    base = slugify(name)[:150].strip("-") or "programme"
    if base in RESERVED_SLUGS:
        base = f"{base}-programme"
    taken = set(Programme.objects.filter(slug__startswith=base).values_list("slug", flat=True))
    if base not in taken:
        return base
    number = 2
    while f"{base}-{number}" in taken:
        number += 1
    return f"{base}-{number}"


def _check_fields(fields: dict[str, Any]) -> None:
    unknown = set(fields) - PROGRAMME_FIELDS
    if unknown:
        raise TypeError(f"Not programme settings: {', '.join(sorted(unknown))}")


def _validate_programme(
    programme: Programme, *, previous_kind: str | None, required_dates: Collection[str] = ()
) -> None:
    """Field rules from the model plus the rules between fields, as one error per field.
    `required_dates` are the dates a cohort programme must have (once out of draft)."""
    errors: dict[str, list[str]] = {}

    def add(field: str, message: str) -> None:
        errors.setdefault(field, []).append(message)

    try:
        programme.full_clean(exclude=["slug"], validate_unique=False, validate_constraints=False)
    except ValidationError as error:
        for field, messages in error.message_dict.items():
            errors.setdefault(field, []).extend(messages)
    if not programme.name.strip():
        add("name", _("Give the programme a name."))

    dates = ["enrolment_opens_on", "enrolment_closes_on", "starts_on", "ends_on"]
    for field in dates:
        value = getattr(programme, field)
        if isinstance(value, date) and not EARLIEST_DATE <= value <= LATEST_DATE:
            add(field, _("Enter a date between 2000 and 2100."))
    if errors:
        raise ValidationError(errors)

    starts, ends = programme.starts_on, programme.ends_on
    opens, closes = programme.enrolment_opens_on, programme.enrolment_closes_on
    if starts and ends:
        if ends <= starts:
            add("ends_on", _("The programme must end after it starts."))
        elif (ends - starts).days > MAX_PROGRAMME_DAYS:
            add("ends_on", _("A programme can last at most ten years."))
    if opens and closes and closes < opens:
        add("enrolment_closes_on", _("Enrolment must close on or after the day it opens."))
    if programme.schedule == Programme.Schedule.ROLLING:
        if opens or closes:
            add(
                "enrolment_opens_on",
                _("A rolling programme takes people in at any time: leave the enrolment dates empty."),
            )
    else:
        if opens and starts and opens > starts:
            add("enrolment_opens_on", _("Enrolment must open on or before the day the programme starts."))
        if closes and ends and closes > ends:
            add("enrolment_closes_on", _("Enrolment must close before the programme ends."))
        if "starts_on" in required_dates and not starts:
            add("starts_on", _("A cohort programme needs a start date before it leaves draft."))
        if "ends_on" in required_dates and not ends:
            add("ends_on", _("A cohort programme needs an end date before it leaves draft."))
    if programme.flag_inactivity_days is not None and programme.flag_inactivity_days < programme.meeting_cadence_days:
        add(
            "flag_inactivity_days",
            _("Raise the inactivity flag no sooner than the meeting cadence (%(days)s days).")
            % {"days": programme.meeting_cadence_days},
        )
    if (
        previous_kind is not None
        and programme.kind != previous_kind
        and programme.status in {Status.MATCHING, Status.RUNNING, Status.CLOSED}
    ):
        add("kind", _("The kind of programme cannot change once matching has started."))
    if errors:
        raise ValidationError(errors)


def create_programme(*, created_by: User, name: str, **fields: Any) -> Programme:
    """A new draft programme; the person who creates it coordinates it."""
    _check_fields(fields)
    programme = Programme(name=name.strip(), created_by=created_by, status=Status.DRAFT, **fields)
    _validate_programme(programme, previous_kind=None)
    # Two programmes of the same name created at once race for one slug; the loser
    # takes the next free one.
    for _attempt in range(5):
        programme.slug = _unique_slug(programme.name)
        try:
            with transaction.atomic():
                programme.save()
                programme.coordinators.add(created_by)
        except IntegrityError:
            programme.pk = None
            continue
        return programme
    raise ValidationError(_("Could not find a free web address for this name; try another name."))


@transaction.atomic
def update_programme(*, programme: Programme, by: User, **changes: Any) -> Programme:
    """Change a programme's settings; the slug (its address) stays as it was."""
    _check_fields(changes)
    locked = Programme.objects.select_for_update().get(pk=programme.pk)
    ensure_programme_changeable(locked)
    previous_kind = locked.kind
    if "name" in changes:
        changes["name"] = changes["name"].strip()
    for field, value in changes.items():
        setattr(locked, field, value)
    # Out of draft a cohort programme keeps its dates: an edit may change them, not clear them.
    required = {"starts_on", "ends_on"} & set(changes) if locked.status != Status.DRAFT else set()
    _validate_programme(locked, previous_kind=previous_kind, required_dates=required)
    locked.save()
    return locked


@transaction.atomic
def archive_programme(*, programme: Programme, by: User) -> Programme:
    """Hide a programme from lists and freeze it; nothing is deleted."""
    locked = Programme.objects.select_for_update().get(pk=programme.pk)
    if locked.archived_at is not None:
        raise ValidationError(_("This programme is already archived."))
    locked.archived_at = timezone.now()
    locked.save(update_fields=["archived_at", "updated_at"])
    return locked


@transaction.atomic
def unarchive_programme(*, programme: Programme, by: User) -> Programme:
    locked = Programme.objects.select_for_update().get(pk=programme.pk)
    if locked.archived_at is None:
        raise ValidationError(_("This programme is not archived."))
    locked.archived_at = None
    locked.save(update_fields=["archived_at", "updated_at"])
    return locked


def _check_transition_rules(programme: Programme, to_status: str) -> None:
    current = programme.status
    if current == Status.DRAFT:
        # Leaving draft is when the setup has to be complete.
        programme.status = to_status
        try:
            _validate_programme(programme, previous_kind=programme.kind, required_dates={"starts_on", "ends_on"})
        finally:
            programme.status = current
    if current == Status.ENROLLING and to_status == Status.DRAFT:
        enrolled = programme.enrolments.current().count()
        if enrolled:
            raise ValidationError(
                ngettext(
                    "A programme goes back to draft only while nobody is enrolled; %(count)d person is.",
                    "A programme goes back to draft only while nobody is enrolled; %(count)d people are.",
                    enrolled,
                )
                % {"count": enrolled}
            )
    if to_status == Status.MATCHING:
        approved_roles = set(
            programme.enrolments.filter(status=Enrolment.Status.APPROVED).values_list("role", flat=True).distinct()
        )
        if not {Enrolment.Role.MENTOR, Enrolment.Role.MENTEE} <= approved_roles:
            raise ValidationError(_("Matching needs at least one approved mentor and one approved mentee."))


@transaction.atomic
def transition_programme(*, programme: Programme, to_status: str, by: User) -> Programme:
    """Move a programme along draft → enrolling → matching → running → closed (and the
    two steps back the coordinators may need); refused moves say what is allowed."""
    if to_status not in Status.values:
        raise ValidationError(_("“%(status)s” is not a programme status.") % {"status": to_status})
    locked = Programme.objects.select_for_update().get(pk=programme.pk)
    if locked.archived_at is not None:
        raise ValidationError(_("This programme is archived; unarchive it before changing its status."))
    current = locked.status
    if to_status == current:
        raise ValidationError(_("This programme is already %(status)s.") % {"status": _status_label(current)})
    if current == Status.CLOSED:
        raise ValidationError(_("This programme is closed, and a closed programme stays closed."))
    allowed = TRANSITIONS[current]
    if to_status not in allowed:
        raise ValidationError(
            _("A programme that is %(current)s cannot move to %(target)s; it can move to: %(allowed)s.")
            % {
                "current": _status_label(current),
                "target": _status_label(to_status),
                "allowed": ", ".join(_status_label(status) for status in allowed),
            }
        )
    _check_transition_rules(locked, to_status)
    locked.status = to_status
    fields = ["status", "updated_at"]
    if to_status == Status.CLOSED:
        # The retention period counts from here.
        locked.closed_at = timezone.now()
        fields.append("closed_at")
    locked.save(update_fields=fields)
    return locked


# --- Coordinators ------------------------------------------------------------------------


@transaction.atomic
def add_coordinator(*, programme: Programme, email: str, by: User) -> User:
    """Make an existing account a coordinator of the programme."""
    Programme.objects.select_for_update().filter(pk=programme.pk).first()
    user = User.objects.filter(email__iexact=email.strip()).first()
    if user is None or not user.is_active:
        raise ValidationError(
            {"email": _("No active account uses this e-mail address. Ask the person to sign up first.")}
        )
    if programme.coordinators.filter(pk=user.pk).exists():
        raise ValidationError({"email": _("%(name)s already coordinates this programme.") % {"name": user}})
    enrolment = programme.enrolments.current().filter(user=user).first()
    if enrolment is not None:
        raise ValidationError(
            {
                "email": _("%(name)s takes part in this programme as a %(role)s; a participant cannot coordinate it.")
                % {"name": user, "role": enrolment.get_role_display().lower()}
            }
        )
    programme.coordinators.add(user)
    record(
        actor=by,
        action=AuditEvent.Action.ROLE_CHANGED,
        programme_id=programme.pk,
        target=user,
        details={"role": "coordinator", "change": "added"},
    )
    return user


@transaction.atomic
def remove_coordinator(*, programme: Programme, user: User, by: User) -> None:
    # The lock makes two coordinators removing each other at once leave one behind.
    Programme.objects.select_for_update().filter(pk=programme.pk).first()
    coordinators = list(programme.coordinators.all())
    if user not in coordinators:
        raise ValidationError(_("%(name)s does not coordinate this programme.") % {"name": user})
    if len(coordinators) == 1:
        raise ValidationError(
            _("A programme needs at least one coordinator: add another before removing %(name)s.") % {"name": user}
        )
    programme.coordinators.remove(user)
    record(
        actor=by,
        action=AuditEvent.Action.ROLE_CHANGED,
        programme_id=programme.pk,
        target=user,
        details={"role": "coordinator", "change": "removed"},
    )


# --- Application questions ---------------------------------------------------------------


def _clean_choices(kind: str, choices: Any) -> list[str]:
    if choices in (None, ""):
        choices = []
    if not isinstance(choices, list | tuple) or not all(isinstance(choice, str) for choice in choices):
        raise ValidationError({"choices": _("Choices must be a list of texts.")})
    cleaned = [choice.strip() for choice in choices if choice.strip()]
    if kind not in CHOICE_KINDS:
        if cleaned:
            raise ValidationError({"choices": _("Only single and multiple choice questions have choices.")})
        return []
    errors = []
    seen: set[str] = set()
    for choice in cleaned:
        if len(choice) > MAX_CHOICE_LENGTH:
            errors.append(
                _("“%(choice)s…” is too long: at most %(max)d characters.")
                % {"choice": choice[:30], "max": MAX_CHOICE_LENGTH}
            )
        if choice.casefold() in seen:
            errors.append(_("“%(choice)s” is listed twice.") % {"choice": choice})
        seen.add(choice.casefold())
    if len(cleaned) > MAX_CHOICES:
        errors.append(_("At most %(max)d choices.") % {"max": MAX_CHOICES})
    if len(seen) < 2:
        errors.append(_("A choice question needs at least two different choices."))
    if errors:
        raise ValidationError({"choices": errors})
    return cleaned


def _validate_question(question: Question) -> None:
    question.label = (question.label or "").strip()
    question.help_text = (question.help_text or "").strip()
    errors: dict[str, list[str]] = {}
    try:
        question.full_clean(exclude=["programme", "position", "choices"])
    except ValidationError as error:
        errors.update(error.message_dict)
    if not question.label:
        errors["label"] = [_("Enter the question.")]
    try:
        question.choices = _clean_choices(question.kind, question.choices)
    except ValidationError as error:
        errors.update(error.message_dict)
    if errors:
        raise ValidationError(errors)


def _answer_uses(value: Any, choice: str) -> bool:
    return value == choice or (isinstance(value, list) and choice in value)


@transaction.atomic
def create_question(
    *,
    programme: Programme,
    label: str,
    by: User,
    kind: str = Question.Kind.SHORT_TEXT,
    choices: list[str] | None = None,
    help_text: str = "",
    required: bool = False,
    audience: str = Question.Audience.BOTH,
) -> Question:
    """A new application question, asked after the existing ones."""
    locked = Programme.objects.select_for_update().get(pk=programme.pk)
    ensure_programme_changeable(locked)
    question = Question(
        programme=locked,
        label=label,
        help_text=help_text,
        kind=kind,
        choices=choices or [],
        required=required,
        audience=audience,
    )
    _validate_question(question)
    last = locked.questions.aggregate(last=Max("position"))["last"]
    question.position = 0 if last is None else last + 1
    question.save()
    return question


@transaction.atomic
def update_question(*, question: Question, by: User, **changes: Any) -> Question:
    """Change a question; what would make existing answers wrong is refused."""
    unknown = set(changes) - QUESTION_FIELDS
    if unknown:
        raise TypeError(f"Not question fields: {', '.join(sorted(unknown))}")
    ensure_programme_changeable(Programme.objects.select_for_update().get(pk=question.programme_id))
    locked = Question.objects.select_for_update().get(pk=question.pk)
    previous_kind, previous_choices = locked.kind, list(locked.choices)
    for field, value in changes.items():
        setattr(locked, field, value)
    _validate_question(locked)
    answers = list(locked.answers.values_list("value", flat=True))
    if answers and locked.kind != previous_kind:
        raise ValidationError(
            {
                "kind": ngettext(
                    "This question has %(count)d answer, so its kind cannot change; add a new question instead.",
                    "This question has %(count)d answers, so its kind cannot change; add a new question instead.",
                    len(answers),
                )
                % {"count": len(answers)}
            }
        )
    removed = [choice for choice in previous_choices if choice not in locked.choices]
    in_use = [choice for choice in removed if any(_answer_uses(value, choice) for value in answers)]
    if in_use:
        raise ValidationError(
            {
                "choices": [
                    _("“%(choice)s” is an answer people gave, so it cannot be removed or renamed.") % {"choice": choice}
                    for choice in in_use
                ]
            }
        )
    locked.save()
    return locked


@transaction.atomic
def delete_question(*, question: Question, by: User) -> int:
    """Delete a question and every answer to it; returns how many answers went."""
    ensure_programme_changeable(Programme.objects.select_for_update().get(pk=question.programme_id))
    answers = Answer.objects.filter(question=question).count()
    question.delete()
    return answers


def _renumber(questions: Sequence[Question]) -> None:
    for position, question in enumerate(questions):
        if question.position != position:
            question.position = position
            question.save(update_fields=["position"])


@transaction.atomic
def move_question(*, question: Question, direction: str, by: User) -> None:
    """Swap a question with its neighbour above (`up`) or below (`down`)."""
    if direction not in {"up", "down"}:
        raise ValidationError(_("Move a question up or down."))
    locked = Programme.objects.select_for_update().get(pk=question.programme_id)
    ensure_programme_changeable(locked)
    questions = list(locked.questions.all())
    index = next((i for i, item in enumerate(questions) if item.pk == question.pk), None)
    if index is None:
        raise ValidationError(_("This question is not part of the programme."))
    other = index - 1 if direction == "up" else index + 1
    if 0 <= other < len(questions):
        questions[index], questions[other] = questions[other], questions[index]
    _renumber(questions)


@transaction.atomic
def reorder_questions(*, programme: Programme, question_ids: Sequence[int], by: User) -> list[Question]:
    """Put the programme's questions in the given order; every question exactly once."""
    locked = Programme.objects.select_for_update().get(pk=programme.pk)
    ensure_programme_changeable(locked)
    questions = {question.pk: question for question in locked.questions.all()}
    if len(question_ids) != len(set(question_ids)) or set(question_ids) != set(questions):
        raise ValidationError({"order": _("List every question of this programme exactly once.")})
    ordered = [questions[pk] for pk in question_ids]
    _renumber(ordered)
    return ordered
