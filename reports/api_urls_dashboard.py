from django.urls import path

from reports.api import dashboard as api

urlpatterns = [
    path("programmes/<slug:slug>/dashboard/", api.ProgrammeDashboardApi.as_view(), name="api-programme-dashboard"),
    path("reports/overview/", api.ReportsOverviewApi.as_view(), name="api-reports-overview"),
]
