"""Issue 13 in the browser: a bulk action over a filter with its dry run and
undo, the rotation cockpit filling with the callers still on an old secret,
and the "Would this be allowed?" simulator; each passes axe."""

import base64
import re
import shutil
import urllib.parse

import pytest
from playwright.sync_api import Page, expect

from conftest import assert_accessible, create_key, csrf, dialog, sign_in, start_keydesk


def new_rest_key(page: Page, kd, name: str) -> tuple[str, str]:
    """A REST key with every permission on Order Data; its Client Id and Secret."""
    pairs = [("csrf_token", csrf(page)), ("name", name), ("active", "true"),
             ("expiry", "never"), ("access_type", "all")]
    for action in ["view", "edit"]:
        pairs.append(("grant", f"order-data:{action}"))
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


def token_call(page: Page, kd, cid: str, secret: str, agent: str) -> int:
    """Exchanges the credentials at the token endpoint, as an integration would."""
    basic = base64.b64encode(f"{cid}:{secret}".encode()).decode()
    r = page.request.post(
        f"{kd.url}/oauth/token",
        data="grant_type=client_credentials",
        headers={"Content-Type": "application/x-www-form-urlencoded",
                 "Authorization": f"Basic {basic}", "User-Agent": agent},
        max_redirects=0,
    )
    return r.status


def test_deactivate_all_matching_keys_then_undo(page: Page, keydesk, axe_source):
    kd = keydesk
    sign_in(page, kd)
    page.goto(kd.url + "/admin/api-keys/graphql")
    for name in ["Bulk feed A", "Bulk feed B", "Bulk feed C", "Unrelated keeper"]:
        create_key(page, kd, "graphql", name, active=True)

    # Unfiltered: no bulk action over the whole tab.
    page.goto(kd.url + "/admin/api-keys/graphql")
    expect(page.locator("#bulk-deactivate-all")).to_have_count(0)

    page.goto(kd.url + "/admin/api-keys/graphql?q=bulk+feed")
    link = page.locator("#bulk-deactivate-all")
    expect(link).to_have_text("Deactivate all 3 matching keys")
    link.click()
    d = dialog(page)
    # The dry run: the exact count and the names, nothing changed yet.
    expect(d.locator("#bulk-count")).to_have_attribute("data-count", "3")
    expect(d.locator("#bulk-sample li")).to_have_count(3)
    assert_accessible(page, axe_source, "dialog[open]")
    d.get_by_role("button", name="Deactivate 3 keys").click()
    expect(d.locator("#bulk-done")).to_be_visible()
    assert_accessible(page, axe_source, "dialog[open]")

    # Undo puts back exactly those three; the unrelated key was never touched.
    d.locator("#bulk-undo").click()
    expect(dialog(page)).to_have_count(0)
    expect(page.locator("#flash")).to_contain_text("Undone: 3 API keys restored.")
    page.goto(kd.url + "/admin/api-keys/graphql?q=bulk+feed&active=true")
    expect(page.locator("[data-row-link]")).to_have_count(3)
    page.goto(kd.url + "/admin/api-keys/graphql?q=unrelated&active=true")
    expect(page.locator("[data-row-link]")).to_have_count(1)


def test_a_dry_run_whose_filter_changed_refuses_to_run(page: Page, keydesk):
    kd = keydesk
    sign_in(page, kd)
    page.goto(kd.url + "/admin/api-keys/rest")
    create_key(page, kd, "rest", "Idle partner one", active=True)
    create_key(page, kd, "rest", "Idle partner two", active=True)
    page.goto(kd.url + "/admin/api-keys/rest?q=idle+partner")
    page.locator("#bulk-deactivate-all").click()
    d = dialog(page)
    expect(d.locator("#bulk-count")).to_have_attribute("data-count", "2")
    # Another admin adds a matching key before this one confirms.
    create_key(page, kd, "rest", "Idle partner three", active=True)
    d.get_by_role("button", name="Deactivate 2 keys").click()
    expect(d.locator("#bulk-notice")).to_be_visible()
    expect(d.locator("#bulk-count")).to_have_attribute("data-count", "3")
    page.goto(kd.url + "/admin/api-keys/rest?q=idle+partner&active=true")
    expect(page.locator("[data-row-link]")).to_have_count(3)


