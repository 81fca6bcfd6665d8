from django.apps import AppConfig


class ReportsConfig(AppConfig):
    name = "reports"

    def ready(self) -> None:
        from django.db.models.signals import post_delete, post_save

        from reports.services import dashboard_cache

        # A programme's cached dashboards are stale as soon as anything they count is saved
        # or deleted (and the worker computes them again).
        for model in dashboard_cache.dashboard_sources():
            uid = f"forget-dashboards-{model._meta.label}"
            receiver = dashboard_cache.forget_dashboards_of
            post_save.connect(receiver, sender=model, dispatch_uid=f"{uid}-save")
            post_delete.connect(receiver, sender=model, dispatch_uid=f"{uid}-delete")
