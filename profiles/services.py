import io
import re
import uuid
from collections.abc import Iterable
from enum import Enum
from typing import Final

from allauth.account.models import EmailAddress
from django.core.exceptions import ValidationError
from django.core.files import File
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.db.models.functions import Lower
from django.http import HttpRequest
from django.utils.translation import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError
from rest_framework.authtoken.models import Token

from audit.models import AuditEvent
from audit.services import record
from profiles.models import Profile, Skill, User


@transaction.atomic
def create_user(
    *,
    email: str,
    password: str | None = None,
    first_name: str = "",
    last_name: str = "",
    timezone: str = "UTC",
    language: str = "en",
    is_hr_admin: bool = False,
    email_verified: bool = False,
) -> User:
    """Create a user with their profile and their allauth e-mail record.

    `email_verified` is for people whose address the organisation vouches for (demo
    data, imports by a coordinator); everyone else verifies through allauth.
    """
    user = User(
        email=User.objects.normalize_email(email).lower(),
        first_name=first_name,
        last_name=last_name,
        timezone=timezone,
        language=language,
        is_hr_admin=is_hr_admin,
    )
    user.set_password(password)
    user.full_clean(exclude=["password"])
    user.save()
    Profile.objects.create(user=user)
    EmailAddress.objects.create(user=user, email=user.email, primary=True, verified=email_verified)
    return user


def get_profile(*, user: User) -> Profile:
    """The user's profile; created on first use for accounts made outside our services
    (Django admin, createsuperuser)."""
    profile, _created = Profile.objects.get_or_create(user=user)
    return profile


@transaction.atomic
def regenerate_api_token(*, user: User) -> Token:
    Token.objects.filter(user=user).delete()
    return Token.objects.create(user=user)


def revoke_api_token(*, user: User) -> None:
    Token.objects.filter(user=user).delete()


@transaction.atomic
def set_hr_admin(*, user: User, value: bool, by: User, request: HttpRequest | None = None) -> User:
    """Grant or withdraw the HR admin role (site admins do it in Django admin); a change is
    audited, setting the value a person already has is a no-op."""
    locked = User.objects.select_for_update().get(pk=user.pk)
    if locked.is_hr_admin != value:
        locked.is_hr_admin = value
        locked.save(update_fields=["is_hr_admin"])
        record(
            actor=by,
            action=AuditEvent.Action.ROLE_CHANGED,
            target=locked,
            details={"role": "hr_admin", "change": "added" if value else "removed"},
            request=request,
        )
    user.is_hr_admin = value
    return user


# --- profile photos --------------------------------------------------------------------

MAX_PHOTO_BYTES: Final = 2 * 1024 * 1024
# Pillow format name → file extension and content type of what we store.
PHOTO_FORMATS: Final = {"JPEG": ("jpg", "image/jpeg"), "PNG": ("png", "image/png"), "WEBP": ("webp", "image/webp")}
# A small file can still decode into a huge bitmap (a "decompression bomb").
MAX_PHOTO_PIXELS: Final = 40_000_000
PHOTO_EDGE: Final = 512


def validate_photo(upload: File) -> str:
    """Check an uploaded photo without decoding it: size, and a JPEG, PNG or WebP header
    that Pillow accepts. Returns Pillow's format name."""
    if upload.size is not None and upload.size > MAX_PHOTO_BYTES:
        raise ValidationError(
            _("The photo is %(size).1f MiB; the limit is 2 MiB."), params={"size": upload.size / 1024 / 1024}
        )
    try:
        upload.seek(0)
        with Image.open(upload) as image:
            image_format = image.format
            width, height = image.size
            image.verify()
    except (UnidentifiedImageError, Image.DecompressionBombError, OSError, SyntaxError, ValueError) as error:
        raise ValidationError(_("The file is not an image we can read: use a JPEG, PNG or WebP photo.")) from error
    finally:
        upload.seek(0)
    if image_format not in PHOTO_FORMATS:
        raise ValidationError(
            _("Photos must be JPEG, PNG or WebP; this file is %(format)s."), params={"format": image_format}
        )
    if width * height > MAX_PHOTO_PIXELS:
        raise ValidationError(
            _("The photo is %(width)d by %(height)d pixels: too large to process."),
            params={"width": width, "height": height},
        )
    return image_format


