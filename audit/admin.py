from django.contrib import admin
from django.http import HttpRequest

from audit.models import AuditEvent


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    """Read-only: the log is append-only, so admin neither adds, changes nor deletes."""

    list_display = ["at", "action", "actor", "programme_id", "target_type", "target_id", "ip_address"]
    list_filter = ["action"]
    search_fields = ["actor__email", "target_type", "target_id"]
    list_select_related = ["actor"]
    date_hierarchy = "at"
    readonly_fields = ["at", "action", "actor", "programme_id", "target_type", "target_id", "details", "ip_address"]
    actions = None

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: AuditEvent | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: AuditEvent | None = None) -> bool:
        return False
