"""Bad input a generic mutation cannot reach: meeting starts in the past, time zones that do
not exist, script in free text (stored as typed, shown escaped), and uploads that are too
big or not what they claim to be. Each is refused with a message, never a 500, and leaves
no row and no file behind."""

import datetime
import io
import os

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from PIL import Image

from matching.models import FlagNote, Match
from profiles.models import Profile, User
from programmes.models import ImportJob, Question
from sessions.models import ActionItem, Meeting, MeetingNote
from tests.security.harness import client_for, difference, fingerprint
from tests.security.world import World

SCRIPT = "<script>alert(1)</script>"
ESCAPED = "&lt;script&gt;alert(1)&lt;/script&gt;"
BAD_ZONES = ["Mars/Olympus_Mons", "../../etc/passwd", "Europe/", "UTC\x00", "x" * 100_000, "Europe/Paris/Louvre", ""]


def _files(root) -> set[str]:
    return {os.path.join(path, name) for path, _dirs, names in os.walk(root) for name in names}


@pytest.fixture
def unchanged(world):
    """Assert at the end that the database and the media folder are as they were."""
    clients = {}

    def client(role: str, *, api: bool = False):
        if (role, api) not in clients:
            clients[role, api] = client_for(world, role, api=api)
        return clients[role, api]

    for role in ("mentor", "mentee", "coordinator"):
        client(role)
        client(role, api=True)
    before, files = fingerprint(), _files(settings.MEDIA_ROOT)
    yield client
    assert difference(before, fingerprint()) == []
    assert _files(settings.MEDIA_ROOT) == files


def _local_day(days: int) -> str:
    return (timezone.localdate() + datetime.timedelta(days=days)).isoformat()


# --- meeting starts in the past -----------------------------------------------------------


def test_a_meeting_cannot_be_scheduled_in_the_past_on_the_page(world: World, unchanged):
    response = unchanged("mentor").post(
        reverse("meeting-create", args=[world.keys["match"]]),
        {"day": _local_day(-1), "time": "10:00", "duration_minutes": "60", "mode": "online", "schedule_anyway": "1"},
    )

    assert response.status_code == 400
    assert "future" in response.content.decode()


@pytest.mark.parametrize("days", [-1, -3650])
def test_a_meeting_cannot_be_scheduled_or_moved_into_the_past_by_the_api(world: World, unchanged, days):
    api = unchanged("mentor", api=True)
    past = {"date": _local_day(days), "time": "10:00", "timezone": "UTC", "duration_minutes": 60, "mode": "online"}

    scheduled = api.post(reverse("api-meeting-list"), {**past, "match": world.keys["match"]}, format="json")
    moved = api.post(reverse("api-meeting-reschedule", args=[world.keys["meeting"]]), past, format="json")

    assert scheduled.status_code == moved.status_code == 400
    assert "future" in str(scheduled.json()).lower()
    assert "future" in str(moved.json()).lower()


def test_a_meeting_in_the_past_is_refused_even_a_minute_ago(world: World, unchanged):
    a_minute_ago = timezone.now() - datetime.timedelta(minutes=1)
    data = {
        "date": a_minute_ago.date().isoformat(),
        "time": a_minute_ago.strftime("%H:%M"),
        "timezone": "UTC",
        "match": world.keys["match"],
    }

    response = unchanged("mentee", api=True).post(reverse("api-meeting-list"), data, format="json")

    assert response.status_code == 400


# --- time zones that do not exist ---------------------------------------------------------


def test_an_unknown_meeting_time_zone_is_a_400_naming_the_field(world: World, unchanged):
    api = unchanged("mentor", api=True)
    answers = {}
    for zone in BAD_ZONES:
        data = {"date": _local_day(5), "time": "10:00", "timezone": zone, "match": world.keys["match"]}
        response = api.post(reverse("api-meeting-list"), data, format="json")
        answers[zone[:20]] = (response.status_code, "timezone" in response.json())

    assert answers == {zone[:20]: (400, True) for zone in BAD_ZONES}


