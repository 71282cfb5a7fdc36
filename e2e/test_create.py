"""Journey 2: an Owner creates a GraphQL key with a channel and two roles,
reveals it with the eye button, copies it, closes the dialog and finds it in
the list; then a REST key whose Client Id and Client Secret are revealed and
copied. Also: the Sales channels page, validation in the dialog, and the
screenshots of the GraphQL tab, the revealed key and the REST tab."""

import re

import pytest
from playwright.sync_api import Page, expect

from conftest import assert_accessible, create_key, dialog, row_names, screenshot, sign_in

CHANNELS = ["Web Shop", "Marketplace", "B2B Portal"]

# Realistic keys for the screenshots: (name, active, channel, roles).
GRAPHQL_KEYS = [
    ("Northwind ERP integration", True, "B2B Portal", [("order-data", "editor"), ("pricing", "viewer")]),
    ("Contoso PIM sync", True, "Web Shop", [("product-data", "owner")]),
    ("Fabrikam warehouse feed", False, "Default", [("logistics", "editor")]),
    ("Tailspin marketplace bridge", True, "Marketplace", [("product-data", "viewer"), ("order-data", "viewer")]),
    ("Reporting dashboard (read-only)", True, "", [("order-data", "viewer")]),
    ("Globex price updates", False, "Web Shop", [("pricing", "editor")]),
]
REST_KEYS = [
    ("Shop frontend", True),
    ("Legacy order export", False),
    ("Payment provider webhook", True),
]


def clipboard(page: Page) -> str:
    return page.evaluate("() => navigator.clipboard.readText()")


def channel_ids(page: Page) -> dict[str, str]:
    page.goto(page.url.split("/admin")[0] + "/admin/api-keys/graphql/new")
    options = page.locator("#key-channel option")
    return {o.inner_text(): o.get_attribute("value") for o in options.all()}


def test_owner_adds_sales_channels(page: Page, keydesk, axe_source):
    sign_in(page, keydesk)
    page.get_by_role("link", name="Sales channels").click()
    expect(page.get_by_role("heading", name="Sales channels")).to_be_visible()
    expect(page.get_by_role("cell", name="Default", exact=True)).to_be_visible()
    for name in CHANNELS:
        page.get_by_label("Add channel").fill(name)
        page.get_by_role("button", name="Add", exact=True).click()
        expect(page.get_by_role("cell", name=name, exact=True)).to_be_visible()
    assert_accessible(page, axe_source)


def test_owner_creates_graphql_key_reveals_copies_and_finds_it(page: Page, keydesk, axe_source):
    sign_in(page, keydesk)
    page.goto(keydesk.url + "/admin/api-keys/graphql")
    assert_accessible(page, axe_source)

    page.get_by_role("button", name="New GraphQL API Key").first.click()
    d = dialog(page)
    expect(d.get_by_role("heading", name="New GraphQL API Key")).to_be_visible()
    # Focus moved into the dialog, onto Name.
    expect(d.get_by_label("Name", exact=True)).to_be_focused()
    assert_accessible(page, axe_source, "dialog[open]")

    # The labels of seed 001.
    expect(d.get_by_label("Channel", exact=True)).to_be_visible()
    expect(d.get_by_role("group", name="Roles")).to_be_visible()
    expect(d.get_by_role("switch", name="Active")).not_to_be_checked()  # off by default

    d.get_by_label("Name", exact=True).fill("Acme storefront")
    d.get_by_label("Channel", exact=True).select_option(label="Web Shop")
    d.get_by_label("Role Definition").nth(0).select_option(label="Product Data")
    d.get_by_label("Access level").nth(0).select_option(label="Editor")
    d.get_by_role("button", name="Add Role").click()
    expect(d.get_by_label("Role Definition")).to_have_count(2)
    expect(d.get_by_label("Role Definition").nth(1)).to_be_focused()
    d.get_by_label("Role Definition").nth(1).select_option(label="Role & permission")
    d.get_by_label("Access level").nth(1).select_option(label="Viewer")
    d.get_by_role("switch", name="Active").check()
    d.get_by_role("button", name="Save").click()

    expect(d.get_by_role("heading", name="API key created")).to_be_visible()
    expect(d.get_by_text("will not be shown again")).to_be_visible()
    key = d.get_by_role("textbox", name="API Key")
    expect(key).to_have_attribute("type", "password")  # hidden by default
    value = key.input_value()
    assert re.fullmatch(r"kd_gql_[A-Za-z0-9_\-]{32,}", value), value

    show = d.get_by_role("button", name="Show")
    show.click()
    expect(d.get_by_role("button", name="Hide")).to_be_visible()
    expect(key).to_have_attribute("type", "text")
    d.get_by_role("button", name="Copy").click()
    expect(d.get_by_role("button", name="Copied")).to_be_visible()
    assert clipboard(page) == value
    assert_accessible(page, axe_source, "dialog[open]")
    screenshot(page, "create-dialog-revealed.png")

    d.get_by_role("button", name="Hide").click()
    expect(key).to_have_attribute("type", "password")
    expect(d.get_by_role("button", name="Show")).to_be_visible()

    d.get_by_role("button", name="Close").click()
    expect(dialog(page)).to_have_count(0)
    row = page.locator("#key-list tbody tr", has_text="Acme storefront")
    expect(row).to_have_count(1)
    expect(row).to_contain_text("Web Shop")
    expect(row).to_contain_text("Active")

    # The key opens with its roles, read-only; the secret is not shown again.
    row.get_by_role("link", name="Acme storefront").click()
    d = dialog(page)
    expect(d.get_by_text("Roles cannot be changed after creation")).to_be_visible()
    roles = d.locator(".roles-readonly tbody tr")
    expect(roles).to_have_count(2)
    expect(roles.nth(0)).to_contain_text("Product Data")
    expect(roles.nth(0)).to_contain_text("Editor")
    expect(d.locator(".roles-readonly")).to_contain_text("Role & permission")
    expect(d.get_by_label("Role Definition")).to_have_count(0)
    assert value not in page.content()
    assert value[:12] in d.inner_text() or value[:10] in d.inner_text(), "the key prefix identifies the key"
    assert_accessible(page, axe_source, "dialog[open]")
    page.keyboard.press("Escape")
    expect(dialog(page)).to_have_count(0)


