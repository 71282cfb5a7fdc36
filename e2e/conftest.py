"""Fixtures for keydesk's browser suite.

Every test module gets its own keydesk (the debug binary that e2e/run.sh
builds) on a free port with a fresh SQLite database in a temporary directory,
and an Owner and a Viewer created through `keydesk user create`. Chromium is
Debian's /usr/bin/chromium, launched by path: Playwright's own browser
download is not used.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import socket
import subprocess
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

E2E = Path(__file__).resolve().parent
ROOT = E2E.parent
BINARY = Path(os.environ.get("KEYDESK_BIN", ROOT / "target" / "debug" / "keydesk"))
CHROMIUM = os.environ.get("KEYDESK_CHROMIUM", "/usr/bin/chromium")
AXE_JS = E2E / "node_modules" / "axe-core" / "axe.min.js"
SCREENSHOTS = ROOT / "docs" / "screenshots"
VIEWPORT = {"width": 1280, "height": 800}

PASSWORD = "correct horse battery staple"
OWNER = "olivia"
VIEWER = "victor"

# Failing assertions wait this long for the page to catch up (htmx swaps).
expect.set_options(timeout=7_000)


# --- the browser -------------------------------------------------------------


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    return {
        **browser_type_launch_args,
        "executable_path": CHROMIUM,
        "headless": True,
        "args": [
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
        ],
    }


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args):
    return {
        **browser_context_args,
        "viewport": VIEWPORT,
        "permissions": ["clipboard-read", "clipboard-write"],
        "locale": "en-GB",
        "timezone_id": "UTC",
    }


# --- the app -------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Keydesk:
    """One running keydesk with its own database."""

    tmp: Path
    port: int = 0
    proc: subprocess.Popen | None = None
    log_path: Path = field(init=False)
    # More `keydesk serve` options (e.g. --platform-openapi FILE).
    args: list = field(default_factory=list)

    def __post_init__(self):
        self.db = self.tmp / "keydesk.db"
        self.log_path = self.tmp / "keydesk.log"

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self):
        self.port = free_port()
        log = open(self.log_path, "ab")
        env = {**os.environ, "RUST_LOG": os.environ.get("RUST_LOG", "info"), "NO_COLOR": "1"}
        env.pop("DATABASE_URL", None)
        self.proc = subprocess.Popen(
            [str(BINARY), "serve", "--bind", f"127.0.0.1:{self.port}",
             "--database-url", str(self.db), "--workers", "2", *self.args],
            stdout=log, stderr=subprocess.STDOUT, env=env, cwd=self.tmp,
        )
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"keydesk exited with {self.proc.returncode}:\n{self.log()}")
            try:
                with urllib.request.urlopen(self.url + "/healthz", timeout=2) as r:
                    if r.status == 200:
                        return
            except (urllib.error.URLError, ConnectionError, OSError):
                pass
            time.sleep(0.1)
        raise RuntimeError(f"keydesk did not answer /healthz within 30 s:\n{self.log()}")

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def setup_link(self) -> str | None:
        # Strip ANSI colours in case tracing adds them.
        text = re.sub(r"\x1b\[[0-9;]*m", "", self.log())
        m = re.search(r"(http://\S+/setup\?token=[A-Za-z0-9_\-]+)", text)
        return m.group(1) if m else None

    def create_user(self, name: str, *roles: str, password: str = PASSWORD):
        args = [str(BINARY), "user", "create", name, "--password-stdin",
                "--database-url", str(self.db)]
        for r in roles:
            args += ["--role", r]
        subprocess.run(args, input=password.encode(), check=True,
                       capture_output=True, timeout=30)


def start_keydesk(users: bool = True, args: list | None = None) -> Keydesk:
    if not BINARY.exists():
        pytest.exit(f"{BINARY} is missing: run `bash e2e/run.sh` (it runs cargo build)", 2)
    kd = Keydesk(Path(tempfile.mkdtemp(prefix="keydesk-e2e-")), args=list(args or []))
    kd.start()
    if users:
        kd.create_user(OWNER, "api-key:owner", "user:owner")
        kd.create_user(VIEWER, "api-key:viewer")
    return kd


@pytest.fixture(scope="module")
def keydesk():
    """A fresh keydesk for the test module, with an Owner and a Viewer."""
    kd = start_keydesk()
    yield kd
    kd.stop()
    shutil.rmtree(kd.tmp, ignore_errors=True)


@pytest.fixture(scope="module")
def fresh_keydesk():
    """A fresh keydesk with no users at all (the first-run journey)."""
    kd = start_keydesk(users=False)
    yield kd
    kd.stop()
    shutil.rmtree(kd.tmp, ignore_errors=True)


# --- helpers for tests -----------------------------------------------------------


def sign_in(page: Page, kd: Keydesk, username: str = OWNER, password: str = PASSWORD):
    page.goto(kd.url + "/login")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()


def csrf(page: Page) -> str:
    return page.locator('meta[name="csrf-token"]').get_attribute("content")


def create_key(page: Page, kd: Keydesk, kind: str, name: str, active: bool = False,
               channel: str | None = None, roles: list[tuple[str, str]] = ()):
    """Creates a key over HTTP with the page's session and CSRF token (fast
    set-up for list tests; the dialogs are tested on their own)."""
    pairs = [("csrf_token", csrf(page)), ("name", name)]
    if active:
        pairs.append(("active", "true"))
    if kind == "graphql":
        pairs.append(("channel", channel or ""))
        for d, l in roles:
            pairs += [("role_definition", d), ("role_level", l)]
    r = page.request.post(
        f"{kd.url}/admin/api-keys/{kind}/new",
        data=urllib.parse.urlencode(pairs),
        headers={"Content-Type": "application/x-www-form-urlencoded"},
        max_redirects=0,
    )
    assert r.status == 200, f"creating {name!r}: {r.status} {r.text()[:300]}"


def dialog(page: Page):
    return page.locator("dialog[open]")


def row_names(page: Page) -> list[str]:
    return page.locator("#key-list tbody tr a.row-link").all_inner_texts()


@pytest.fixture(scope="session")
def axe_source() -> str:
    if not AXE_JS.exists():
        pytest.exit(f"{AXE_JS} is missing: run `bash e2e/run.sh` (it runs npm install)", 2)
    return AXE_JS.read_text()


def axe_violations(page: Page, axe_source: str, context: str | None = None) -> list[dict]:
    """Runs axe-core on the page (or inside `context`, a CSS selector) and
    returns the serious and critical violations.

    axe is evaluated through the DevTools protocol (page.evaluate), not as a
    <script> element: the app's Content-Security-Policy (script-src 'self')
    stays in force for the page itself.
    """
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        page.evaluate(axe_source + "\n;void 0")
    result = page.evaluate(
        """async (ctx) => {
            const r = await axe.run(ctx ? document.querySelector(ctx) : document,
                { resultTypes: ['violations'] });
            return r.violations.map(v => ({
                id: v.id, impact: v.impact, help: v.help,
                nodes: v.nodes.map(n => n.target.join(' ') + ' :: ' + n.failureSummary)
            }));
        }""",
        context,
    )
    return [v for v in result if v["impact"] in ("serious", "critical")]


def assert_accessible(page: Page, axe_source: str, context: str | None = None):
    bad = axe_violations(page, axe_source, context)
    assert not bad, f"axe on {page.url} {context or ''}:\n" + json.dumps(bad, indent=2)


def screenshot(page: Page, name: str):
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / name))
