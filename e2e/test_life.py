"""Issue 8, the key's life in a browser: an Owner gives a REST key View on
Order Data for two stores (permission grid header boxes, the searchable
store picker), expiring on a chosen date; refreshes it with a 24-hour grace
and sees both secrets in its dialog; finds it with the Store and Expiry
filters. By mouse, by keyboard and without JavaScript, axe-checked."""

import re
import sqlite3
from datetime import datetime, timedelta, timezone

import pytest
from playwright.sync_api import Page, expect

from conftest import OWNER, PASSWORD, VIEWPORT, assert_accessible, dialog, screenshot, sign_in

STORES = [("Berlin", "berlin"), ("Hamburg", "hamburg"), ("Munich", "munich"), ("Vienna", "vienna")]


@pytest.fixture(scope="module", autouse=True)
def stores(keydesk):
    """Stores written straight into the database (the Stores page has its
    own tests)."""
    now = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M:%S")
    with sqlite3.connect(keydesk.db) as db:
        for name, code in STORES:
            db.execute("INSERT INTO stores (name, code, created_at) VALUES (?, ?, ?)", (name, code, now))


def grant(d, function: str, action: str):
    return d.get_by_label(f"{action}: {function}", exact=True)


def test_rest_key_with_grid_stores_and_expiry_then_refresh(page: Page, keydesk, axe_source):
    sign_in(page, keydesk)
    page.goto(keydesk.url + "/admin/api-keys/rest")
    page.get_by_role("button", name="New REST API Key").first.click()
    d = dialog(page)
    expect(d.get_by_role("heading", name="New REST API Key")).to_be_visible()
    d.get_by_label("Name", exact=True).fill("CPA network")

    # The grid: a column header ticks the column (and View with it), a row
    # header the row; clearing View clears what needs it.
    d.get_by_label("Edit on every function").check()
    for f in ["Product Data", "Order Data", "User"]:
        expect(grant(d, f, "Edit")).to_be_checked()
        expect(grant(d, f, "View")).to_be_checked()
    expect(d.get_by_label("View on every function")).to_be_checked()
    d.get_by_label("View on every function").uncheck()
    expect(grant(d, "Order Data", "Edit")).not_to_be_checked()
    d.get_by_label("Every permission on Order Data").check()
    for a in ["View", "Edit", "Create", "Delete"]:
        expect(grant(d, "Order Data", a)).to_be_checked()
    grant(d, "Order Data", "Edit").uncheck()
    grant(d, "Order Data", "Create").uncheck()
    grant(d, "Order Data", "Delete").uncheck()
    expect(d.get_by_label("Every permission on Order Data")).to_have_js_property("indeterminate", True)

    # Expiry: 90 days by default; a custom date shows its field.
    expiry = d.get_by_label("Expiry date")
    expect(expiry).to_have_value("90d")
    expect(d.get_by_label("Custom date")).to_be_hidden()
    expiry.select_option("date")
    expect(d.get_by_label("Custom date")).to_be_visible()
    day = (datetime.now(timezone.utc) + timedelta(days=90)).date().isoformat()
    d.get_by_label("Custom date").fill(day)

    # Stores: hidden while all stores are chosen; searchable.
    expect(d.get_by_label("Search stores")).to_be_hidden()
    d.get_by_label("Access to individual stores").check()
    search = d.get_by_label("Search stores")
    expect(search).to_be_visible()
    search.fill("ham")
    expect(d.get_by_label("Berlin")).to_be_hidden()
    d.get_by_label("Hamburg").check()
    search.fill("zzz")
    expect(d.get_by_text("No store matches.")).to_be_visible()
    search.press("Enter")  # filters, never submits
    expect(d.get_by_role("heading", name="New REST API Key")).to_be_visible()
    search.fill("")
    d.get_by_label("Berlin").check()
    assert_accessible(page, axe_source, "dialog[open]")
    screenshot(page, "rest-create-permissions.png")

    d.get_by_role("button", name="Save").click()
    expect(d.get_by_role("heading", name="API key created")).to_be_visible()
    d.get_by_role("button", name="Close").click()
    expect(dialog(page)).to_have_count(0)

    # The list, with the Store and Expiry filters.
    row = page.locator("#key-list tbody tr", has=page.get_by_role("link", name="CPA network", exact=True))
    expect(row).to_have_count(1)
    page.get_by_text("Filters", exact=True).click()
    page.get_by_label("Keys that may reach this store").select_option(label="Munich")
    expect(page.locator("#key-list")).to_contain_text("No keys match these filters.")
    page.get_by_label("Keys that may reach this store").select_option(label="Berlin")
    expect(row).to_have_count(1)
    page.get_by_role("group", name="Expiry").get_by_label("Never expires").check()
    expect(page.locator("#key-list")).to_contain_text("No keys match these filters.")
    page.get_by_role("group", name="Expiry").get_by_label("Any").check()
    expect(row).to_have_count(1)
    assert "store=" in page.url

    # Refresh from the row menu with a 24-hour grace.
    row.locator("summary").click()
    row.get_by_role("link", name="Refresh").click()
    d = dialog(page)
    expect(d.get_by_role("heading", name="Refresh API Key")).to_be_visible()
    expect(d.get_by_label("In 24 hours")).to_be_checked()
    assert_accessible(page, axe_source, "dialog[open]")
    d.get_by_role("button", name="Save").click()
    expect(d.get_by_role("heading", name="API key refreshed")).to_be_visible()
    expect(d).to_contain_text("keeps working until")
    expect(d.get_by_role("textbox", name="Client Secret")).to_have_attribute("type", "password")
    d.get_by_role("button", name="Close").click()

    # Both secrets in its dialog, the history of each step.
    row.get_by_role("link", name="CPA network").click()
    d = dialog(page)
    expect(d.get_by_role("heading", name="Edit API Key")).to_be_visible()
    secrets = d.locator(".key-secrets tbody tr")
    expect(secrets).to_have_count(2)
    expect(secrets.nth(0)).to_contain_text("Current")
    expect(secrets.nth(1)).to_contain_text("Retiring until")
    expect(grant(d, "Order Data", "View")).to_be_checked()
    expect(d.get_by_label("Berlin")).to_be_checked()
    expect(d.get_by_label("Hamburg")).to_be_checked()
    assert_accessible(page, axe_source, "dialog[open]")
    d.locator(".key-secrets").scroll_into_view_if_needed()
    screenshot(page, "edit-dialog-secrets.png")

    d.get_by_role("button", name="Stop the old secret now").click()
    expect(d).to_contain_text("The old secret was stopped")
    expect(d.locator(".key-secrets tbody tr").nth(1)).to_contain_text("Retired")
    # Every step in its history.
    history = d.locator(".key-history")
    for step in ["Key created", "Key refreshed", "Old secret stopped"]:
        expect(history).to_contain_text(step)
    assert_accessible(page, axe_source, "dialog[open]")


