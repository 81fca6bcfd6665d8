"""Content-Security-Policy: the header on every page, a fresh nonce per request that
matches the page's inline blocks, and templates that need no inline script."""

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
NONCE = re.compile(r"'nonce-([^']+)'")
ATTRIBUTE_NONCE = re.compile(r"<(?:script|style)\b[^>]*\snonce=\"([^\"]+)\"")


def directives(response) -> dict[str, list[str]]:
    header = response.headers["Content-Security-Policy"]
    parts = (part.strip().split() for part in header.split(";") if part.strip())
    return {name: values for name, *values in parts}


def test_every_page_sends_the_policy(client, db):
    policy = directives(client.get("/accounts/login/"))

    assert policy["default-src"] == ["'self'"]
    assert policy["object-src"] == ["'none'"]
    assert policy["base-uri"] == ["'none'"]
    assert policy["frame-ancestors"] == ["'none'"]
    assert policy["form-action"] == ["'self'"]
    assert policy["script-src"][0] == "'self'"
    assert "'unsafe-inline'" not in policy["script-src"]
    assert "'unsafe-eval'" not in policy["script-src"]
    assert "'unsafe-inline'" not in policy["style-src"]
    assert policy["style-src-attr"] == ["'unsafe-inline'"]


def test_signed_in_pages_and_the_api_send_it_too(client, user):
    client.force_login(user)

    assert "default-src 'self'" in client.get("/").headers["Content-Security-Policy"]
    assert "default-src 'self'" in client.get("/api/v1/me/").headers["Content-Security-Policy"]


def test_swagger_ui_nonce_matches_its_inline_blocks_and_changes_per_request(client, db):
    first, second = client.get("/api/docs/"), client.get("/api/docs/")

    assert first.status_code == 200
    nonces = []
    for response in (first, second):
        header_nonces = set(NONCE.findall(" ".join(directives(response)["script-src"])))
        page_nonces = set(ATTRIBUTE_NONCE.findall(response.content.decode()))
        assert len(header_nonces) == 1
        assert page_nonces == header_nonces  # the inline <style> and the starting <script>
        assert len(ATTRIBUTE_NONCE.findall(response.content.decode())) == 2
        assert set(NONCE.findall(" ".join(directives(response)["style-src"]))) == header_nonces
        nonces.append(header_nonces.pop())
    assert nonces[0] != nonces[1]
    assert len(nonces[0]) >= 16


def test_pages_without_inline_blocks_get_no_nonce(client, db):
    """A nonce is only put in the header when the page used it."""
    assert not NONCE.search(client.get("/accounts/login/").headers["Content-Security-Policy"])


def test_swagger_ui_reports_to_no_outside_validator(client, db):
    assert '"validatorUrl": null' in client.get("/api/docs/").content.decode()


# --- Templates ----------------------------------------------------------------------------

TEMPLATE_DIR = ROOT / "templates"
INLINE_HANDLER = re.compile(r"<[a-zA-Z][^>]*?\s(on[a-z]+|hx-on[:\w-]*)\s*=", re.DOTALL)
JAVASCRIPT_URL = re.compile(r"""(?:href|src|action|formaction)\s*=\s*["']?\s*javascript:""", re.IGNORECASE)
SCRIPT_TAG = re.compile(r"<script\b([^>]*)>", re.IGNORECASE)


def _page_templates() -> list[Path]:
    """Templates served as pages; e-mail bodies are not rendered under the policy."""
    return [
        path
        for path in TEMPLATE_DIR.rglob("*.html")
        if "email" not in path.relative_to(TEMPLATE_DIR).parts and path.name != "email.html"
    ]


@pytest.mark.parametrize("path", _page_templates(), ids=lambda path: str(path.relative_to(TEMPLATE_DIR)))
def test_templates_have_no_inline_handlers_or_unnonced_scripts(path):
    source = path.read_text()

    assert not INLINE_HANDLER.search(source), "inline event handler: move it to a file in static/js/"
    assert not JAVASCRIPT_URL.search(source), "javascript: URL"
    for attributes in SCRIPT_TAG.findall(source):
        is_data = "application/json" in attributes
        assert "src=" in attributes or "nonce=" in attributes or is_data, (
            'inline <script> without the request\'s nonce (nonce="{{ request.csp_nonce }}")'
        )


def test_the_template_scan_sees_the_project_templates():
    assert TEMPLATE_DIR / "base.html" in _page_templates()
    assert len(_page_templates()) > 20
