from allauth.account.decorators import secure_admin_login
from django.conf import settings
from django.contrib import admin
from django.urls import include, path
from django.views.static import serve
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from mentoring import views

api_v1 = [
    path("", include("profiles.api_urls")),
    path("", include("notifications.api_urls")),
    path("", include("programmes.api_urls")),
    path("", include("matching.api_urls_participant")),
    path("", include("matching.api_urls_coordinator")),
    path("", include("sessions.api_urls")),
    path("", include("matching.api_urls_flags")),
    path("", include("goals.api_urls")),
    path("", include("reports.api_urls_dashboard")),
    path("", include("reports.api_urls_exports")),
    path("", include("audit.api_urls")),
]

# The admin has a login form of its own, without allauth's rate limits and two-factor
# step: send people through allauth's sign-in instead (before admin.site.urls is read).
admin.site.login = secure_admin_login(admin.site.login)

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    # Browsers ask for /favicon.ico on pages without an icon link (the admin, JSON).
    path("favicon.ico", views.favicon, name="favicon"),
    path("accounts/", include("allauth.urls")),
    path("account/", include("profiles.urls")),
    path("people/", include("profiles.people_urls")),
    path("skills/", include("profiles.skill_urls")),
    path("notifications/", include("notifications.urls")),
    path("programmes/", include("programmes.urls")),
    path("", include("matching.urls_participant")),
    path("", include("matching.urls_coordinator")),
    path("", include("sessions.urls")),
    path("", include("matching.urls_flags")),
    path("", include("goals.urls")),
    path("", include("reports.urls_dashboard")),
    path("", include("reports.urls_exports")),
    path("", include("audit.urls")),
    path("", include("reports.urls_privacy")),
    path("admin/", admin.site.urls),
    path("api/v1/", include(api_v1)),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="api-schema"), name="api-docs"),
]

handler404 = "mentoring.views.page_not_found"

if settings.DEBUG:
    urlpatterns += [path("media/<path:path>", serve, {"document_root": settings.MEDIA_ROOT})]
