"""Keyboard only: an Owner creates a GraphQL key and deletes it using only
Tab, Shift+Tab, Enter, Space and Escape (and typing the name), and every
element that gets focus shows it."""

from playwright.sync_api import Page, expect

from conftest import OWNER, PASSWORD, dialog, row_names

FOCUS_STATE = """() => {
    const el = document.activeElement;
    if (!el || el === document.body) return {tag: 'body', visible: false, desc: 'body'};
    const s = getComputedStyle(el);
    const outline = s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) > 0;
    const ring = s.boxShadow && s.boxShadow !== 'none';
    return {
        tag: el.tagName.toLowerCase(),
        visible: el.matches(':focus-visible') && (outline || ring),
        desc: el.outerHTML.slice(0, 120),
    };
}"""


def focused(page: Page, selector: str) -> bool:
    return page.evaluate("(sel) => !!document.activeElement && document.activeElement.matches(sel)", selector)


def tab_to(page: Page, selector: str, key: str = "Tab", limit: int = 40):
    """Presses Tab (or Shift+Tab) until `selector` has focus; each element
    passed on the way must show a visible focus indicator."""
    for _ in range(limit):
        page.keyboard.press(key)
        state = page.evaluate(FOCUS_STATE)
        assert state["visible"], f"focus is not visible on {state['desc']}"
        if focused(page, selector):
            return
    raise AssertionError(f"{selector} never got focus with {key}")


def test_owner_creates_and_deletes_a_key_with_the_keyboard_only(page: Page, keydesk):
    # Sign in with the keyboard too.
    page.goto(keydesk.url + "/login")
    expect(page.locator("#username")).to_be_focused()  # autofocus
    page.keyboard.type(OWNER)
    tab_to(page, "#password")
    page.keyboard.type(PASSWORD)
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="API Key Management")).to_be_visible()

    tab_to(page, 'a[role="button"][href$="/graphql/new"]')
    page.keyboard.press("Enter")
    d = dialog(page)
    expect(d.get_by_label("Name", exact=True)).to_be_focused()
    page.keyboard.type("Keyboard-made key")
    tab_to(page, 'dialog[open] input[role="switch"][name="active"]')
    page.keyboard.press("Space")
    expect(d.get_by_role("switch", name="Active")).to_be_checked()
    tab_to(page, 'dialog[open] button[type="submit"]')
    page.keyboard.press("Enter")

    expect(d.get_by_role("heading", name="API key created")).to_be_visible()
    tab_to(page, "dialog[open] button[data-reveal]")
    page.keyboard.press("Space")
    expect(d.get_by_role("button", name="Hide")).to_be_focused()
    expect(d.get_by_role("textbox", name="API Key")).to_have_attribute("type", "text")
    tab_to(page, "dialog[open] button[data-copy]")
    page.keyboard.press("Enter")
    expect(d.get_by_role("button", name="Copied")).to_be_visible()
    page.keyboard.press("Escape")
    expect(dialog(page)).to_have_count(0)
    expect(page.locator(".page-head").get_by_role("button", name="New GraphQL API Key")).to_be_focused()
    assert "Keyboard-made key" in row_names(page)

    # Select it and delete it.
    tab_to(page, 'input[aria-label="Select Keyboard-made key"]')
    page.keyboard.press("Space")
    expect(page.get_by_label("Select Keyboard-made key")).to_be_checked()
    tab_to(page, "#key-list button[data-needs-selection]", key="Shift+Tab")
    page.keyboard.press("Enter")
    d = dialog(page)
    expect(d.get_by_role("heading", name="Delete 1 API key?")).to_be_visible()
    expect(d.get_by_role("button", name="Cancel")).to_be_focused()
    # Escape cancels...
    page.keyboard.press("Escape")
    expect(dialog(page)).to_have_count(0)
    expect(page.locator("#modal-body")).to_be_empty()  # the close handler has run
    expect(page.locator("#key-list button[data-needs-selection]")).to_be_focused()
    assert "Keyboard-made key" in row_names(page)
    # ...and Enter on Delete deletes.
    page.keyboard.press("Enter")
    expect(d.get_by_role("button", name="Cancel")).to_be_focused()
    tab_to(page, 'dialog[open] button[type="submit"]')
    page.keyboard.press("Enter")
    expect(dialog(page)).to_have_count(0)
    expect(page.get_by_role("link", name="Keyboard-made key")).to_have_count(0)
    # Where focus lands after the list refresh is not asserted: app.js restores
    # it, but racing the dialog's close event (see the report of issue 4).
