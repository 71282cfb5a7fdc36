"""API Documentation with the platform's document loaded
(`--platform-openapi`): Swagger UI's "Select a definition" offers keydesk's
Key API (first) and the platform's API; choosing the platform's shows its
operations, under the page's CSP (no inline script)."""

import shutil

import pytest
from playwright.sync_api import Page, expect

from conftest import ROOT, sign_in, start_keydesk


@pytest.fixture(scope="module")
def keydesk():
    kd = start_keydesk(args=["--platform-openapi", str(ROOT / "examples" / "platform-openapi.yaml")])
    yield kd
    kd.stop()
    shutil.rmtree(kd.tmp, ignore_errors=True)


def test_the_selector_offers_both_documents(page: Page, keydesk):
    errors = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    sign_in(page, keydesk)
    page.goto(keydesk.url + "/admin/api-docs")
    select = page.locator(".swagger-ui .topbar select")
    expect(select).to_be_visible(timeout=15000)
    assert select.locator("option").all_inner_texts() == ["keydesk Key API", "Platform API"]
    expect(page.locator(".swagger-ui .info .title")).to_contain_text("keydesk Key API", timeout=15000)
    expect(page.locator("#operations-Me-getMe")).to_be_visible()
    select.select_option(label="Platform API")
    expect(page.locator(".swagger-ui .info .title")).not_to_contain_text("keydesk", timeout=15000)
    expect(page.locator(".swagger-ui .opblock").first).to_be_visible()
    expect(page.locator("#swagger-ui")).to_contain_text("/orders/statuses")
    assert not [e for e in errors if "Content Security Policy" in e], errors
