"""Journeys 4 and 5: editing a key from its row (name and active change,
roles read-only, Escape closes the dialog and focus returns to the row), and
deleting two selected keys through the confirmation, with Cancel leaving them
in place. Also the delete-confirmation.png screenshot."""

import re

from playwright.sync_api import Page, expect

from conftest import assert_accessible, create_key, dialog, row_names, screenshot, sign_in


def row(page: Page, name: str):
    return page.locator("#key-list tbody tr", has=page.get_by_role("link", name=name, exact=True))


def test_edit_from_row_name_and_active_change_roles_read_only(page: Page, keydesk, axe_source):
    sign_in(page, keydesk)
    page.goto(keydesk.url + "/admin/api-keys/graphql")
    create_key(page, keydesk, "graphql", "Inventory sync", active=False,
               roles=[("logistics", "editor"), ("product-data", "viewer")])
    page.reload()

    # A click anywhere on the row opens the edit dialog.
    row(page, "Inventory sync").locator("td time").first.click()
    d = dialog(page)
    expect(d.get_by_role("heading", name="Edit API Key")).to_be_visible()
    expect(d.get_by_label("Name", exact=True)).to_be_focused()
    expect(d.get_by_label("Name", exact=True)).to_have_value("Inventory sync")
    expect(d.get_by_role("switch", name="Active")).not_to_be_checked()
    expect(d.get_by_text("Roles cannot be changed after creation")).to_be_visible()
    readonly = d.locator(".roles-readonly")
    expect(readonly).to_contain_text("Logistics")
    expect(readonly).to_contain_text("Product Data")
    expect(d.get_by_role("combobox", name="Role Definition")).to_have_count(0)
    expect(d.get_by_role("button", name="Add Role")).to_have_count(0)
    assert_accessible(page, axe_source, "dialog[open]")

    d.get_by_label("Name", exact=True).fill("Inventory sync (Fabrikam)")
    d.get_by_role("switch", name="Active").check()
    d.get_by_role("button", name="Save").click()
    expect(dialog(page)).to_have_count(0)
    r = row(page, "Inventory sync (Fabrikam)")
    expect(r).to_have_count(1)
    expect(r.locator(".badge")).to_have_text("Active")
    # The refresh replaced the row; focus comes back to its link.
    expect(r.get_by_role("link", name="Inventory sync (Fabrikam)")).to_be_focused()

    # Enter on the row's link opens it; Escape closes; focus returns to the row.
    link = r.get_by_role("link", name="Inventory sync (Fabrikam)")
    link.focus()
    page.keyboard.press("Enter")
    d = dialog(page)
    expect(d.get_by_label("Name", exact=True)).to_have_value("Inventory sync (Fabrikam)")
    expect(d.get_by_role("switch", name="Active")).to_be_checked()
    d.get_by_label("Name", exact=True).fill("Not saved")
    page.keyboard.press("Escape")
    expect(dialog(page)).to_have_count(0)
    expect(link).to_be_focused()
    page.reload()
    expect(row(page, "Inventory sync (Fabrikam)")).to_have_count(1)
    expect(row(page, "Not saved")).to_have_count(0)

    # Cancel closes too, and focus returns.
    link = row(page, "Inventory sync (Fabrikam)").get_by_role("link")
    link.click()
    dialog(page).get_by_role("button", name="Cancel").click()
    expect(dialog(page)).to_have_count(0)
    expect(link).to_be_focused()


