from django.contrib import admin

from reports.models import ExportJob


@admin.register(ExportJob)
class ExportJobAdmin(admin.ModelAdmin):
    """The export log, read-only: entries are written by the export service, and the file
    is handed out only by the export-download view, to its requester."""

    list_display = ["__str__", "requested_by", "programme", "dataset", "format", "rows", "status", "created_at"]
    list_filter = ["dataset", "format", "status", "in_background"]
    list_select_related = ["requested_by", "programme"]
    search_fields = ["requested_by__email", "programme__name"]
    date_hierarchy = "created_at"
    exclude = ["file"]
    readonly_fields = [
        "requested_by", "programme", "dataset", "format", "date_from", "date_to", "in_background", "status",
        "progress", "rows", "error", "created_at", "started_at", "finished_at", "expires_at", "downloaded_at",
    ]  # fmt: skip

    def has_add_permission(self, request: object) -> bool:
        return False

    def has_change_permission(self, request: object, obj: ExportJob | None = None) -> bool:
        return False
