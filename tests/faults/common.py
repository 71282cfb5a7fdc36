"""What every scenario shares: a throwaway database, a keydesk server run
from the built binary, a signed-in browser-like client, a Key API caller,
and counters of responses by class. Standard library only; only 127.0.0.1
is contacted."""

import base64
import html
import http.cookiejar
import json
import os
import random
import re
import shutil
import signal
import socket
import sqlite3
import subprocess
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BINARY = os.environ.get("KEYDESK_BIN", os.path.join(ROOT, "target", "debug", "keydesk"))
PASSWORD = "fault scenario passphrase"
OWNER = "faults"
REST = "/admin/api-keys/rest"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Database:
    """A fresh database: a SQLite file (in `directory` if given), or a
    PostgreSQL database on `server_url`, dropped at the end."""

    def __init__(self, server_url, directory=None):
        self.dir = tempfile.mkdtemp(prefix="kd-faults-")
        self.server_url = server_url
        if server_url:
            self.name = "kd_faults_%d" % random.randrange(10**9)
            self.psql(server_url, "CREATE DATABASE %s" % self.name)
            self.base = server_url.rsplit("/", 1)[0]
            self.url = "%s/%s" % (self.base, self.name)
        else:
            self.url = os.path.join(directory or self.dir, "keydesk.db")

    @staticmethod
    def psql(url, sql):
        out = subprocess.run(["psql", "-X", "-At", url, "-c", sql], check=True,
                             capture_output=True, text=True)
        return out.stdout

    def query(self, sql):
        if self.server_url:
            rows = self.psql(self.url, sql).strip()
            return [tuple(r.split("|")) for r in rows.splitlines() if r]
        c = sqlite3.connect(self.url, timeout=30)
        try:
            return [tuple(str(v) for v in r) for r in c.execute(sql).fetchall()]
        finally:
            c.close()

    def close(self):
        if self.server_url:
            self.psql(self.server_url, "DROP DATABASE IF EXISTS %s WITH (FORCE)" % self.name)
        shutil.rmtree(self.dir, ignore_errors=True)


class Server:
    """keydesk serving `url` (the database's own, or a proxy's in front of it)."""

    def __init__(self, db, url=None, extra=()):
        self.db = db
        self.url = url or db.url
        self.extra = list(extra)
        self.port = free_port()
        self.base = "http://127.0.0.1:%d" % self.port
        self.log_path = os.path.join(db.dir, "server-%d.log" % self.port)
        self.proc = None

    def start(self):
        log = open(self.log_path, "ab")
        self.proc = subprocess.Popen(
            [BINARY, "serve", "--bind", "127.0.0.1:%d" % self.port, "--database-url", self.url]
            + self.extra,
            stdout=log, stderr=log, env={**os.environ, "RUST_LOG": "warn"})
        deadline = time.time() + 30
        while time.time() < deadline:
            try:
                urllib.request.urlopen(self.base + "/healthz", timeout=2)
                return
            except Exception:
                time.sleep(0.1)
        raise SystemExit("keydesk did not start; see " + self.log_path)

    def alive(self):
        return self.proc is not None and self.proc.poll() is None

    def kill9(self):
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait()

    def stop(self):
        if self.alive():
            self.proc.terminate()
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()

    def log_text(self):
        with open(self.log_path, errors="replace") as f:
            return f.read()

    def panics(self):
        return self.log_text().count("panicked")


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


class Stats:
    """Responses counted by class (2xx, 3xx, 4xx, 5xx, failed: …), and by
    status per kind of request."""

    def __init__(self):
        self.lock = threading.Lock()
        self.by_class = {}

    def count(self, what):
        with self.lock:
            self.by_class[what] = self.by_class.get(what, 0) + 1

    def server_errors(self):
        return sum(n for k, n in self.by_class.items() if k == "5xx")

    def total(self):
        return sum(self.by_class.values())

    def line(self):
        return ", ".join("%s %d" % kv for kv in sorted(self.by_class.items()))


def fetch(opener, url, data=None, headers=None, timeout=30):
    """(status, body, headers, seconds) or (None, error name, {}, seconds)."""
    req = urllib.request.Request(url, data=data, headers=headers or {})
    t0 = time.time()
    try:
        resp = opener.open(req, timeout=timeout)
        out = resp.status, resp.read().decode(errors="replace"), dict(resp.headers)
    except urllib.error.HTTPError as e:
        out = e.code, e.read().decode(errors="replace"), dict(e.headers)
    except Exception as e:  # refused, reset, timed out
        return None, type(e).__name__, {}, time.time() - t0
    return out + (time.time() - t0,)


