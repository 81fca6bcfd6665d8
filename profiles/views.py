from allauth.mfa.utils import is_mfa_enabled
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.cache import patch_cache_control
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from rest_framework.authtoken.models import Token

from audit.services import record_view
from profiles import permissions, services
from profiles.completeness import profile_completeness
from profiles.forms import ProfileForm, SkillForm, SkillMergeForm
from profiles.models import Profile, Skill

SKILLS_PER_PAGE = 50
AUTOCOMPLETE_LIMIT = 10
SKILL_INPUTS = {"id_skills_offered", "id_skills_wanted"}


@login_required
def account_detail(request: HttpRequest) -> HttpResponse:
    token = Token.objects.filter(user=request.user).first()
    # A token is shown once, right after it is made; afterwards only that one exists.
    new_token = request.session.pop("new_api_token", None)
    context = {"token": token, "new_token": new_token, "mfa_enabled": is_mfa_enabled(request.user)}
    return render(request, "profiles/account_detail.html", context)


@login_required
@require_POST
def api_token_update(request: HttpRequest) -> HttpResponse:
    if request.POST.get("action") == "revoke":
        services.revoke_api_token(user=request.user)
        messages.success(request, _("Your API token was revoked."))
    else:
        token = services.regenerate_api_token(user=request.user)
        request.session["new_api_token"] = token.key
        messages.success(request, _("A new API token was created. Copy it now: it is shown only once."))
    return redirect("account")


# --- profiles ------------------------------------------------------------------------------


def _safe_next(request: HttpRequest) -> str:
    """Where to go after saving: only a URL on this site (the invitation flow sends people
    here and back), never an address an attacker put in a link."""
    url = request.POST.get("next") or request.GET.get("next") or ""
    if any(ord(character) < 32 for character in url):
        return ""
    allowed = url_has_allowed_host_and_scheme(
        url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    )
    return url if url and allowed else ""


@login_required
@require_http_methods(["GET", "POST"])
def profile_edit(request: HttpRequest) -> HttpResponse:
    services.get_profile(user=request.user)
    profile = get_object_or_404(Profile.objects.visible_to(request.user).with_details(), user=request.user)
    if not permissions.can_edit_profile(request.user, profile):
        raise PermissionDenied
    data = (request.POST, request.FILES) if request.method == "POST" else ()
    form = ProfileForm(*data, user=request.user, profile=profile)
    next_url = _safe_next(request)
    if form.is_valid():
        try:
            services.update_profile(user=request.user, **form.cleaned_data)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("Your profile was saved."))
            return redirect(next_url or "profile-edit")
    context = {
        "form": form,
        "profile": profile,
        "completeness": profile_completeness(profile),
        "next_url": next_url,
        # A browser cannot keep a chosen file after a failed submission: say so.
        "photo_lost": bool(form.errors and request.FILES.get("photo") and not form.has_error("photo")),
    }
    return render(request, "profiles/profile_edit.html", context)


@login_required
@require_GET
def profile_detail(request: HttpRequest, user_id: int) -> HttpResponse:
    profile = get_object_or_404(Profile.objects.visible_to(request.user).with_details(), user_id=user_id)
    record_view(viewer=request.user, person_id=profile.user_id, target=profile.user, request=request)
    context = {
        "profile": profile,
        "person": profile.user,
        "completeness": profile_completeness(profile),
        "can_edit": permissions.can_edit_profile(request.user, profile),
    }
    return render(request, "profiles/profile_detail.html", context)


@login_required
@require_GET
def profile_photo(request: HttpRequest, user_id: int) -> FileResponse:
    """Photos go through the same scope as profiles instead of a public media URL."""
    profile = get_object_or_404(Profile.objects.visible_to(request.user), user_id=user_id)
    if not profile.photo:
        raise Http404
    try:
        handle = profile.photo.open("rb")
    except FileNotFoundError as error:
        raise Http404 from error
    response = FileResponse(handle, content_type=services.photo_content_type(profile.photo.name))
    # The URL carries the stored file's name, so a new photo is a new URL.
    patch_cache_control(response, private=True, max_age=86400)
    return response


# --- skills ------------------------------------------------------------------------------


