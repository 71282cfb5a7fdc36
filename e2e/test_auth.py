"""Journey 7 and sign-in: signing out ends the session, and the back button
after sign-out shows no signed-in page."""

import re

from playwright.sync_api import Page, expect

from conftest import OWNER, assert_accessible, sign_in


def test_sign_in_page_is_accessible_and_rejects_a_wrong_password(page: Page, keydesk, axe_source):
    page.goto(keydesk.url + "/admin/api-keys")
    expect(page).to_have_url(re.compile(r"/login"))
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
    assert_accessible(page, axe_source)

    page.get_by_label("Username").fill(OWNER)
    page.get_by_label("Password").fill("not the password")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("alert")).to_be_visible()
    expect(page.get_by_role("button", name="Sign out")).to_have_count(0)
    assert_accessible(page, axe_source)


def test_sign_out_and_back_button_show_no_signed_in_page(page: Page, keydesk):
    sign_in(page, keydesk)
    expect(page.get_by_role("heading", name="API Key Management")).to_be_visible()
    page.get_by_role("link", name="REST").click()
    expect(page).to_have_url(re.compile(r"/admin/api-keys/rest"))

    page.get_by_role("button", name="Sign out").click()
    expect(page).to_have_url(re.compile(r"/login"))
    expect(page.get_by_role("button", name="Sign out")).to_have_count(0)

    page.go_back()
    page.wait_for_load_state()
    expect(page.get_by_role("button", name="Sign out")).to_have_count(0)
    expect(page.get_by_text(OWNER)).to_have_count(0)
    expect(page.get_by_role("heading", name="API Key Management")).to_have_count(0)

    page.go_back()
    page.wait_for_load_state()
    expect(page.get_by_role("button", name="Sign out")).to_have_count(0)
    expect(page.get_by_role("heading", name="API Key Management")).to_have_count(0)
