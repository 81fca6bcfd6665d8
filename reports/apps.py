from django.apps import AppConfig


class ReportsConfig(AppConfig):
    name = "reports"

    def ready(self) -> None:
        from django.db.models.signals import post_delete, post_save

        from reports import figures

        # A cached dashboard is dropped as soon as anything it counts is saved or deleted.
        for model in figures.dashboard_sources():
            uid = f"forget-dashboards-{model._meta.label}"
            post_save.connect(figures.forget_dashboards, sender=model, dispatch_uid=f"{uid}-save")
            post_delete.connect(figures.forget_dashboards, sender=model, dispatch_uid=f"{uid}-delete")