def test_grid_and_store_picker_by_keyboard(page: Page, keydesk, axe_source):
    sign_in(page, keydesk)
    page.goto(keydesk.url + "/admin/api-keys/rest")
    page.get_by_role("button", name="New REST API Key").first.focus()
    page.keyboard.press("Enter")
    d = dialog(page)
    expect(d.get_by_label("Name", exact=True)).to_be_focused()
    page.keyboard.type("Keyboard key")
    # Tab to the View column header and tick it with Space.
    header = d.get_by_label("View on every function")
    for _ in range(40):
        page.keyboard.press("Tab")
        if header.evaluate("e => e === document.activeElement"):
            break
    expect(header).to_be_focused()
    page.keyboard.press("Space")
    for f in ["Product Data", "Logistics", "Shop & channel"]:
        expect(grant(d, f, "View")).to_be_checked()
    # On to the access type radios: arrow keys choose, the picker appears.
    radio = d.get_by_label("Access to all stores")
    radio.focus()
    page.keyboard.press("ArrowDown")
    expect(d.get_by_label("Access to individual stores")).to_be_checked()
    page.keyboard.press("Tab")
    expect(d.get_by_label("Search stores")).to_be_focused()
    page.keyboard.type("vie")
    page.keyboard.press("Tab")
    expect(d.get_by_label("Vienna")).to_be_focused()
    page.keyboard.press("Space")
    expect(d.get_by_label("Vienna")).to_be_checked()
    d.get_by_role("button", name="Save").focus()
    page.keyboard.press("Enter")
    expect(d.get_by_role("heading", name="API key created")).to_be_visible()
    assert_accessible(page, axe_source, "dialog[open]")


