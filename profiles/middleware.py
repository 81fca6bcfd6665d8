import time
import zoneinfo
from urllib.parse import urlencode

from allauth.mfa.models import Authenticator
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import REDIRECT_FIELD_NAME, logout
from django.db.models import Exists, OuterRef
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import resolve_url
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django_htmx.http import HttpResponseClientRedirect

from profiles.models import User


class UserTimezoneMiddleware:
    """Show every page in the signed-in user's own time zone and chosen language.

    Runs after LocaleMiddleware, so the language a person picked on their profile wins
    over the browser's Accept-Language; anonymous visitors keep LocaleMiddleware's choice.
    """

    def __init__(self, get_response):
        self.get_response = get_response
        self.languages = {code for code, _name in settings.LANGUAGES}

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and user.timezone:
            try:
                timezone.activate(zoneinfo.ZoneInfo(user.timezone))
            except (zoneinfo.ZoneInfoNotFoundError, ValueError):
                timezone.deactivate()
        else:
            timezone.deactivate()
        if user is not None and user.is_authenticated and user.language in self.languages:
            translation.activate(user.language)
            request.LANGUAGE_CODE = user.language
        return self.get_response(request)


# --- Privileged accounts: idle timeout and required two-factor authentication ----------

LAST_ACTIVITY_KEY = "last_activity"
# The session is written at most this often (not on every request), so activity is
# measured to the minute and browsing costs no database write per page.
ACTIVITY_RESOLUTION_SECONDS = 60

# What a privileged person without an authenticator app may still reach: setting one up
# (allauth may ask to confirm the password first), the recovery codes that activation
# generates, and signing out.
MFA_SETUP_URL_NAMES = frozenset(
    {
        "mfa_index",
        "mfa_activate_totp",
        "mfa_reauthenticate",
        "account_reauthenticate",
        "mfa_view_recovery_codes",
        "mfa_generate_recovery_codes",
        "mfa_download_recovery_codes",
        "account_logout",
        "healthz",
    }
)


def _coordinates_any_programme() -> Exists:
    # Programme.coordinators' table, reached from the User side: profiles may not import
    # programmes (apps depend one way).
    through = User._meta.get_field("coordinated_programmes").through
    return Exists(through.objects.filter(user_id=OuterRef("pk")))


def is_privileged(user: User) -> bool:
    """Coordinators, HR admins, site admins and staff: people who see others' data."""
    if user.is_superuser or user.is_staff or user.is_hr_admin:
        return True
    return User.objects.filter(pk=user.pk).filter(_coordinates_any_programme()).exists()


def needs_mfa_setup(user: User) -> bool:
    """A privileged person without an authenticator app (TOTP); one query."""
    has_totp = Exists(Authenticator.objects.filter(user_id=OuterRef("pk"), type=Authenticator.Type.TOTP))
    row = (
        User.objects.filter(pk=user.pk)
        .annotate(has_totp=has_totp, coordinates=_coordinates_any_programme())
        .values("has_totp", "coordinates")
        .first()
    )
    if row is None or row["has_totp"]:
        return False
    return bool(user.is_superuser or user.is_staff or user.is_hr_admin or row["coordinates"])


def _is_api(request: HttpRequest) -> bool:
    return request.path_info.startswith("/api/v1/")


def _redirect(request: HttpRequest, url: str) -> HttpResponse:
    # An htmx request (a polling progress bar) must move the whole page, not swap the
    # target page into a fragment.
    if getattr(request, "htmx", False):
        return HttpResponseClientRedirect(url)
    return HttpResponseRedirect(url)


def start_activity_clock(sender, request: HttpRequest | None, user: User, **kwargs) -> None:
    """On sign-in (user_logged_in, connected in ProfilesConfig.ready): the idle time of
    the new session counts from now, written with the session the sign-in saves."""
    if request is not None and hasattr(request, "session"):
        request.session[LAST_ACTIVITY_KEY] = int(time.time())


class PrivilegedIdleTimeoutMiddleware:
    """Sign coordinators, HR admins and site admins out after PRIVILEGED_IDLE_MINUTES
    without a request; participants keep the full SESSION_COOKIE_AGE.

    The time of the last request is kept in the session (set at sign-in, rewritten at
    most once a minute). Whether the person is privileged is only asked (one query) once
    that time is older than the limit, so an active session costs nothing but a session
    write a minute.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            now = int(time.time())
            last = request.session.get(LAST_ACTIVITY_KEY)
            limit = settings.PRIVILEGED_IDLE_MINUTES * 60
            if isinstance(last, int) and limit > 0 and now - last > limit and is_privileged(user):
                response = self._sign_out(request)
                if response is not None:
                    return response
            elif not isinstance(last, int) or now - last >= ACTIVITY_RESOLUTION_SECONDS:
                request.session[LAST_ACTIVITY_KEY] = now
        return self.get_response(request)

    def _sign_out(self, request: HttpRequest) -> HttpResponse | None:
        next_url = request.get_full_path()
        logout(request)
        if _is_api(request):
            return None  # the API answers an anonymous request itself (401)
        messages.info(
            request,
            _("You were signed out after %(minutes)d minutes without activity. Please sign in again.")
            % {"minutes": settings.PRIVILEGED_IDLE_MINUTES},
        )
        url = resolve_url(settings.LOGIN_URL)
        if request.method == "GET":
            url = f"{url}?{urlencode({REDIRECT_FIELD_NAME: next_url})}"
        return _redirect(request, url)


class PrivilegedMfaRequiredMiddleware:
    """With MFA_REQUIRED_FOR_PRIVILEGED, a coordinator, HR admin or site admin without an
    authenticator app is sent to set one up before anything else.

    Only session sign-ins pass here: an API request with a token is authenticated by DRF
    inside the view, and tokens are made on the account page, which itself needs the
    authenticator app first. A session request to the API gets 403 in JSON.
    """

    def __init__(self, get_response):
        self.get_response = get_response
        # Static files and uploads in development (whitenoise serves static files before
        # any middleware in production).
        self.file_prefixes = tuple("/" + url.lstrip("/") for url in (settings.STATIC_URL, settings.MEDIA_URL) if url)

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_view(self, request: HttpRequest, view_func, view_args, view_kwargs) -> HttpResponse | None:
        if not settings.MFA_REQUIRED_FOR_PRIVILEGED:
            return None
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            return None
        match = request.resolver_match
        if match is not None and match.url_name in MFA_SETUP_URL_NAMES:
            return None
        if request.path_info.startswith(self.file_prefixes):
            return None
        if not needs_mfa_setup(user):
            return None
        message = _(
            "Your role lets you see other people's data, so your account needs two-factor "
            "authentication. Set up an authenticator app to continue."
        )
        if _is_api(request):
            return JsonResponse({"detail": str(message)}, status=403)
        if request.method == "GET" and not getattr(request, "htmx", False):
            messages.warning(request, message)
        return _redirect(request, reverse("mfa_activate_totp"))
