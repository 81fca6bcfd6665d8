"""Issue journey: a coordinator opens the dashboard and, from the work queue, a flagged
pair; an HR admin compares two programmes and downloads an XLSX export once its progress
bar has completed."""

import io
import re

import pytest
from django.utils import timezone
from openpyxl import load_workbook
from playwright.sync_api import expect

from matching.models import Flag
from reports import tasks
from reports.models import ExportJob
from tests.e2e.test_meeting_journey import sign_in, sign_out
from tests.factories import EnrolmentFactory, MatchFactory, ProgrammeFactory, UserFactory

pytestmark = pytest.mark.e2e


def test_a_coordinator_acts_on_the_work_queue_and_hr_exports(page, screenshot, transactional_db, monkeypatch):
    coordinator = UserFactory(first_name="Carmen")
    hr = UserFactory(first_name="Helena", is_hr_admin=True)
    graduates = ProgrammeFactory(name="Graduates", status="running", coordinators=[coordinator])
    leaders = ProgrammeFactory(name="Leaders", status="running", coordinators=[coordinator])
    pairs = []
    for programme, count in ((graduates, 3), (leaders, 2)):
        for _ in range(count):
            mentor = EnrolmentFactory(programme=programme, role="mentor")
            mentee = EnrolmentFactory(programme=programme, role="mentee")
            pairs.append(
                MatchFactory(
                    programme=programme, mentor=mentor, mentee=mentee, status="active", started_at=timezone.now()
                )
            )
    flagged = pairs[0]
    Flag.objects.create(match=flagged, kind=Flag.Kind.CANCELLATIONS, details={"count": 3, "window_days": 60})

    # The coordinator's dashboard: figures, charts and the work queue with the flagged pair.
    sign_in(page, coordinator)
    page.goto(f"/programmes/{graduates.slug}/dashboard/")
    expect(page.get_by_role("heading", name="Key figures")).to_be_visible()
    expect(page.get_by_role("heading", name=re.compile("Needs your attention"))).to_be_visible()
    screenshot("60-dashboard")
    pair_name = f"{flagged.mentor.user.display_name} ↔ {flagged.mentee.user.display_name}"
    page.get_by_role("link", name=pair_name).click()
    expect(page).to_have_url(re.compile(rf"/matches/{flagged.pk}/"))
    expect(page.get_by_text("Repeated cancellations").first).to_be_visible()
    sign_out(page)

    # HR compares the two programmes side by side, then exports every programme's matches.
    sign_in(page, hr)
    page.goto("/reports/")
    table = page.get_by_role("table").first
    expect(table.get_by_role("link", name="Graduates")).to_be_visible()
    expect(table.get_by_role("link", name="Leaders")).to_be_visible()
    screenshot("61-hr-overview")
    page.goto("/reports/exports/new/")
    page.get_by_label("Programme").select_option(label="All programmes")
    page.get_by_label("Matches").check()
    page.get_by_label("XLSX").check()
    # No worker yet: the page shows the job waiting, then follows the worker's progress.
    queued: list[int] = []
    monkeypatch.setattr(tasks.build_export_task, "delay_on_commit", queued.append)
    page.get_by_role("button", name="Export").click()
    expect(page.locator("#export-progress progress")).to_be_visible()
    expect(page.get_by_text("Waiting for a worker…")).to_be_visible()
    screenshot("62-export-waiting")
    tasks.build_export_task.run(*queued)
    download_link = page.get_by_role("link", name=re.compile(r"^Download "))
    expect(download_link).to_be_visible()
    screenshot("63-export-ready")
    with page.expect_download() as download_info:
        download_link.click()
    data = open(download_info.value.path(), "rb").read()  # noqa: SIM115
    sheet = load_workbook(io.BytesIO(data), read_only=True).worksheets[0]
    rows = list(sheet.iter_rows(values_only=True))
    assert len(rows) == 1 + len(pairs)
    job = ExportJob.objects.get()
    assert job.requested_by == hr
    assert job.format == "xlsx"
    assert job.rows == len(pairs)
