"""The Content-Security-Policy in a real browser: what it blocks is reported (so every
journey can fail on it), and Swagger UI still works under it."""

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import watch_csp

pytestmark = pytest.mark.e2e

INJECT_INLINE_SCRIPT = """() => {
  const script = document.createElement("script");
  script.textContent = "window.injected = true;";
  document.body.appendChild(script);
}"""
INJECT_STYLED_MARKUP = """() => {
  document.body.insertAdjacentHTML("beforeend", '<div id="bar" style="width: 40%">40 %</div>');
}"""


@pytest.fixture
def watched(browser, live_server):
    context = browser.new_context(base_url=live_server.url)
    violations = watch_csp(context)
    page = context.new_page()
    yield page, violations
    context.close()


def test_an_injected_inline_script_is_blocked_and_reported(watched, db):
    page, violations = watched
    page.goto("/accounts/login/")

    page.evaluate(INJECT_INLINE_SCRIPT)
    page.wait_for_timeout(300)

    assert page.evaluate("() => window.injected === true") is False
    assert any("script-src" in violation for violation in violations), violations


def test_style_attributes_are_allowed(watched, db):
    page, violations = watched
    page.goto("/accounts/login/")

    page.evaluate(INJECT_STYLED_MARKUP)
    page.wait_for_timeout(300)

    assert page.evaluate("() => getComputedStyle(document.getElementById('bar')).width") != "auto"
    assert violations == []


def test_swagger_ui_renders_under_the_policy(page, db):
    """The `page` fixture fails the test on any violation of the page."""
    page.goto("/api/docs/")

    expect(page.locator(".swagger-ui .info .title")).to_contain_text("Mentoring platform API")
    expect(page.locator(".opblock").first).to_be_visible()
