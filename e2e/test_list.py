"""Journey 3: sorting by each sortable column both ways, filtering by Is
Active and by date ranges, name search, paging, the back button restoring the
previous list state and a reload keeping it. Also the filters.png screenshot."""

import random
import re
from datetime import datetime, timedelta, timezone
from urllib.parse import parse_qs, urlparse

import pytest
from playwright.sync_api import Page, expect

from conftest import assert_accessible, create_key, csrf, row_names, screenshot, sign_in

WORDS = ["Alpha", "Bravo", "Charlie", "Delta", "Echo", "Foxtrot", "Golf", "Hotel",
         "India", "Juliett", "Kilo", "Lima", "Mike", "November", "Oscar", "Papa",
         "Quebec", "Romeo", "Sierra", "Tango", "Uniform", "Victor", "Whiskey",
         "Xray", "Yankee", "Zulu", "Amber", "Basalt", "Cobalt", "Dune"]
N = len(WORDS)  # 30 keys: two pages of 25
SORT_CODES = {"Name": "name", "Active": "active", "Date Created": "created", "Date Updated": "updated"}


class Key:
    def __init__(self, seq, name, active):
        self.seq, self.name, self.active, self.updated = seq, name, active, seq


@pytest.fixture(scope="module")
def keys(keydesk, browser):
    """30 GraphQL keys created over HTTP in a shuffled order, a third
    inactive; three of them edited afterwards (their expiry) so Date Updated
    has its own order."""
    ctx = browser.new_context()
    page = ctx.new_page()
    sign_in(page, keydesk)
    page.goto(keydesk.url + "/admin/api-keys/graphql")
    names = WORDS[:]
    random.Random(3).shuffle(names)
    made = []
    for seq, name in enumerate(names):
        k = Key(seq, f"{name} key", active=seq % 3 != 0)
        create_key(page, keydesk, "graphql", k.name, k.active)
        made.append(k)
    # Edit three keys (the 2nd, the 10th and the 1st created, in this order).
    page.goto(keydesk.url + "/admin/api-keys/graphql?per_page=50")
    hrefs = {a.inner_text(): a.get_attribute("href")
             for a in page.locator("#key-list a.row-link").all()}
    for i, idx in enumerate([1, 9, 0]):
        k = made[idx]
        r = page.request.post(keydesk.url + hrefs[k.name], form={
            "csrf_token": csrf(page), "name": k.name, "channel": "",
            # A save that changes nothing leaves Date Updated alone: change
            # the expiry, keep what the list shows.
            "expiry": "never",
            **({"active": "true"} if k.active else {})})
        assert r.status == 200, r.status
        k.updated = N + i
    ctx.close()
    return made


def by_created(keys, desc=False):
    return [k.name for k in sorted(keys, key=lambda k: k.seq, reverse=desc)]


def expected(keys, col, d):
    desc = d == "descending"
    if col == "Name":
        order = sorted(keys, key=lambda k: k.name)
    elif col == "Active":
        order = sorted(keys, key=lambda k: (k.active, k.seq))
    elif col == "Date Created":
        order = sorted(keys, key=lambda k: k.seq)
    else:
        order = sorted(keys, key=lambda k: (k.updated, k.seq))
    names = [k.name for k in order]
    return names[::-1] if desc else names


def query(page: Page) -> dict:
    return {k: v[0] for k, v in parse_qs(urlparse(page.url).query).items()}


def open_filters(page: Page):
    if not page.get_by_role("search", name="Filter keys").is_visible():
        page.get_by_text("Filters", exact=True).click()
    expect(page.get_by_role("search", name="Filter keys")).to_be_visible()


def today():
    return datetime.now(timezone.utc).date()


