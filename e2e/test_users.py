"""Admin > Backoffice Users in the browser: an owner creates a user, changes
their roles, deactivates and deletes them through the confirmation page;
every page passes axe."""

import re

from playwright.sync_api import Page, expect

from conftest import PASSWORD, assert_accessible, sign_in


def test_owner_manages_a_user_through_every_page(page: Page, keydesk, axe_source):
    sign_in(page, keydesk)
    page.get_by_role("navigation", name="Main").get_by_text("Admin").click()
    page.get_by_role("link", name="Backoffice Users").click()
    expect(page.get_by_role("heading", name="Backoffice Users")).to_be_visible()
    assert_accessible(page, axe_source)

    page.get_by_role("button", name="New user").click()
    assert_accessible(page, axe_source)
    page.get_by_label("Username").fill("nina")
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_label("Confirm password").fill(PASSWORD + " typo")
    page.get_by_label("API Key").select_option("editor")
    page.get_by_role("button", name="Save").click()
    # Refused with the reason beside the field; what was typed stays.
    expect(page.get_by_text("The two passwords do not match.")).to_be_visible()
    expect(page.get_by_label("Username")).to_have_value("nina")
    expect(page.get_by_label("API Key")).to_have_value("editor")
    assert_accessible(page, axe_source)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_label("Confirm password").fill(PASSWORD)
    page.get_by_role("button", name="Save").click()
    expect(page).to_have_url(re.compile(r"/admin/users$"))
    nina = page.locator("tbody tr", has_text="nina")
    expect(nina).to_contain_text("API Key: Editor")
    expect(nina).to_contain_text("Active")

    nina.get_by_role("link", name="nina", exact=True).click()
    assert_accessible(page, axe_source)
    page.get_by_label("API Key").select_option("viewer")
    page.get_by_role("switch", name="Active").uncheck()
    page.get_by_role("button", name="Save").click()
    expect(page).to_have_url(re.compile(r"/admin/users$"))
    expect(nina).to_contain_text("API Key: Viewer")
    expect(nina).to_contain_text("Inactive")

    nina.get_by_role("link", name=re.compile("^Delete")).click()
    expect(page.get_by_role("heading", name="Delete user nina?")).to_be_visible()
    assert_accessible(page, axe_source)
    page.get_by_role("button", name="Cancel").click()
    expect(nina).to_have_count(1)
    nina.get_by_role("link", name=re.compile("^Delete")).click()
    page.get_by_role("button", name="Delete").click()
    expect(page).to_have_url(re.compile(r"/admin/users$"))
    expect(page.locator("tbody tr", has_text="nina")).to_have_count(0)
