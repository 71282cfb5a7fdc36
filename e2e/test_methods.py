"""Allowed API Methods (seed 003) with the example platform document: the
block title ticks or clears a whole block by keyboard, the search filters,
the dialog passes axe, and without JavaScript the plain checkbox list still
submits."""

import shutil
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from conftest import VIEWPORT, assert_accessible, dialog, sign_in, start_keydesk

EXAMPLE = Path(__file__).resolve().parent.parent / "examples" / "platform-openapi.yaml"
STATUSES = "GET /api/v*/orders/statuses"


@pytest.fixture(scope="module")
def kd():
    k = start_keydesk(args=["--platform-openapi", str(EXAMPLE)])
    yield k
    k.stop()
    shutil.rmtree(k.tmp, ignore_errors=True)


def open_new_rest_dialog(page: Page, kd):
    sign_in(page, kd)
    page.goto(kd.url + "/admin/api-keys/rest")
    page.get_by_role("button", name="New REST API Key").first.click()
    d = dialog(page)
    expect(d.get_by_role("heading", name="New REST API Key")).to_be_visible()
    return d


def test_block_toggle_by_keyboard_search_and_axe(page: Page, kd, axe_source):
    d = open_new_rest_dialog(page, kd)
    picker = d.locator("[data-method-picker]")
    expect(picker).to_be_hidden()  # "All methods" is the default
    expect(d.get_by_label("All methods")).to_be_checked()
    d.get_by_label("Only the methods chosen below").check()
    expect(picker).to_be_visible()

    block = d.locator('[data-method-block="order-data"]')
    toggle = block.locator("[data-block-toggle]")
    boxes = block.locator('input[name="method"]')
    assert boxes.count() >= 5
    # Keyboard: focus the block's title checkbox and press Space.
    toggle.focus()
    page.keyboard.press("Space")
    for i in range(boxes.count()):
        expect(boxes.nth(i)).to_be_checked()
    # Other blocks are untouched.
    expect(d.locator('[data-method-block="logistics"] input[name="method"]:checked')).to_have_count(0)
    page.keyboard.press("Space")
    expect(block.locator('input[name="method"]:checked')).to_have_count(0)
    # One method ticked: the title is "some" (indeterminate).
    block.get_by_label(STATUSES, exact=False).check()
    assert toggle.evaluate("el => el.indeterminate")

    # Search filters the methods; blocks without a match hide.
    search = d.get_by_label("Search API methods")
    search.fill("statuses")
    expect(d.locator('[data-method-block="logistics"]')).to_be_hidden()
    expect(block.locator(".method-item:visible")).to_have_count(1)
    page.keyboard.press("Enter")  # filters; does not submit
    expect(d.get_by_role("heading", name="New REST API Key")).to_be_visible()
    search.fill("no such method")
    expect(d.get_by_text("No API method matches.")).to_be_visible()
    search.fill("")
    assert_accessible(page, axe_source, "dialog[open]")

    d.get_by_label("Name", exact=True).fill("CPA network")
    d.get_by_role("button", name="Save").click()
    expect(d.get_by_role("heading", name="API key created")).to_be_visible()
    page.keyboard.press("Escape")
    page.get_by_role("link", name="CPA network").click()
    d = dialog(page)
    expect(d.get_by_label("Only the methods chosen below")).to_be_checked()
    expect(d.locator('input[name="method"]:checked')).to_have_count(1)
    assert_accessible(page, axe_source, "dialog[open]")


def test_without_javascript_the_plain_list_submits(browser: Browser, kd):
    ctx = browser.new_context(java_script_enabled=False, viewport=VIEWPORT)
    page = ctx.new_page()
    sign_in(page, kd)
    page.goto(kd.url + "/admin/api-keys/rest/new")
    # No toggles or search without JavaScript; the list is there.
    expect(page.locator("[data-block-toggle]").first).to_be_hidden()
    expect(page.get_by_label("Search API methods")).to_be_hidden()
    page.get_by_label("Name", exact=True).fill("No-JS CPA")
    page.get_by_label("Only the methods chosen below").check()
    page.get_by_label(STATUSES, exact=False).check()
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("heading", name="API key created")).to_be_visible()
    page.goto(kd.url + "/admin/api-keys/rest")
    page.get_by_role("link", name="No-JS CPA").click()
    expect(page.get_by_label("Only the methods chosen below")).to_be_checked()
    expect(page.locator('input[name="method"]:checked')).to_have_count(1)
    ctx.close()