def test_default_order_and_paging(page: Page, keydesk, keys, axe_source):
    sign_in(page, keydesk)
    page.goto(keydesk.url + "/admin/api-keys/graphql")
    newest_first = by_created(keys, desc=True)
    expect(page.locator("#key-list .count")).to_contain_text(f"{N} keys")
    expect(page.locator("#key-list .count")).to_contain_text("page 1 of 2")
    assert row_names(page) == newest_first[:25]
    expect(page.locator('th[aria-sort="descending"]')).to_have_text(re.compile("Date Created"))

    pagination = page.get_by_role("navigation", name="Pagination")
    pagination.get_by_role("link", name="Next").click()
    expect(page).to_have_url(re.compile(r"page=2"))
    expect(page.locator("#key-list .count")).to_contain_text("page 2 of 2")
    assert row_names(page) == newest_first[25:]
    assert_accessible(page, axe_source)

    pagination = page.get_by_role("navigation", name="Pagination")
    pagination.get_by_role("link", name="Page 1").click()
    expect(page.locator("#key-list .count")).to_contain_text("page 1 of 2")
    assert row_names(page) == newest_first[:25]

    page.get_by_label("Rows per page").select_option("10")
    expect(page.locator("#key-list .count")).to_contain_text("page 1 of 3")
    assert query(page).get("per_page") == "10"
    assert row_names(page) == newest_first[:10]
    page.get_by_role("navigation", name="Pagination").get_by_role("link", name="Page 3").click()
    expect(page.locator("#key-list .count")).to_contain_text("page 3 of 3")
    assert row_names(page) == newest_first[20:30]
    expect(page.get_by_role("navigation", name="Pagination").get_by_text("Next")).not_to_have_attribute("href", re.compile("."))


@pytest.mark.parametrize("column", ["Name", "Active", "Date Created", "Date Updated"])
def test_sort_each_column_both_ways(page: Page, keydesk, keys, column):
    sign_in(page, keydesk)
    page.goto(keydesk.url + "/admin/api-keys/graphql?per_page=50")
    seen = []
    for _ in range(2):
        header = page.locator("#key-list thead th", has_text=column)
        before = header.get_attribute("aria-sort")
        if before == "none":
            direction = "ascending" if column == "Name" else "descending"
        else:
            direction = "descending" if before == "ascending" else "ascending"
        header.get_by_role("link").click()
        expect(header).to_have_attribute("aria-sort", direction)
        q = query(page)
        if (column, direction) != ("Date Created", "descending"):  # the default has a bare URL
            assert (q.get("sort"), q.get("dir")) == (SORT_CODES[column], direction[:-6]), page.url
        assert row_names(page) == expected(keys, column, direction), f"{column} {direction}"
        seen.append(direction)
        # The other sortable headers say they are not sorted.
        assert page.locator('#key-list th[aria-sort]:not([aria-sort="none"])').count() == 1
    assert sorted(seen) == ["ascending", "descending"], seen