def _search_term(request: HttpRequest) -> str:
    # NUL cannot go into a PostgreSQL query; nothing real is lost by dropping it.
    return request.GET.get("q", "").replace("\x00", "").strip()[:80]


def _skill_list_context(request: HttpRequest, *, form: SkillForm | None = None) -> dict:
    query = _search_term(request)
    skills = Skill.objects.visible_to(request.user).search(query).with_usage().order_by("name")
    page = Paginator(skills, SKILLS_PER_PAGE).get_page(request.GET.get("page"))
    can_manage = permissions.can_manage_skills(request.user)
    return {
        "page": page,
        "query": query,
        "query_string": urlencode({"q": query}) if query else "",
        "can_manage": can_manage,
        "form": (form or SkillForm()) if can_manage else None,
    }


@login_required
@require_GET
def skill_list(request: HttpRequest) -> HttpResponse:
    return render(request, "profiles/skill_list.html", _skill_list_context(request))


@login_required
@require_POST
def skill_create(request: HttpRequest) -> HttpResponse:
    if not permissions.can_manage_skills(request.user):
        raise PermissionDenied
    form = SkillForm(request.POST)
    if form.is_valid():
        try:
            skill = services.create_skill(**form.cleaned_data)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("The skill “%(name)s” was added.") % {"name": skill.name})
            return redirect(f"{reverse('skill-list')}?{urlencode({'q': skill.name})}")
    return render(request, "profiles/skill_list.html", _skill_list_context(request, form=form))


@login_required
@require_http_methods(["GET", "POST"])
def skill_rename(request: HttpRequest, pk: int) -> HttpResponse:
    skill = get_object_or_404(Skill.objects.visible_to(request.user), pk=pk)
    if not permissions.can_manage_skills(request.user):
        raise PermissionDenied
    old_name = skill.name
    form = SkillForm(request.POST if request.method == "POST" else None, initial={"name": skill.name})
    if form.is_valid():
        try:
            services.rename_skill(skill=skill, **form.cleaned_data)
        except ValidationError as error:
            skill.name = old_name
            form.add_error(None, error)
        else:
            messages.success(request, _("“%(old)s” is now “%(new)s”.") % {"old": old_name, "new": skill.name})
            return redirect(f"{reverse('skill-list')}?{urlencode({'q': skill.name})}")
    return render(request, "profiles/skill_rename.html", {"skill": skill, "form": form})


@login_required
@require_http_methods(["GET", "POST"])
def skill_merge(request: HttpRequest, pk: int) -> HttpResponse:
    """Choose the skill to keep (GET ?into=), confirm with the number of profiles it
    touches, then merge (POST)."""
    skill = get_object_or_404(Skill.objects.visible_to(request.user).with_usage(), pk=pk)
    if not permissions.can_manage_skills(request.user):
        raise PermissionDenied
    if request.method == "POST":
        form = SkillMergeForm(request.POST, skill=skill)
    else:
        form = SkillMergeForm(request.GET if "into" in request.GET else None, skill=skill)
    if form.is_valid() and request.method == "POST":
        into = form.cleaned_data["into"]
        try:
            affected = services.merge_skills(skill=skill, into=into)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(
                request,
                _("“%(old)s” was merged into “%(new)s”; %(count)d profile(s) updated.")
                % {"old": skill.name, "new": into.name, "count": affected},
            )
            return redirect(f"{reverse('skill-list')}?{urlencode({'q': into.name})}")
    context = {
        "skill": skill,
        "form": form,
        "into": form.cleaned_data["into"] if form.is_bound and not form.errors else None,
        "affected": Profile.objects.uses_skill(skill).count(),
    }
    return render(request, "profiles/skill_merge.html", context)


@login_required
@require_GET
def skill_autocomplete(request: HttpRequest) -> HttpResponse:
    """Suggestions for a skill box on the profile form, as an HTML fragment for htmx."""
    query = _search_term(request)
    target = request.GET.get("for", "")
    skills = Skill.objects.visible_to(request.user).matching(query)[:AUTOCOMPLETE_LIMIT]
    context = {"skills": skills, "query": query, "target": target if target in SKILL_INPUTS else ""}
    return render(request, "profiles/_skill_suggestions.html", context)