def test_an_unknown_profile_time_zone_is_refused_by_the_api(world: World, unchanged):
    api = unchanged("mentee", api=True)
    answers = {}
    for zone in BAD_ZONES:
        response = api.patch(reverse("api-me-profile"), {"timezone": zone}, format="json")
        answers[zone[:20]] = (response.status_code, "timezone" in response.json())

    assert answers == {zone[:20]: (400, True) for zone in BAD_ZONES}


def _profile_form(**changes) -> dict:
    data = {
        "first_name": "Milo",
        "last_name": "Mentee",
        "timezone": "Europe/Paris",
        "language": "en",
        "capacity": "1",
        "skills_offered": "",
        "skills_wanted": "",
    }
    return {**data, **changes}


def test_an_unknown_profile_time_zone_is_a_form_error(world: World, unchanged):
    client = unchanged("mentee")
    answers = {}
    for zone in BAD_ZONES:
        response = client.post(reverse("profile-edit"), _profile_form(timezone=zone))
        answers[zone[:20]] = (response.status_code, "timezone" in response.context["form"].errors)

    assert answers == {zone[:20]: (200, True) for zone in BAD_ZONES}


def test_the_profile_form_used_above_is_valid(world: World):
    client = client_for(world, "mentee")

    response = client.post(reverse("profile-edit"), _profile_form(bio=SCRIPT))

    assert response.status_code == 302
    assert User.objects.get(pk=world.keys["mentee_user"]).timezone == "Europe/Paris"


# --- script in free text: stored as typed, shown escaped ----------------------------------


def _schedule(world: World, client) -> str:
    day = _local_day(9)
    data = {"day": day, "time": "11:00", "duration_minutes": "60", "mode": "online", "agenda": SCRIPT}
    data["schedule_anyway"] = "1"
    client.post(reverse("meeting-create", args=[world.keys["match"]]), data)
    return Meeting.objects.filter(agenda=SCRIPT).get().get_absolute_url()


def _note(world: World, client) -> str:
    client.post(reverse("meeting-note-add", args=[world.keys["meeting"]]), {"text": SCRIPT, "visibility": "shared"})
    assert MeetingNote.objects.filter(text=SCRIPT).exists()
    return reverse("meeting-detail", args=[world.keys["meeting"]])


def _api_note(world: World, client) -> str:
    api = client_for(world, "mentee", api=True)
    api.post(reverse("api-meeting-notes", args=[world.keys["meeting"]]), {"text": SCRIPT}, format="json")
    assert MeetingNote.objects.filter(text=SCRIPT).exists()
    return reverse("meeting-detail", args=[world.keys["meeting"]])


def _action_item(world: World, client) -> str:
    client.post(reverse("action-item-add", args=[world.keys["match"]]), {"description": SCRIPT, "owner": "mentee"})
    assert ActionItem.objects.filter(description=SCRIPT).exists()
    return reverse("match-detail", args=[world.keys["match"]])


def _end_early(world: World, client) -> str:
    client.post(reverse("match-end", args=[world.keys["match"]]), {"outcome": "ended_early", "reason": SCRIPT})
    assert Match.objects.filter(end_reason=SCRIPT).exists()
    return reverse("match-detail", args=[world.keys["match"]])


def _bio(world: World, client) -> str:
    client.post(reverse("profile-edit"), _profile_form(bio=SCRIPT))
    assert Profile.objects.filter(bio=SCRIPT).exists()
    return reverse("profile-detail", args=[world.keys["mentee_user"]])


def _flag_note(world: World, client) -> str:
    coordinator = client_for(world, "coordinator")
    coordinator.post(reverse("flag-note-add", args=[world.keys["flag"]]), {"text": SCRIPT})
    assert FlagNote.objects.filter(text=SCRIPT).exists()
    return reverse("flag-detail", args=[world.keys["flag"]])


def _question(world: World, client) -> str:
    coordinator = client_for(world, "coordinator")
    url = reverse("question-list", args=[world.keys["programme"]])
    coordinator.post(url, {"label": SCRIPT, "help_text": SCRIPT, "kind": "short_text", "audience": "both"})
    assert Question.objects.filter(label=SCRIPT).exists()
    return url