def test_life_fields_without_javascript(browser, keydesk):
    ctx = browser.new_context(java_script_enabled=False, viewport=VIEWPORT)
    page = ctx.new_page()
    page.goto(keydesk.url + "/login")
    page.get_by_label("Username").fill(OWNER)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.goto(keydesk.url + "/admin/api-keys/rest/new")
    page.get_by_label("Name", exact=True).fill("No-script REST key")
    # Everything is a plain control: the grid's boxes, the stores' boxes,
    # the date field.
    expect(page.get_by_label("View on every function")).to_be_hidden()
    grant(page, "Logistics", "View").check()
    grant(page, "Logistics", "Edit").check()
    page.get_by_label("Expiry date").select_option("never")
    page.get_by_label("Access to individual stores").check()
    expect(page.get_by_label("Search stores")).to_be_hidden()
    # No store chosen: the form again, with the message and what was typed.
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("Choose at least one store, or give access to all stores.")).to_be_visible()
    expect(page.get_by_label("Name", exact=True)).to_have_value("No-script REST key")
    expect(grant(page, "Logistics", "Edit")).to_be_checked()
    page.get_by_label("Munich").check()
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("heading", name="API key created")).to_be_visible()
    secret = page.get_by_role("textbox", name="Client Secret").input_value()
    assert secret.startswith("kd_rest_")

    # Refresh as pages: the key's page, Refresh, Save.
    page.goto(keydesk.url + "/admin/api-keys/rest")
    page.get_by_role("link", name="No-script REST key", exact=True).click()
    expect(page).to_have_url(re.compile(r"/admin/api-keys/rest/\d+$"))
    page.get_by_role("button", name="Refresh").click()
    expect(page.get_by_role("heading", name="Refresh API Key")).to_be_visible()
    page.get_by_label("Now", exact=True).check()
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("heading", name="API key refreshed")).to_be_visible()
    expect(page.get_by_text("The old secret stopped working now.")).to_be_visible()
    new = page.get_by_role("textbox", name="Client Secret").input_value()
    assert new != secret and new.startswith("kd_rest_")
    ctx.close()


def test_stores_and_history_pages(page: Page, keydesk, axe_source):
    sign_in(page, keydesk)
    page.goto(keydesk.url + "/admin/api-keys/graphql")
    page.get_by_role("link", name="Stores", exact=True).first.click()
    expect(page.get_by_role("heading", name="Stores")).to_be_visible()
    expect(page.get_by_role("cell", name="Berlin", exact=True)).to_be_visible()
    page.get_by_label("Name", exact=True).fill("Graz")
    page.get_by_label("Code", exact=True).fill("graz")
    page.get_by_role("button", name="Add", exact=True).click()
    expect(page.get_by_role("cell", name="Graz", exact=True)).to_be_visible()
    # A duplicate code: the message beside the field, nothing added.
    page.get_by_label("Name", exact=True).fill("Graz again")
    page.get_by_label("Code", exact=True).fill("graz")
    page.get_by_role("button", name="Add", exact=True).click()
    expect(page.locator(".field-error")).to_be_visible()
    assert_accessible(page, axe_source)

    page.goto(keydesk.url + "/admin/audit")
    expect(page.get_by_role("heading", name="History")).to_be_visible()
    expect(page.locator("main")).to_contain_text("Store created")
    assert_accessible(page, axe_source)
    screenshot(page, "history.png")
