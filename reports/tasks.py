"""Background work of reports: thin, id-taking, idempotent tasks that call services."""

from celery import shared_task


# A million-row XLSX takes minutes; the hard limit stays below the broker's visibility
# timeout (an hour), so a task is never handed to a second worker while it still runs.
@shared_task(acks_late=True, soft_time_limit=1740, time_limit=1800)
def build_export_task(job_id: int) -> None:
    from reports.services import exports

    exports.build_export(job_id=job_id)


@shared_task(acks_late=True, soft_time_limit=300, time_limit=330)
def cleanup_exports_task() -> int:
    """Hourly (beat): delete the files of expired exports."""
    from reports.services import exports

    return exports.cleanup_exports()


# --- Privacy: retention purge (beat) ---------------------------------------------------------


@shared_task(acks_late=True, soft_time_limit=1740, time_limit=1800)
def purge_expired_programmes_task() -> int:
    """Daily (beat): purge notes and free text of programmes closed longer than their
    retention period; idempotent (a purged programme is skipped)."""
    from reports import privacy

    return privacy.purge_expired_programmes()


# --- Dashboards kept fresh (reports/services/dashboard_cache.py) -------------------------------


@shared_task(acks_late=True, soft_time_limit=120, time_limit=150)
def refresh_dashboards_task() -> int:
    """Every minute (beat): the dashboards opened lately whose cache entry is missing or old."""
    from reports.services import dashboard_cache

    return dashboard_cache.refresh_all_dashboards()


@shared_task(acks_late=True, soft_time_limit=120, time_limit=150)
def refresh_programme_dashboards_task(programme_id: int) -> int:
    """After a write to what a programme's dashboard counts (queued on commit)."""
    from reports.services import dashboard_cache

    return dashboard_cache.refresh_programme_dashboards(programme_id=programme_id)