def prepare_photo(upload: File) -> ContentFile:
    """Validate, then re-encode at most 512 px wide: what we store and serve is our own
    file, stripped of metadata (GPS position in EXIF) and of anything hidden after the image."""
    image_format = validate_photo(upload)
    try:
        with Image.open(upload) as original:
            image = ImageOps.exif_transpose(original)
            image.thumbnail((PHOTO_EDGE, PHOTO_EDGE))
            if image_format == "JPEG" and image.mode not in ("RGB", "L"):
                image = image.convert("RGB")
            buffer = io.BytesIO()
            image.save(buffer, format=image_format)
    except (OSError, SyntaxError, ValueError, Image.DecompressionBombError) as error:
        raise ValidationError(_("The file is not an image we can read: use a JPEG, PNG or WebP photo.")) from error
    finally:
        upload.seek(0)
    extension, _content_type = PHOTO_FORMATS[image_format]
    # A random name: nothing of the uploader's file name ends up on disk or in a URL.
    return ContentFile(buffer.getvalue(), name=f"{uuid.uuid4().hex}.{extension}")


def photo_content_type(name: str) -> str:
    extension = name.rsplit(".", 1)[-1].lower()
    types = dict(PHOTO_FORMATS.values())
    return types.get(extension, "application/octet-stream")


# --- resolving references ----------------------------------------------------------------


def normalise_skill_name(name: str) -> str:
    return re.sub(r"\s+", " ", name).strip()


def resolve_skills(values: Iterable[Skill | int | str]) -> list[Skill]:
    """Skills from instances, ids or names (case-insensitive), in the order given, each
    once. Unknown ids or names are an error that names them: people pick from the
    taxonomy; only coordinators add to it."""
    given = list(values)
    ids = {value for value in given if isinstance(value, int) and not isinstance(value, bool)}
    names = {normalise_skill_name(value).lower() for value in given if isinstance(value, str)} - {""}
    by_id = Skill.objects.in_bulk(ids) if ids else {}
    by_name: dict[str, Skill] = {}
    if names:
        lowered = Skill.objects.annotate(lower_name=Lower("name")).filter(lower_name__in=names)
        by_name = {skill.lower_name: skill for skill in lowered}
    skills: dict[int, Skill] = {}
    unknown: list[str] = []
    for value in given:
        if isinstance(value, Skill):
            skill = value
        elif isinstance(value, int) and not isinstance(value, bool):
            skill = by_id.get(value)
        elif isinstance(value, str):
            if not normalise_skill_name(value):
                continue
            skill = by_name.get(normalise_skill_name(value).lower())
        else:
            raise ValidationError(_("Give skills by id or by name."))
        if skill is None:
            unknown.append(str(value))
        else:
            skills.setdefault(skill.pk, skill)
    if unknown:
        raise ValidationError(
            _("Unknown skill(s): %(names)s. Choose skills from the list; a coordinator can add new ones."),
            params={"names": ", ".join(f"“{name}”" for name in unknown)},
        )
    return list(skills.values())