# (what stores the text, as whom; who reads the page)
STORED = [
    (_schedule, "mentor", "mentee"),
    (_note, "mentor", "mentee"),
    (_api_note, "mentee", "mentor"),
    (_action_item, "mentor", "mentee"),
    (_end_early, "mentor", "coordinator"),
    (_bio, "mentee", "coordinator"),
    (_flag_note, "coordinator", "hr_admin"),
    (_question, "coordinator", "hr_admin"),
]


@pytest.mark.parametrize(("store", "author", "reader"), STORED, ids=[case[0].__name__.strip("_") for case in STORED])
def test_script_in_free_text_is_stored_as_typed_and_shown_escaped(world: World, store, author, reader):
    url = store(world, client_for(world, author))

    page = client_for(world, reader).get(url)

    html = page.content.decode()
    assert page.status_code == 200
    assert SCRIPT not in html
    assert ESCAPED in html


# --- uploads ------------------------------------------------------------------------------


def _image(size: tuple[int, int] = (64, 64), image_format: str = "PNG", mode: str = "RGB") -> bytes:
    buffer = io.BytesIO()
    Image.new(mode, size).save(buffer, format=image_format)
    return buffer.getvalue()


def _too_big_csv() -> bytes:
    header = b"email,first name,last name,role\n"
    line = b"someone@example.com,Some,One,mentee\n"
    return header + line * (settings.IMPORT_MAX_BYTES // len(line) + 1)


BAD_CSV = {
    "over the size limit": lambda: _too_big_csv(),
    "a PNG named .csv": lambda: _image(),
    "not UTF-8": lambda: "email,first name\nzoë@example.com,Zoë\n".encode("utf-16"),
    "empty": lambda: b"",
    "NUL bytes": lambda: b"email,first name,last name,role\n\x00\x00\x00,\x00,\x00,\x00\n",
}


@pytest.mark.parametrize("content", BAD_CSV.values(), ids=BAD_CSV.keys())
def test_a_bad_csv_import_is_refused_on_the_page(world: World, unchanged, content):
    upload = SimpleUploadedFile("people.csv", content(), "text/csv")

    response = unchanged("coordinator").post(reverse("import-create", args=[world.keys["programme"]]), {"file": upload})

    assert response.status_code == 400
    assert response.context["form"].errors


@pytest.mark.parametrize("content", BAD_CSV.values(), ids=BAD_CSV.keys())
def test_a_bad_csv_import_is_refused_by_the_api(world: World, unchanged, content):
    upload = SimpleUploadedFile("people.csv", content(), "text/csv")
    url = reverse("api-import-list", args=[world.keys["programme"]])

    response = unchanged("coordinator", api=True).post(url, {"file": upload}, format="multipart")

    assert response.status_code == 400
    assert "file" in response.json() or "non_field_errors" in response.json()
    assert ImportJob.objects.count() == 1


BAD_PHOTOS = {
    "over 2 MiB": lambda: ("big.png", os.urandom(2 * 1024 * 1024 + 1)),
    "text named .png": lambda: ("photo.png", b"not an image at all"),
    "script named .jpg": lambda: ("photo.jpg", SCRIPT.encode()),
    "a GIF": lambda: ("photo.gif", _image(image_format="GIF", mode="P")),
    "too many pixels": lambda: ("huge.png", _image(size=(8000, 8000), mode="1")),
    "a truncated PNG": lambda: ("broken.png", _image()[:60]),
}


@pytest.mark.parametrize("photo", BAD_PHOTOS.values(), ids=BAD_PHOTOS.keys())
def test_a_bad_photo_is_a_form_error(world: World, unchanged, photo):
    name, content = photo()

    response = unchanged("mentee").post(
        reverse("profile-edit"), _profile_form(photo=SimpleUploadedFile(name, content, "image/png"))
    )

    assert response.status_code in {200, 400}
    assert "photo" in response.context["form"].errors


@pytest.mark.parametrize("photo", BAD_PHOTOS.values(), ids=BAD_PHOTOS.keys())
def test_a_bad_photo_is_a_400_from_the_api(world: World, unchanged, photo):
    name, content = photo()
    upload = SimpleUploadedFile(name, content, "image/png")

    response = unchanged("mentee", api=True).patch(reverse("api-me-profile"), {"photo": upload}, format="multipart")

    assert response.status_code == 400
    assert "photo" in response.json()