def test_create_dialog_shows_errors_beside_fields_and_creates_nothing(page: Page, keydesk):
    sign_in(page, keydesk)
    page.goto(keydesk.url + "/admin/api-keys/graphql")
    before = row_names(page)
    page.get_by_role("button", name="New GraphQL API Key").first.click()
    d = dialog(page)
    d.get_by_role("button", name="Save").click()
    expect(d.get_by_label("Name", exact=True)).to_have_attribute("aria-invalid", "true")
    expect(d.locator("#key-name-error")).to_be_visible()

    d.get_by_label("Name", exact=True).fill("Twice the same role")
    d.get_by_label("Role Definition").nth(0).select_option(label="Pricing")
    d.get_by_label("Access level").nth(0).select_option(label="Viewer")
    d.get_by_role("button", name="Add Role").click()
    d.get_by_label("Role Definition").nth(1).select_option(label="Pricing")
    d.get_by_label("Access level").nth(1).select_option(label="Owner")
    d.get_by_role("button", name="Save").click()
    expect(d.locator("#roles-error")).to_be_visible()
    expect(d.get_by_role("heading", name="API key created")).to_have_count(0)

    # "Remove role" takes a row away.
    d.get_by_role("button", name="Remove role").nth(1).click()
    expect(d.get_by_label("Role Definition")).to_have_count(1)

    d.get_by_role("button", name="Cancel").click()
    expect(dialog(page)).to_have_count(0)
    page.reload()
    assert row_names(page) == before


def test_screenshot_of_graphql_tab_with_keys(page: Page, keydesk, axe_source):
    sign_in(page, keydesk)
    ids = channel_ids(page)
    page.goto(keydesk.url + "/admin/api-keys/graphql")
    for name, active, channel, roles in GRAPHQL_KEYS:
        create_key(page, keydesk, "graphql", name, active, ids.get(channel, ""), roles)
    page.reload()
    for name, *_ in GRAPHQL_KEYS:
        expect(page.get_by_role("link", name=name, exact=True)).to_be_visible()
    assert_accessible(page, axe_source)
    screenshot(page, "graphql-tab.png")


def test_owner_creates_rest_key_reveals_and_copies_client_id_and_secret(page: Page, keydesk, axe_source):
    sign_in(page, keydesk)
    page.goto(keydesk.url + "/admin/api-keys/rest")
    for name, active in REST_KEYS:
        create_key(page, keydesk, "rest", name, active)
    page.reload()

    page.get_by_role("button", name="New REST API Key").first.click()
    d = dialog(page)
    expect(d.get_by_role("heading", name="New REST API Key")).to_be_visible()
    expect(d.get_by_label("Channel", exact=True)).to_have_count(0)
    expect(d.get_by_role("group", name="Roles")).to_have_count(0)
    assert_accessible(page, axe_source, "dialog[open]")
    d.get_by_label("Name", exact=True).fill("Partner portal backend")
    d.get_by_role("switch", name="Active").check()
    d.get_by_role("button", name="Save").click()
    expect(d.get_by_role("heading", name="API key created")).to_be_visible()

    values = {}
    for label in ("Client Id", "Client Secret"):
        group = d.get_by_role("group", name=label)
        field = d.get_by_role("textbox", name=label)
        expect(field).to_have_attribute("type", "password")
        group.get_by_role("button", name="Show").click()
        expect(group.get_by_role("button", name="Hide")).to_be_visible()
        expect(field).to_have_attribute("type", "text")
        values[label] = field.input_value()
        group.get_by_role("button", name="Copy").click()
        expect(group.get_by_role("button", name="Copied")).to_be_visible()
        assert clipboard(page) == values[label]
    assert values["Client Secret"].startswith("kd_rest_")
    assert values["Client Id"] != values["Client Secret"]
    assert_accessible(page, axe_source, "dialog[open]")

    d.get_by_role("button", name="Close").click()
    expect(dialog(page)).to_have_count(0)
    row = page.locator("#key-list tbody tr", has_text="Partner portal backend")
    expect(row).to_have_count(1)
    assert_accessible(page, axe_source)
    screenshot(page, "rest-tab.png")

    # The Client Id stays visible in the edit dialog; the secret does not.
    row.get_by_role("link", name="Partner portal backend").click()
    d = dialog(page)
    expect(d).to_contain_text(values["Client Id"])
    assert values["Client Secret"] not in page.content()
    d.get_by_role("button", name="Cancel").click()
    expect(dialog(page)).to_have_count(0)