def resolve_manager(*, user: User, value: User | str | None) -> User | None:
    """The manager from an instance or an e-mail address; never the person themselves."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, User):
        manager = value
    else:
        email = value.strip()
        manager = User.objects.filter(email__iexact=email, is_active=True).first()
        if manager is None:
            raise ValidationError(_("No one here has the e-mail address %(email)s."), params={"email": email})
    if manager.pk == user.pk:
        raise ValidationError(_("You cannot be your own manager."))
    return manager


# --- updating a profile -------------------------------------------------------------------


class Unset(Enum):
    """Marks a field the caller did not send, so a PATCH changes only what it names."""

    UNSET = "unset"


UNSET: Final = Unset.UNSET

USER_FIELDS: Final = ("first_name", "last_name", "timezone", "language")
PROFILE_FIELDS: Final = (
    "job_title", "department", "location", "languages", "seniority", "years_experience", "bio", "availability",
    "preferred_days", "preferred_times", "capacity", "is_paused",
)  # fmt: skip


def update_profile(
    *,
    user: User,
    first_name: str | Unset = UNSET,
    last_name: str | Unset = UNSET,
    timezone: str | Unset = UNSET,
    language: str | Unset = UNSET,
    photo: File | Unset | None = UNSET,
    remove_photo: bool = False,
    job_title: str | Unset = UNSET,
    department: str | Unset = UNSET,
    location: str | Unset = UNSET,
    languages: list[str] | Unset = UNSET,
    seniority: int | Unset | None = UNSET,
    years_experience: int | Unset | None = UNSET,
    bio: str | Unset = UNSET,
    skills_offered: Iterable[Skill | int | str] | Unset = UNSET,
    skills_wanted: Iterable[Skill | int | str] | Unset = UNSET,
    availability: str | Unset = UNSET,
    preferred_days: list[int] | Unset = UNSET,
    preferred_times: list[str] | Unset = UNSET,
    capacity: int | Unset = UNSET,
    is_paused: bool | Unset = UNSET,
    manager: User | str | Unset | None = UNSET,
) -> Profile:
    """Change a person's own profile and account details; only the fields given change.

    Every problem is collected and raised together as a ValidationError keyed by field,
    so a form or an API client sees all of them at once. The photo is decoded and
    written outside the transaction (slow file work), and removed again if the save fails.
    """
    given = {key: value for key, value in locals().items() if value is not UNSET and key != "user"}
    profile = get_profile(user=user)
    # A fresh copy: a failed validation must not leave half-applied values on request.user.
    account = profile.user = User.objects.get(pk=user.pk)
    errors: dict[str, list[str]] = {}

    new_photo: ContentFile | None = None
    if given.get("photo") is not None:
        try:
            new_photo = prepare_photo(given["photo"])
        except ValidationError as error:
            errors["photo"] = error.messages

    if "preferred_days" in given and isinstance(given["preferred_days"], list):
        given["preferred_days"] = _sorted_unique(given["preferred_days"])
    if "preferred_times" in given and isinstance(given["preferred_times"], list):
        given["preferred_times"] = _sorted_unique(given["preferred_times"], order=["morning", "afternoon", "evening"])
    if "languages" in given and isinstance(given["languages"], list):
        given["languages"] = list(dict.fromkeys(given["languages"]))
    for field in ("first_name", "last_name", "job_title", "department", "location"):
        if isinstance(given.get(field), str):
            given[field] = given[field].strip()

    user_changes = [field for field in USER_FIELDS if field in given]
    for field in user_changes:
        setattr(account, field, given[field])
    if "timezone" in given:
        account.timezone_confirmed = True
    profile_changes = [field for field in PROFILE_FIELDS if field in given]
    for field in profile_changes:
        setattr(profile, field, given[field])
    _collect(errors, account, exclude=[f.name for f in User._meta.fields if f.name not in user_changes])
    _collect(errors, profile, exclude=[f.name for f in Profile._meta.fields if f.name not in profile_changes])

    resolved: dict[str, object] = {}
    for field in ("skills_offered", "skills_wanted"):
        if field in given:
            try:
                resolved[field] = resolve_skills(given[field])
            except ValidationError as error:
                errors[field] = error.messages
    if "manager" in given:
        try:
            resolved["manager"] = resolve_manager(user=account, value=given["manager"])
        except ValidationError as error:
            errors["manager"] = error.messages
    if errors:
        raise ValidationError(errors)

    old_photo = profile.photo.name if (new_photo is not None or remove_photo) else ""
    stored_photo = profile.photo.storage.save(f"profiles/photos/{new_photo.name}", new_photo) if new_photo else ""
    try:
        with transaction.atomic():
            if user_changes or "timezone" in given:
                account.save(update_fields=[*user_changes, *(["timezone_confirmed"] if "timezone" in given else [])])
            if stored_photo:
                profile.photo.name = stored_photo
            elif remove_photo:
                profile.photo.name = ""
            if "manager" in resolved:
                profile.manager = resolved["manager"]
            profile.save()
            for field in ("skills_offered", "skills_wanted"):
                if field in resolved:
                    getattr(profile, field).set(resolved[field])
            if old_photo:
                storage = profile.photo.storage
                transaction.on_commit(lambda: storage.delete(old_photo))
    except BaseException:
        if stored_photo:
            profile.photo.storage.delete(stored_photo)
        raise
    profile.user = account
    return profile


def _sorted_unique(values: list, order: list | None = None) -> list:
    try:
        unique = list(dict.fromkeys(values))
        return sorted(unique, key=order.index) if order else sorted(unique)
    except (TypeError, ValueError):
        # Mixed or unknown values: leave them for the model validators to name.
        return values


def _collect(errors: dict[str, list[str]], instance: User | Profile, *, exclude: list[str]) -> None:
    try:
        instance.clean_fields(exclude=exclude)
    except ValidationError as error:
        for field, messages in error.message_dict.items():
            errors.setdefault(field, []).extend(messages)


# --- the skill taxonomy --------------------------------------------------------------------


def _clean_skill_name(name: str, *, keep: Skill | None = None) -> str:
    cleaned = normalise_skill_name(name)
    if not cleaned:
        raise ValidationError({"name": _("Give the skill a name.")})
    if len(cleaned) > Skill._meta.get_field("name").max_length:
        raise ValidationError({"name": _("Skill names have at most 80 characters.")})
    if any(ord(character) < 32 for character in cleaned):
        raise ValidationError({"name": _("Skill names cannot contain control characters.")})
    if "," in cleaned:
        # Forms take skills as a comma-separated list; a comma in a name could never be chosen.
        raise ValidationError({"name": _("Skill names cannot contain commas.")})
    clashes = Skill.objects.filter(name__iexact=cleaned)
    if keep is not None:
        clashes = clashes.exclude(pk=keep.pk)
    clash = clashes.first()
    if clash is not None:
        raise _name_taken(clash.name)
    return cleaned


def _name_taken(name: str) -> ValidationError:
    return ValidationError({"name": _("A skill named “%(name)s” already exists.") % {"name": name}})


def _save_skill(skill: Skill) -> Skill:
    # The case-insensitive unique constraint is the last word when two people add the
    # same name at once; the savepoint keeps the outer transaction usable.
    try:
        with transaction.atomic():
            skill.save()
    except IntegrityError as error:
        raise _name_taken(skill.name) from error
    return skill


@transaction.atomic
def create_skill(*, name: str) -> Skill:
    return _save_skill(Skill(name=_clean_skill_name(name)))


@transaction.atomic
def rename_skill(*, skill: Skill, name: str) -> Skill:
    """Rename in place: every profile that uses the skill shows the new name. A change
    of case only ("sql" → "SQL") is allowed."""
    skill.name = _clean_skill_name(name, keep=skill)
    return _save_skill(skill)


@transaction.atomic
def merge_skills(*, skill: Skill, into: Skill) -> int:
    """Fold a duplicate `skill` into the one to keep: every profile that offered or
    wanted it now has `into` (once), and `skill` is deleted. Returns how many profiles
    changed."""
    if skill.pk == into.pk:
        raise ValidationError({"into": _("Choose a different skill to keep.")})
    # Lock both rows in a fixed order, so two merges of the same pair cannot interleave
    # and leave links pointing at a deleted skill.
    locked = list(Skill.objects.select_for_update().filter(pk__in=[skill.pk, into.pk]).order_by("pk"))
    if len(locked) != 2:
        raise ValidationError(_("One of these skills no longer exists; reload the page."))
    affected = Profile.objects.uses_skill(skill).count()
    for through in (Profile.skills_offered.through, Profile.skills_wanted.through):
        has_both = through.objects.filter(skill=into).values("profile")
        through.objects.filter(skill=skill, profile__in=has_both).delete()
        through.objects.filter(skill=skill).update(skill=into)
    skill.delete()
    return affected
