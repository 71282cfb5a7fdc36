"""Journey 6: a Viewer sees the lists but no New or Delete controls, opens a
key read-only, and gets 403 when posting to create or delete directly."""

import re

import pytest
from playwright.sync_api import Page, expect

from conftest import OWNER, VIEWER, assert_accessible, create_key, csrf, dialog, row_names, sign_in


@pytest.fixture(scope="module", autouse=True)
def some_keys(keydesk, browser):
    ctx = browser.new_context()
    page = ctx.new_page()
    sign_in(page, keydesk, OWNER)
    page.goto(keydesk.url + "/admin/api-keys/graphql")
    create_key(page, keydesk, "graphql", "Catalogue reader", True, roles=[("product-data", "viewer")])
    create_key(page, keydesk, "graphql", "Order exporter", False)
    create_key(page, keydesk, "rest", "Mobile app backend", True)
    ctx.close()


def test_viewer_sees_lists_without_new_or_delete(page: Page, keydesk, axe_source):
    sign_in(page, keydesk, VIEWER)
    page.goto(keydesk.url + "/admin/api-keys/graphql")
    assert sorted(row_names(page)) == ["Catalogue reader", "Order exporter"]
    expect(page.get_by_role("button", name=re.compile("^New "))).to_have_count(0)
    expect(page.get_by_role("button", name=re.compile("^Delete"))).to_have_count(0)
    expect(page.locator('#key-list input[type="checkbox"]')).to_have_count(0)
    assert_accessible(page, axe_source)

    page.get_by_role("link", name="REST", exact=True).click()
    expect(page).to_have_url(re.compile(r"/admin/api-keys/rest$"))
    assert row_names(page) == ["Mobile app backend"]
    expect(page.get_by_role("button", name="New REST API Key")).to_have_count(0)
    expect(page.get_by_role("button", name=re.compile("^Delete"))).to_have_count(0)
    assert_accessible(page, axe_source)


def test_viewer_opens_a_key_read_only(page: Page, keydesk, axe_source):
    sign_in(page, keydesk, VIEWER)
    page.goto(keydesk.url + "/admin/api-keys/graphql")
    link = page.get_by_role("link", name="Catalogue reader")
    link.click()
    d = dialog(page)
    expect(d.get_by_role("heading", name="API Key details")).to_be_visible()
    expect(d.get_by_label("Name", exact=True)).to_be_disabled()
    expect(d.get_by_role("switch", name="Active")).to_be_disabled()
    expect(d.get_by_role("button", name="Save")).to_have_count(0)
    expect(d.locator(".roles-readonly")).to_contain_text("Product Data")
    assert_accessible(page, axe_source, "dialog[open]")
    d.get_by_role("button", name="Close").click()
    expect(dialog(page)).to_have_count(0)
    expect(link).to_be_focused()


def test_viewer_gets_403_posting_directly(page: Page, keydesk):
    sign_in(page, keydesk, VIEWER)
    page.goto(keydesk.url + "/admin/api-keys/graphql")
    token = csrf(page)
    href = page.get_by_role("link", name="Catalogue reader").get_attribute("href")
    key_id = href.rsplit("/", 1)[1]
    for path, form in [
        ("/admin/api-keys/graphql/new", {"name": "Sneaky", "channel": ""}),
        ("/admin/api-keys/rest/new", {"name": "Sneaky"}),
        ("/admin/api-keys/graphql/delete/confirm", {"id": key_id}),
        ("/admin/api-keys/graphql/delete", {"id": key_id}),
        (href, {"name": "Renamed by a viewer", "channel": ""}),
    ]:
        r = page.request.post(keydesk.url + path, form={"csrf_token": token, **form}, max_redirects=0)
        assert r.status == 403, f"{path}: {r.status}"
    page.reload()
    assert sorted(row_names(page)) == ["Catalogue reader", "Order exporter"]
