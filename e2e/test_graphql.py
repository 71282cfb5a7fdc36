"""The GraphQL explorer (/graphql/explorer): GraphiQL from our own vendored
copies, started by our own script, under the CSP without inline scripts.
It loads with every request outside keydesk refused (offline), shows no
CSP error, and runs `{ me { name } }` with a pasted GraphQL key."""

import re
import urllib.parse

from playwright.sync_api import Page, expect

from conftest import assert_accessible, csrf, sign_in


def new_graphql_key(page: Page, keydesk, name: str) -> str:
    """Creates a GraphQL key in the back office; returns its secret."""
    pairs = [("csrf_token", csrf(page)), ("name", name), ("active", "true"), ("channel", ""),
             ("role_definition", "shop-channel"), ("role_level", "viewer")]
    r = page.request.post(
        f"{keydesk.url}/admin/api-keys/graphql/new",
        data=urllib.parse.urlencode(pairs),
        headers={"Content-Type": "application/x-www-form-urlencoded"},
        max_redirects=0,
    )
    assert r.status == 200, r.text()[:300]
    m = re.search(r"kd_gql_[0-9A-Za-z]+", r.text())
    assert m, "the new key's secret is shown once"
    return m.group(0)


def test_explorer_runs_a_query_offline_under_the_csp(page: Page, keydesk, axe_source):
    sign_in(page, keydesk)
    secret = new_graphql_key(page, keydesk, "Explorer test")

    # The explorer is linked from API Key Management.
    page.goto(keydesk.url + "/admin/api-keys/graphql")
    link = page.get_by_role("link", name="GraphQL Explorer")
    expect(link).to_have_attribute("href", "/graphql/explorer")

    # Offline: anything not served by keydesk itself is refused and noted.
    outside = []

    def only_keydesk(route):
        if route.request.url.startswith(keydesk.url):
            route.continue_()
        else:
            outside.append(route.request.url)
            route.abort()

    page.route("**/*", only_keydesk)
    problems = []
    page.on("console", lambda m: problems.append(m.text)
            if m.type == "error" or "Content Security Policy" in m.text else None)
    page.on("pageerror", lambda e: problems.append(str(e)))

    link.click()
    expect(page).to_have_url(keydesk.url + "/graphql/explorer")
    expect(page.get_by_role("heading", name="GraphQL Explorer")).to_be_visible()
    # GraphiQL rendered (its execute button), before any key was given.
    run = page.locator(".graphiql-execute-button")
    expect(run).to_be_visible()

    page.get_by_label("GraphQL key").fill(secret)
    page.get_by_role("button", name="Use key").click()
    expect(run).to_be_visible()
    # Type the query into the editor.
    editor = page.locator(".graphiql-query-editor .CodeMirror").first
    editor.click()
    page.keyboard.press("Control+A")
    page.keyboard.press("Delete")
    page.keyboard.type("{ me { name")
    run.click()
    result = page.locator(".graphiql-response")
    expect(result).to_contain_text('"name": "Explorer test"')

    # A wrong key: the answer says why.
    page.get_by_label("GraphQL key").fill("kd_gql_nonsense")
    page.get_by_role("button", name="Use key").click()
    run.click()
    expect(result).to_contain_text("malformed")

    # 401s of the schema fetch without a key are the browser's own console
    # lines ("Failed to load resource"); anything else is a problem.
    real = [p for p in problems if "Failed to load resource" not in p]
    assert not real, real
    assert not any("Content Security Policy" in p for p in problems), problems
    assert not outside, f"requests outside keydesk: {outside}"

    # axe on our own markup (GraphiQL's is not ours to fix).
    assert_accessible(page, axe_source, ".gx-header")
