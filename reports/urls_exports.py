from django.urls import path

from reports.views import exports as views

urlpatterns = [
    path("reports/exports/", views.export_list, name="export-list"),
    path("reports/exports/new/", views.export_create, name="export-create"),
    path("reports/exports/<int:pk>/", views.export_detail, name="export-detail"),
    path("reports/exports/<int:pk>/progress/", views.export_progress, name="export-progress"),
    path("reports/exports/<int:pk>/download/", views.export_download, name="export-download"),
]
