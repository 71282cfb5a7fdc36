"""Without JavaScript: sign-in, create, edit, delete, sort and filter all
work with full page loads."""

import re

import pytest
from playwright.sync_api import Page, expect

from conftest import OWNER, PASSWORD, VIEWPORT, row_names


@pytest.fixture
def nojs(browser, keydesk):
    ctx = browser.new_context(java_script_enabled=False, viewport=VIEWPORT)
    page = ctx.new_page()
    page.goto(keydesk.url + "/login")
    page.get_by_label("Username").fill(OWNER)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()
    expect(page).to_have_url(re.compile(r"/admin/api-keys"))
    yield page
    ctx.close()


def row(page: Page, name: str):
    return page.locator("#key-list tbody tr", has=page.get_by_role("link", name=name, exact=True))


def test_create_edit_delete_without_javascript(nojs: Page, keydesk):
    page = nojs
    page.goto(keydesk.url + "/admin/api-keys/graphql")
    page.get_by_role("button", name="New GraphQL API Key").first.click()
    expect(page).to_have_url(re.compile(r"/admin/api-keys/graphql/new$"))
    expect(page.get_by_role("heading", name="New GraphQL API Key")).to_be_visible()
    page.get_by_label("Name", exact=True).fill("No-script key")
    page.get_by_label("Channel", exact=True).select_option(label="Default")
    page.get_by_label("Role Definition").nth(0).select_option(label="Order Data")
    page.get_by_label("Access level").nth(0).select_option(label="Viewer")
    page.get_by_label("Role Definition").nth(1).select_option(label="Pricing")
    page.get_by_label("Access level").nth(1).select_option(label="Owner")
    page.get_by_role("switch", name="Active").check()
    page.get_by_role("button", name="Save").click()

    expect(page.get_by_role("heading", name="API key created")).to_be_visible()
    key = page.get_by_role("textbox", name="API Key")
    assert key.input_value().startswith("kd_gql_")  # plain text without JS, to copy by hand
    page.get_by_role("button", name="Close").click()  # a link styled as a button
    expect(page).to_have_url(re.compile(r"/admin/api-keys/graphql$"))
    expect(row(page, "No-script key")).to_contain_text("Active")

    # Edit
    page.get_by_role("link", name="No-script key").click()
    expect(page.get_by_role("heading", name="Edit API Key")).to_be_visible()
    expect(page.locator(".roles-readonly")).to_contain_text("Order Data")
    page.get_by_label("Name", exact=True).fill("No-script key, renamed")
    page.get_by_role("switch", name="Active").uncheck()
    page.get_by_role("button", name="Save").click()
    # Switching Active off asks first, as a page of its own (issue 13).
    expect(page.locator("#edit-changes")).to_contain_text("Active is switched off")
    expect(page.locator("#edit-impact")).to_contain_text("No calls in 90 days.")
    page.get_by_role("button", name="Save anyway").click()
    expect(page).to_have_url(re.compile(r"/admin/api-keys/graphql"))
    expect(row(page, "No-script key, renamed")).to_contain_text("Inactive")

    # A validation error shows on the page, beside the field.
    page.get_by_role("link", name="No-script key, renamed").click()
    page.get_by_label("Name", exact=True).fill("   ")
    page.get_by_role("button", name="Save").click()
    expect(page.locator("#key-name-error")).to_be_visible()
    page.get_by_role("button", name="Cancel").click()

    # Delete
    page.goto(keydesk.url + "/admin/api-keys/rest/new")
    page.get_by_label("Name", exact=True).fill("No-script REST")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("textbox", name="Client Id")).to_be_visible()
    expect(page.get_by_role("textbox", name="Client Secret")).to_be_visible()
    page.goto(keydesk.url + "/admin/api-keys/graphql")
    page.get_by_label("Select No-script key, renamed").check()
    page.locator("#key-list").get_by_role("button", name="Delete").click()
    expect(page.get_by_role("heading", name="Delete 1 API key?")).to_be_visible()
    expect(page.locator(".delete-list")).to_contain_text("No-script key, renamed")
    page.get_by_role("button", name="Delete", exact=True).click()
    expect(page).to_have_url(re.compile(r"/admin/api-keys/graphql"))
    expect(row(page, "No-script key, renamed")).to_have_count(0)


def test_sort_filter_and_page_without_javascript(nojs: Page, keydesk):
    page = nojs
    # Keys to sort: created in the no-JS create page, so this test stands alone.
    for name, active in (("Zeta nojs", True), ("Alpha nojs", False), ("Mu nojs", True)):
        page.goto(keydesk.url + "/admin/api-keys/rest/new")
        page.get_by_label("Name", exact=True).fill(name)
        if active:
            page.get_by_role("switch", name="Active").check()
        page.get_by_role("button", name="Save").click()
        expect(page.get_by_role("heading", name="API key created")).to_be_visible()

    page.goto(keydesk.url + "/admin/api-keys/rest?q=nojs")
    assert row_names(page) == ["Mu nojs", "Alpha nojs", "Zeta nojs"]  # newest first
    page.locator("#key-list thead th", has_text="Name").get_by_role("link").click()
    expect(page).to_have_url(re.compile(r"sort=name"))
    assert row_names(page) == ["Alpha nojs", "Mu nojs", "Zeta nojs"]
    page.locator("#key-list thead th", has_text="Name").get_by_role("link").click()
    expect(page).to_have_url(re.compile(r"dir=desc"))
    assert row_names(page) == ["Zeta nojs", "Mu nojs", "Alpha nojs"]

    # The filter panel is open while a filter is in use; Apply submits it.
    filters = page.get_by_role("search", name="Filter keys")
    expect(filters).to_be_visible()
    filters.get_by_label("Active", exact=True).check()
    filters.get_by_role("button", name="Apply filters").click()
    expect(page).to_have_url(re.compile(r"active=true"))
    assert row_names(page) == ["Zeta nojs", "Mu nojs"]  # still sorted by name, descending
    filters = page.get_by_role("search", name="Filter keys")
    filters.get_by_label("Search by name").fill("")
    filters.get_by_role("button", name="Apply filters").click()
    expect(page.get_by_role("heading", name="API Key Management")).to_be_visible()

    # Rows per page has a Show button without JS.
    page.goto(keydesk.url + "/admin/api-keys/rest?q=nojs&sort=name&dir=asc")
    page.get_by_label("Rows per page").select_option("10")
    page.locator("form.per-page").get_by_role("button", name="Show").click()
    expect(page).to_have_url(re.compile(r"per_page=10"))
    assert row_names(page) == ["Alpha nojs", "Mu nojs", "Zeta nojs"]

    page.get_by_role("link", name="Clear filters").first.click()
    # Filters go; sort and page size stay.
    expect(page).to_have_url(re.compile(r"/admin/api-keys/rest\?sort=name&dir=asc&per_page=10$"))
    assert "nojs" in " ".join(row_names(page)) and len(row_names(page)) >= 3
