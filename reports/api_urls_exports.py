from django.urls import path

from reports.api import exports as api

urlpatterns = [
    path("exports/", api.ExportListApi.as_view(), name="api-export-list"),
    path("exports/<int:pk>/", api.ExportDetailApi.as_view(), name="api-export-detail"),
    path("exports/<int:pk>/download/", api.ExportDownloadApi.as_view(), name="api-export-download"),
]