class Client:
    """One browser: its own cookies, signed in as the owner."""

    def __init__(self, base, stats, timeout=30):
        self.base = base
        self.stats = stats
        self.timeout = timeout
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()), NoRedirect())
        self.token = ""
        self.last_seconds = 0.0
        self.last_headers = {}

    def cookies_from(self, other):
        """Shares another client's session (cookies and CSRF token)."""
        self.opener = other.opener
        self.token = other.token

    def request(self, path, fields=None, headers=None):
        data = None if fields is None else urllib.parse.urlencode(fields).encode()
        status, body, hdrs, secs = fetch(self.opener, self.base + path, data, headers,
                                         self.timeout)
        self.last_seconds, self.last_headers = secs, hdrs
        if status is None:
            self.stats.count("failed: %s" % body)
            return None, ""
        self.stats.count("%dxx" % (status // 100))
        m = re.search(r'name="csrf-token" content="([^"]*)"', body)
        if m and m.group(1):
            self.token = m.group(1)
        return status, body

    def sign_in(self):
        self.request("/login")
        status, _ = self.request("/login", {"username": OWNER, "password": PASSWORD,
                                            "csrf_token": self.token})
        if status != 303:
            raise SystemExit("signing in answered %s" % status)
        self.request(REST)

    def post(self, path, fields):
        return self.request(path, list(fields) + [("csrf_token", self.token)])

    def post_confirmed(self, path, fields):
        """An edit as an admin makes it: one that takes something away (here,
        Active) first answers "what this will break"; "Save anyway" sends
        the confirmation form back as it is."""
        status, body = self.post(path, fields)
        if status == 200 and 'name="confirm"' in body:
            form = re.findall(r'<input type="hidden" name="([^"]*)" value="([^"]*)"', body)
            status, body = self.request(path, [(k, html.unescape(v)) for k, v in form])
        return status, body

    def key_id(self, name, tab=REST):
        _, body = self.request(tab + "?" + urllib.parse.urlencode({"q": name}))
        for m in re.finditer(r'href="%s/(\d+)"[^>]*>\s*([^<]*?)\s*<' % re.escape(tab), body):
            if m.group(2) == name:
                return m.group(1)
        return None

    def create_rest_key(self, name, grant="order-data:view"):
        """(status, client id, client secret): the secret only when shown."""
        status, body = self.post(REST + "/new", [
            ("name", name), ("active", "on"), ("expiry", "90d"), ("grant", grant),
            ("access_type", "all")])
        return status, field(body, "secret-client-id"), field(body, "secret-client-secret")


def field(body, field_id):
    m = re.search(r'id="%s" type="text" value="([^"]*)"' % field_id, body or "")
    return m.group(1) if m else None


class Verifier:
    """A platform service calling POST /api/v1/keys/verify with its own
    REST key (role-permission:view)."""

    def __init__(self, base, stats, client_id, secret, timeout=30):
        self.base = base
        self.stats = stats
        self.timeout = timeout
        auth = base64.b64encode(("%s:%s" % (client_id, secret)).encode()).decode()
        self.headers = {"Authorization": "Basic " + auth, "Content-Type": "application/json"}
        self.opener = urllib.request.build_opener(NoRedirect())
        self.last_seconds = 0.0

    def verify(self, key):
        """(status, parsed JSON or None)."""
        body = json.dumps({"key": key, "function": "order-data", "action": "view"}).encode()
        status, text, _, secs = fetch(self.opener, self.base + "/api/v1/keys/verify", body,
                                      self.headers, self.timeout)
        self.last_seconds = secs
        if status is None:
            self.stats.count("failed: %s" % text)
            return None, None
        self.stats.count("%dxx" % (status // 100))
        try:
            return status, json.loads(text)
        except ValueError:
            return status, None


def create_owner(db, url=None):
    subprocess.run([BINARY, "user", "create", OWNER, "--role", "api-key:owner", "--role",
                    "user:owner", "--password-stdin", "--database-url", url or db.url],
                   input=PASSWORD.encode(), check=True, capture_output=True,
                   env={**os.environ, "RUST_LOG": "warn"})


def make_caller(client):
    """The verification caller's (client id, secret), created through the UI."""
    status, cid, secret = client.create_rest_key("platform gateway", "role-permission:view")
    if status != 200 or not secret:
        raise SystemExit("creating the verification caller answered %s" % status)
    return cid, secret


def healthz(base, timeout=30):
    status, body, _, secs = fetch(urllib.request.build_opener(), base + "/healthz",
                                  timeout=timeout)
    return status, secs
