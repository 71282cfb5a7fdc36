"""The suite injects axe-core through the DevTools protocol: the app's
Content-Security-Policy must still hold for the page itself."""

from playwright.sync_api import Page

from conftest import axe_violations, sign_in


def test_csp_still_blocks_inline_scripts_after_axe_injection(page: Page, keydesk, axe_source):
    sign_in(page, keydesk)
    page.goto(keydesk.url + "/admin/api-keys/graphql")
    csp = page.request.get(keydesk.url + "/admin/api-keys/graphql").headers["content-security-policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp.split("script-src")[1].split(";")[0]

    axe_violations(page, axe_source)  # injects and runs axe
    assert page.evaluate("() => typeof axe.run") == "function"

    violations = []
    page.on("console", lambda m: violations.append(m.text) if "Content Security Policy" in m.text else None)
    ran = page.evaluate("""() => new Promise(resolve => {
        window.__inline_ran = false;
        const s = document.createElement('script');
        s.textContent = 'window.__inline_ran = true';
        document.body.appendChild(s);
        setTimeout(() => resolve(window.__inline_ran), 100);
    })""")
    assert ran is False, "an inline script ran: the CSP does not hold"
    assert violations, "the browser reported no CSP violation"