def test_filter_by_is_active_dates_and_name(page: Page, keydesk, keys, axe_source):
    sign_in(page, keydesk)
    page.goto(keydesk.url + "/admin/api-keys/graphql?per_page=50")
    count = page.locator("#key-list .count")
    page.get_by_text("Filters", exact=True).click()
    filters = page.get_by_role("search", name="Filter keys")
    expect(filters).to_be_visible()
    assert_accessible(page, axe_source)

    active = [k.name for k in keys if k.active]
    inactive = [k.name for k in keys if not k.active]
    filters.get_by_label("Inactive").check()
    expect(count.locator("strong")).to_have_text(f"{len(inactive)} keys")
    assert sorted(row_names(page)) == sorted(inactive)
    assert query(page)["active"] == "false"
    assert page.locator("#key-list .badge-on").count() == 0

    filters.get_by_label("Active", exact=True).check()
    expect(count.locator("strong")).to_have_text(f"{len(active)} keys")
    assert sorted(row_names(page)) == sorted(active)

    # Search combines with Is Active; case does not matter.
    term = active[0].split()[0]
    # Typed (keyup) or pasted (no key events at all): both search.
    filters.get_by_label("Search by name").press_sequentially(term.upper()[:3], delay=30)
    expect(page).to_have_url(re.compile(r"q=" + term.upper()[:3] + r"(&|$)"))
    filters.get_by_label("Search by name").fill(term.upper())
    expect(page).to_have_url(re.compile(r"q=" + term.upper() + r"(&|$)"))
    want = [n for n in active if term.lower() in n.lower()]
    expect(count.locator("strong")).to_have_text("1 key" if len(want) == 1 else f"{len(want)} keys")
    assert sorted(row_names(page)) == sorted(want)
    assert query(page)["q"] == term.upper()
    filters.get_by_label("Date Created from").fill((today() - timedelta(days=30)).isoformat())
    expect(page).to_have_url(re.compile(r"created_from="))
    expect(count.locator("strong")).to_have_text("1 key" if len(want) == 1 else f"{len(want)} keys")
    page.evaluate("""() => { document.activeElement.blur();
        window.scrollTo(0, document.querySelector('details.filters').getBoundingClientRect().top + window.scrollY - 16); }""")
    screenshot(page, "filters.png")
    filters.get_by_label("Date Created from").fill("")
    assert_accessible(page, axe_source)

    filters.get_by_label("Search by name").fill("")
    filters.get_by_role("group", name="Is Active").get_by_label("Any").check()
    expect(count.locator("strong")).to_have_text(f"{N} keys")

    # Date ranges: every key was made today (UTC), none yesterday.
    day, yesterday = today().isoformat(), (today() - timedelta(days=1)).isoformat()
    for field in ("Date Created", "Date Updated"):
        open_filters(page)
        filters.get_by_label(f"{field} from").fill(day)
        filters.get_by_label(f"{field} to").fill(day)
        expect(count.locator("strong")).to_have_text(f"{N} keys")
        filters.get_by_label(f"{field} from").fill(yesterday)
        filters.get_by_label(f"{field} to").fill(yesterday)
        expect(page.get_by_text("No keys match these filters.")).to_be_visible()
        assert_accessible(page, axe_source)
        page.locator("#key-list").get_by_role("link", name="Clear filters").click()
        expect(count.locator("strong")).to_have_text(f"{N} keys")
        assert "created_from" not in query(page) and "updated_from" not in query(page)
        # The filter panel is reset too, not only the list.
        open_filters(page)
        expect(filters.get_by_label(f"{field} from")).to_have_value("")
        expect(filters.get_by_role("group", name="Is Active").get_by_label("Any")).to_be_checked()

    # Clear filters also resets Is Active and the search.
    open_filters(page)
    filters.get_by_label("Inactive").check()
    expect(count.locator("strong")).to_have_text(f"{len(inactive)} keys")
    page.get_by_role("link", name="Clear filters").first.click()
    expect(count.locator("strong")).to_have_text(f"{N} keys")
    assert "active" not in query(page)


def test_back_button_restores_list_and_reload_keeps_it(page: Page, keydesk, keys):
    sign_in(page, keydesk)
    page.goto(keydesk.url + "/admin/api-keys/graphql")
    count = page.locator("#key-list .count")

    # 1: sort by Name (ascending)
    page.locator("#key-list thead th", has_text="Name").get_by_role("link").click()
    expect(page).to_have_url(re.compile(r"sort=name"))
    state1 = (page.url, row_names(page))
    assert state1[1] == expected(keys, "Name", "ascending")[:25]

    # 2: and only the inactive ones
    page.get_by_text("Filters", exact=True).click()
    page.get_by_role("search", name="Filter keys").get_by_label("Inactive").check()
    expect(page).to_have_url(re.compile(r"active=false"))
    inactive_by_name = sorted(k.name for k in keys if not k.active)
    expect(count.locator("strong")).to_have_text(f"{len(inactive_by_name)} keys")
    state2 = (page.url, row_names(page))
    assert state2[1] == inactive_by_name

    # 3: page 2 of everything, sorted by name
    page.go_back()
    expect(page).to_have_url(state1[0])
    expect(count.locator("strong")).to_have_text(f"{N} keys")
    assert row_names(page) == state1[1]
    expect(page.locator("#key-list thead th", has_text="Name")).to_have_attribute("aria-sort", "ascending")

    page.go_forward()
    expect(page).to_have_url(state2[0])
    expect(count.locator("strong")).to_have_text(f"{len(inactive_by_name)} keys")
    assert row_names(page) == state2[1]

    # A reload keeps the list, the filter panel and its inputs.
    page.reload()
    expect(count.locator("strong")).to_have_text(f"{len(inactive_by_name)} keys")
    assert row_names(page) == state2[1]
    expect(page.get_by_role("search", name="Filter keys").get_by_label("Inactive")).to_be_checked()

    # A shared link shows the same list in a new tab.
    other = page.context.new_page()
    other.goto(state2[0])
    assert row_names(other) == state2[1]
    other.close()
