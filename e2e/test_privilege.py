"""Least privilege in the browser (issue 13, part 4): a REST key granted
three permissions and used for one says so, lists the two unused, and
"Narrow to what it used" opens its edit dialog with only the used one
ticked; saving asks first (the impact step) and then narrows it. Axe on
each step."""

import base64
import re
import shutil
import urllib.parse

import pytest
from playwright.sync_api import Page, expect

from conftest import assert_accessible, csrf, dialog, sign_in, start_keydesk


@pytest.fixture(scope="module")
def quick_usage():
    """A keydesk that writes its usage record every second."""
    kd = start_keydesk(args=["--usage-flush-interval", "1"])
    yield kd
    kd.stop()
    shutil.rmtree(kd.tmp, ignore_errors=True)


def rest_key(page: Page, kd, name: str, grants: list[str]) -> tuple[str, str]:
    pairs = [("csrf_token", csrf(page)), ("name", name), ("active", "true"),
             ("expiry", "never"), ("access_type", "all")]
    pairs += [("grant", g) for g in grants]
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


def grant(d, function: str, action: str):
    return d.get_by_label(f"{action}: {function}", exact=True)


def test_a_key_used_for_one_permission_of_three_is_narrowed(page: Page, quick_usage, axe_source):
    kd = quick_usage
    sign_in(page, kd)
    page.goto(kd.url + "/admin/api-keys/rest")
    caller = rest_key(page, kd, "Platform gateway", ["role-permission:view"])
    _, secret = rest_key(page, kd, "Order sync", ["order-data:view", "order-data:edit", "pricing:view"])
    basic = base64.b64encode(f"{caller[0]}:{caller[1]}".encode()).decode()
    for _ in range(3):
        r = page.request.post(
            f"{kd.url}/api/v1/keys/verify",
            data='{"key": "%s", "function": "order-data", "action": "view"}' % secret,
            headers={"Content-Type": "application/json", "Authorization": f"Basic {basic}"},
        )
        assert r.status == 200 and r.json()["valid"] is True, r.text()
    page.wait_for_timeout(2_500)  # the usage record is written every second here

    page.reload()
    page.get_by_role("link", name="Order sync", exact=True).click()
    d = dialog(page)
    section = d.locator(".key-privilege")
    expect(section).to_contain_text("Granted 3 permissions, used 1 in the last 30 days")
    section.get_by_role("link", name="Show unused").click()
    unused = section.locator(".unused-grants li")
    expect(unused).to_have_count(2)
    expect(section.locator(".unused-grants")).to_contain_text("Order Data: Edit")
    expect(section.locator(".unused-grants")).to_contain_text("Pricing: View")
    assert_accessible(page, axe_source, "dialog[open]")

    section.locator("#narrow-key").click()
    d = dialog(page)
    expect(d.get_by_role("heading", name="Edit API Key")).to_be_visible()
    expect(grant(d, "Order Data", "View")).to_be_checked()
    expect(grant(d, "Order Data", "Edit")).not_to_be_checked()
    expect(grant(d, "Pricing", "View")).not_to_be_checked()
    assert_accessible(page, axe_source, "dialog[open]")

    # Narrowing asks first and says what the removed part was used for.
    d.get_by_role("button", name="Save").click()
    expect(d.get_by_role("button", name="Save anyway")).to_be_visible()
    expect(d.locator("#edit-changes")).to_contain_text("Pricing")
    expect(d.locator("#edit-impact")).to_contain_text("No calls used what you are removing.")
    assert_accessible(page, axe_source, "dialog[open]")
    d.get_by_role("button", name="Save anyway").click()
    expect(dialog(page)).to_have_count(0)

    page.get_by_role("link", name="Order sync", exact=True).click()
    expect(dialog(page).locator(".key-privilege")).to_contain_text(
        "Granted 1 permission, used 1 in the last 30 days")
