"""The dashboards (included at the site root)."""

from django.urls import path

from reports.views import dashboard as views

urlpatterns = [
    path("programmes/<slug:slug>/dashboard/", views.programme_dashboard, name="programme-dashboard"),
    path("programmes/<slug:slug>/dashboard/settings/", views.dashboard_settings, name="dashboard-settings"),
    path("reports/", views.hr_overview, name="hr-overview"),
]
