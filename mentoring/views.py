from allauth.mfa.utils import is_mfa_enabled
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponsePermanentRedirect, JsonResponse
from django.shortcuts import render
from django.templatetags.static import static
from django.views import defaults
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from matching.views.participant import match_actions
from mentoring import health
from profiles import services as profile_services
from profiles.completeness import profile_completeness
from programmes.models import Enrolment, Programme


@login_required
def home(request: HttpRequest) -> HttpResponse:
    user = request.user
    profile = profile_services.get_profile(user=user)
    context = {
        "profile": profile,
        "completeness": profile_completeness(profile),
        "mfa_enabled": is_mfa_enabled(user),
        "enrolments": list(Enrolment.objects.filter(user=user).current().select_related("programme")),
        "coordinated": list(Programme.objects.filter(coordinators=user).active().order_by("name")),
        "match_actions": match_actions(user),
    }
    return render(request, "home.html", context)


@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    report, healthy = health.health_report()
    return JsonResponse(report, status=200 if healthy else 503)


@require_GET
def favicon(request: HttpRequest) -> HttpResponse:
    """Browsers ask for /favicon.ico on pages that name no icon (the admin, the API)."""
    return HttpResponsePermanentRedirect(static("favicon.svg"))


def page_not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    """An address under /api/ that matches no route answers in JSON, as every other API error does."""
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": "Not found."}, status=404)
    return defaults.page_not_found(request, exception)
