"""Personal data and the audit log, mounted at the site root: the paths sit next to the
account and people pages they belong with, but the views read every app (reports)."""

from django.urls import path

from reports.views import privacy

urlpatterns = [
    path("account/data/", privacy.account_data_export, name="account-data-export"),
    path("people/<int:user_id>/erase/", privacy.person_erase, name="person-erase"),
    path("audit/", privacy.audit_log, name="audit-log"),
]