def test_the_simulator_explains_a_denial(page: Page, keydesk, axe_source):
    kd = keydesk
    sign_in(page, kd)
    page.goto(kd.url + "/admin/api-keys/rest")
    new_rest_key(page, kd, "Simulated partner")
    page.goto(kd.url + "/admin/api-keys/graphql")
    page.get_by_role("link", name="Would this be allowed?").click()
    expect(page.get_by_role("heading", name="Would this be allowed?", level=1)).to_be_visible()
    assert_accessible(page, axe_source)
    option = page.locator("#simulate-keys option", has_text="Simulated partner")
    key_id = option.get_attribute("value")
    form = page.locator("#simulate")
    form.get_by_label("Key", exact=False).first.fill(key_id)
    form.get_by_label("Function").select_option("order-data")
    form.get_by_label("Action").select_option("view")
    form.get_by_role("button", name="Ask").click()
    answer = page.locator("#simulate-answer")
    expect(answer.get_by_test_id("verdict")).to_have_text("Allowed")

    form.get_by_label("Action").select_option("delete")
    form.get_by_role("button", name="Ask").click()
    expect(answer.get_by_test_id("verdict")).to_have_text("Denied")
    expect(answer.get_by_test_id("code")).to_have_text("function_denied")
    expect(answer.get_by_test_id("sentence")).to_contain_text("Order Data")
    assert_accessible(page, axe_source)

    # A pasted secret is refused, not looked up.
    form.get_by_label("Key", exact=False).first.fill("kd_rest_0123456789abcdefghij")
    form.get_by_role("button", name="Ask").click()
    expect(page.get_by_text("That looks like a secret")).to_be_visible()


@pytest.fixture(scope="module")
def quick_usage():
    """A keydesk that writes its usage record every second."""
    kd = start_keydesk(args=["--usage-flush-interval", "1"])
    yield kd
    kd.stop()
    shutil.rmtree(kd.tmp, ignore_errors=True)


def test_the_rotation_cockpit_names_the_callers_on_the_old_secret(page: Page, quick_usage, axe_source):
    kd = quick_usage
    sign_in(page, kd)
    page.goto(kd.url + "/admin/api-keys/rest")
    cid, old = new_rest_key(page, kd, "Warehouse feed")
    assert token_call(page, kd, cid, old, "billing-sync/2.1") == 200

    page.reload()
    row = page.locator("#key-list tbody tr", has=page.get_by_role("link", name="Warehouse feed", exact=True))
    row.locator("summary").click()
    row.get_by_role("link", name="Refresh").click()
    d = dialog(page)
    expect(d.get_by_label("In 24 hours")).to_be_checked()
    d.get_by_role("button", name="Save").click()
    expect(d.get_by_role("heading", name="API key refreshed")).to_be_visible()
    new = d.locator("#secret-client-secret").input_value()
    d.get_by_role("button", name="Close").click()

    # Two integrations still present the old secret; one has moved on.
    assert token_call(page, kd, cid, old, "billing-sync/2.1") == 200
    assert token_call(page, kd, cid, old, "stock-report/0.9") == 200
    assert token_call(page, kd, cid, new, "billing-sync/2.2") == 200
    page.wait_for_timeout(2_500)  # the usage record is written every second here

    row.get_by_role("link", name="Warehouse feed").click()
    d = dialog(page)
    cockpit = d.locator(".rotation-cockpit")
    expect(cockpit.get_by_role("heading", name="Rotation in progress")).to_be_visible()
    callers = cockpit.locator(".cockpit-callers tbody tr")
    expect(callers).to_have_count(2)
    expect(cockpit.locator(".cockpit-callers")).to_contain_text("billing-sync/2.1")
    expect(cockpit.locator(".cockpit-callers")).to_contain_text("stock-report/0.9")
    expect(cockpit.locator(".cockpit-callers")).not_to_contain_text("billing-sync/2.2")
    expect(cockpit.locator(".cockpit-new-calls")).not_to_have_text("0")
    assert_accessible(page, axe_source, "dialog[open]")

    # Let keydesk stop the old secret once it has been idle for an hour.
    cockpit.get_by_label("Stop the old secret when it has been idle for").select_option(index=1)
    cockpit.get_by_role("button", name="Set").click()
    expect(dialog(page).locator(".rotation-cockpit")).to_contain_text("It stops earlier once it has had no call for")
    assert_accessible(page, axe_source, "dialog[open]")
