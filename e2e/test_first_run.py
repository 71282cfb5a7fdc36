"""Journey 1: first run. The setup link from the server log creates an owner
who lands on API Key Management; the link then works no more."""

import re

from playwright.sync_api import Page, expect

from conftest import assert_accessible


def test_setup_link_creates_owner_who_lands_on_admin_page(page: Page, fresh_keydesk, axe_source):
    link = fresh_keydesk.setup_link()
    assert link, "the log has no setup link:\n" + fresh_keydesk.log()
    link = re.sub(r"^http://[^/]+", fresh_keydesk.url, link)

    page.goto(link)
    expect(page.get_by_role("heading", name="Set up keydesk")).to_be_visible()
    assert_accessible(page, axe_source)

    page.get_by_label("Username").fill("first-owner")
    page.get_by_label("Password", exact=True).fill("a long enough password")
    page.get_by_label("Confirm password").fill("a long enough password")
    page.get_by_role("button", name="Create owner").click()

    expect(page).to_have_url(re.compile(r"/admin/api-keys(/graphql)?$"))
    expect(page.get_by_role("heading", name="API Key Management", level=1)).to_be_visible()
    expect(page.get_by_text("first-owner")).to_be_visible()
    expect(page.get_by_role("button", name="New GraphQL API Key").first).to_be_visible()
    assert_accessible(page, axe_source)

    # The link works once.
    page.goto(link)
    expect(page.get_by_role("heading", name="Set up keydesk")).to_have_count(0)
    expect(page.get_by_text("Setup is complete")).to_be_visible()