def test_delete_two_selected_keys_through_the_confirmation(page: Page, keydesk, axe_source):
    sign_in(page, keydesk)
    page.goto(keydesk.url + "/admin/api-keys/graphql")
    for name in ("Old staging key", "Expired partner test", "Production checkout"):
        create_key(page, keydesk, "graphql", name, active=name.startswith("Prod"))
    page.reload()
    before = row_names(page)

    delete = page.locator("#key-list").get_by_role("button", name=re.compile(r"^Delete"))
    expect(delete).to_be_disabled()
    page.get_by_label("Select Old staging key").check()
    expect(delete).to_be_enabled()
    page.get_by_label("Select Expired partner test").check()
    expect(delete).to_have_text("Delete (2)")
    delete.click()

    d = dialog(page)
    expect(d.get_by_role("heading", name="Delete 2 API keys?")).to_be_visible()
    expect(d.locator(".delete-list")).to_contain_text("Old staging key")
    expect(d.locator(".delete-list")).to_contain_text("Expired partner test")
    expect(d.locator(".delete-list li")).to_have_count(2)
    expect(d.get_by_role("button", name="Cancel")).to_be_focused()
    assert_accessible(page, axe_source, "dialog[open]")
    screenshot(page, "delete-confirmation.png")

    # Cancel deletes nothing.
    d.get_by_role("button", name="Cancel").click()
    expect(dialog(page)).to_have_count(0)
    expect(delete).to_be_focused()
    page.reload()
    assert row_names(page) == before

    page.get_by_label("Select Old staging key").check()
    page.get_by_label("Select Expired partner test").check()
    delete.click()
    dialog(page).get_by_role("button", name="Delete", exact=True).click()
    expect(dialog(page)).to_have_count(0)
    expect(page.locator("#flash").get_by_text("2 API keys deleted.")).to_be_visible()
    expect(row(page, "Old staging key")).to_have_count(0)
    expect(row(page, "Expired partner test")).to_have_count(0)
    expect(row(page, "Production checkout")).to_have_count(1)
    page.reload()
    assert row_names(page) == [n for n in before if n not in ("Old staging key", "Expired partner test")]


def test_select_all_selects_the_page(page: Page, keydesk):
    sign_in(page, keydesk)
    page.goto(keydesk.url + "/admin/api-keys/graphql")
    n = len(row_names(page))
    assert n >= 2
    page.get_by_label("Select all").check()
    expect(page.locator('#key-list input[name="id"]:checked')).to_have_count(n)
    expect(page.locator("#key-list").get_by_role("button", name=re.compile(r"^Delete"))).to_have_text(f"Delete ({n})")
    page.get_by_label("Select all").uncheck()
    expect(page.locator('#key-list input[name="id"]:checked')).to_have_count(0)


def test_switching_active_off_asks_first_in_the_dialog(page: Page, keydesk, axe_source):
    """Issue 13: an edit that deactivates a key answers, in the dialog, with
    what it breaks; Cancel goes back to the key and saves nothing; Save
    anyway saves."""
    sign_in(page, keydesk)
    page.goto(keydesk.url + "/admin/api-keys/graphql")
    create_key(page, keydesk, "graphql", "Warehouse feed", active=True,
               roles=[("logistics", "viewer")])
    page.reload()
    row(page, "Warehouse feed").get_by_role("link", name="Warehouse feed").click()
    d = dialog(page)
    d.get_by_role("switch", name="Active").uncheck()
    d.get_by_role("button", name="Save").click()
    expect(d.get_by_role("heading", name="Save changes to Warehouse feed?")).to_be_visible()
    expect(d.locator("#edit-changes")).to_contain_text("Active is switched off")
    expect(d.locator("#edit-impact")).to_contain_text("No calls in 90 days.")
    assert_accessible(page, axe_source, "dialog[open]")
    d.get_by_role("button", name="Cancel").click()
    expect(d.get_by_role("heading", name="Edit API Key")).to_be_visible()
    expect(d.get_by_role("switch", name="Active")).to_be_checked()

    d.get_by_role("switch", name="Active").uncheck()
    d.get_by_role("button", name="Save").click()
    d.get_by_role("button", name="Save anyway").click()
    expect(dialog(page)).to_have_count(0)
    expect(row(page, "Warehouse feed").locator(".badge")).to_have_text("Inactive")
