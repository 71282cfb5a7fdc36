"""API Documentation (seed 002): Authorize with a new REST key's Client Id
and Client Secret, Try it out GET /api/v1/me, Execute, read the JSON; then
deactivate the key and read the unauthenticated message with its reason."""

import re
import urllib.parse

from playwright.sync_api import Page, expect

from conftest import axe_violations, csrf, sign_in


def new_rest_key(page: Page, kd, name: str) -> tuple[str, str]:
    pairs = [("csrf_token", csrf(page)), ("name", name), ("active", "true"),
             ("expiry", "never"), ("access_type", "all")]
    r = page.request.post(
        f"{kd.url}/admin/api-keys/rest/new",
        data=urllib.parse.urlencode(pairs),
        headers={"Content-Type": "application/x-www-form-urlencoded"},
        max_redirects=0,
    )
    assert r.status == 200, r.text()[:300]
    html = r.text()
    cid = re.search(r'id="secret-client-id"[^>]*value="([^"]+)"', html).group(1)
    secret = re.search(r'id="secret-client-secret"[^>]*value="([^"]+)"', html).group(1)
    return cid, secret


def execute_me(page: Page):
    op = page.locator("#operations-Me-getMe")
    if not op.locator(".try-out__btn").is_visible():
        op.locator(".opblock-summary").first.click()
    try_out = op.locator("button.try-out__btn")
    expect(try_out).to_have_text("Try it out")
    try_out.click()
    expect(op.locator("button.execute")).to_have_text("Execute")
    op.locator("button.execute").click()
    return op


def test_authorize_try_it_out_execute(page: Page, keydesk, axe_source):
    sign_in(page, keydesk)
    cid, secret = new_rest_key(page, keydesk, "Docs tester")
    page.goto(keydesk.url + "/admin/api-keys/rest")
    page.get_by_role("link", name="API Documentation").first.click()
    expect(page.get_by_role("heading", name="API Documentation", level=1)).to_be_visible()
    expect(page.locator(".swagger-ui .info")).to_be_visible(timeout=15000)

    page.get_by_role("button", name="Authorize").first.click()
    modal = page.locator(".modal-ux")
    modal.locator('input[data-name="clientId"]').fill(cid)
    modal.locator('input[data-name="clientSecret"]').fill(secret)
    oauth = modal.locator(".auth-container").filter(has=page.locator('input[data-name="clientId"]'))
    expect(oauth.locator("button.modal-btn.authorize")).to_have_text("Authorize")
    oauth.locator("button.modal-btn.authorize").click()
    expect(modal).to_contain_text("Authorized", timeout=10000)
    modal.locator("button.btn-done").first.click()

    op = execute_me(page)
    body = op.locator(".live-responses-table .response-col_description pre").first
    expect(body).to_contain_text('"Docs tester"', timeout=10000)
    expect(body).to_contain_text('"kind": "rest"')

    # Our own markup on the page passes axe (Swagger's internals are its own).
    bad = axe_violations(page, axe_source, "main > .api-docs-help")
    assert not bad, bad
    bad = axe_violations(page, axe_source, ".app-header")
    assert not bad, bad

    # Deactivate the key in API Key Management, then Execute again.
    other = page.context.new_page()
    other.goto(keydesk.url + "/admin/api-keys/rest")
    href = other.get_by_role("link", name="Docs tester").get_attribute("href")
    other.goto(keydesk.url + href)
    other.get_by_role("switch", name="Active").uncheck()
    other.get_by_role("button", name="Save").click()
    # Switching Active off asks first, saying what it breaks (issue 13).
    expect(other.locator("#edit-changes")).to_contain_text("Active is switched off")
    other.get_by_role("button", name="Save anyway").click()
    other.wait_for_load_state()
    other.close()

    op.locator("button.execute").click()
    body = op.locator(".live-responses-table .response-col_description pre").first
    expect(body).to_contain_text("inactive", timeout=10000)
    expect(body).to_contain_text("activate it in API Key Management")
