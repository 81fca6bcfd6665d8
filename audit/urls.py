"""The audit log's page is `audit-log` (/audit/) in reports/urls_privacy.py: it names
programmes, and audit, left of every app that records into it, knows them only by id.
The API is audit/api_urls.py."""

urlpatterns: list = []
