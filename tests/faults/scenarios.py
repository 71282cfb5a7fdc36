#!/usr/bin/env python3
"""Load and fault scenarios against a real keydesk server on this machine.

    python3 tests/faults/scenarios.py load  [--short] [--database-url postgres://…]
    python3 tests/faults/scenarios.py kill9 [--short]

load:  writers (create, then delete every other key they made) and readers
       (list, filters, name search) for a while; then every acknowledged
       create is present, every acknowledged delete gone, each with its audit
       event, no key with two current secrets, 0 responses >= 500 and 0
       "database is locked" in the server log.
kill9: a loop of creates, the server killed with SIGKILL mid-loop, restarted:
       PRAGMA integrity_check is ok and every create acknowledged before the
       kill is there with its audit event.

Only 127.0.0.1 is contacted; every loop is bounded in time. Prints its
figures and exits 1 on any loss or server error. Standard library only.
"""

import argparse
import http.cookiejar
import os
import random
import re
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
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


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Database:
    """A fresh database: a SQLite file, or a PostgreSQL database dropped at the end."""

    def __init__(self, server_url):
        self.dir = tempfile.mkdtemp(prefix="kd-faults-")
        self.server_url = server_url
        if server_url:
            self.name = "kd_faults_%d" % random.randrange(10**9)
            self.psql(server_url, "CREATE DATABASE %s" % self.name)
            base = server_url.rsplit("/", 1)[0]
            self.url = "%s/%s" % (base, self.name)
        else:
            self.url = os.path.join(self.dir, "keydesk.db")

    @staticmethod
    def psql(url, sql):
        out = subprocess.run(["psql", "-X", "-At", url, "-c", sql], check=True,
                             capture_output=True, text=True)
        return out.stdout

    def query(self, sql):
        if self.server_url:
            rows = self.psql(self.url, sql).strip()
            return [tuple(r.split("|")) for r in rows.splitlines() if r]
        with sqlite3.connect(self.url, timeout=30) as c:
            return [tuple(str(v) for v in r) for r in c.execute(sql).fetchall()]

    def close(self):
        if self.server_url:
            self.psql(self.server_url, "DROP DATABASE IF EXISTS %s WITH (FORCE)" % self.name)
        shutil.rmtree(self.dir, ignore_errors=True)


class Server:
    def __init__(self, db):
        self.db = db
        self.port = free_port()
        self.base = "http://127.0.0.1:%d" % self.port
        self.log_path = os.path.join(db.dir, "server-%d.log" % self.port)
        self.proc = None

    def start(self):
        log = open(self.log_path, "ab")
        self.proc = subprocess.Popen(
            [BINARY, "serve", "--bind", "127.0.0.1:%d" % self.port, "--database-url", self.db.url],
            stdout=log, stderr=log, env={**os.environ, "RUST_LOG": "warn"})
        deadline = time.time() + 30
        while time.time() < deadline:
            try:
                urllib.request.urlopen(self.base + "/healthz", timeout=2)
                return
            except Exception:
                time.sleep(0.1)
        raise SystemExit("keydesk did not start; see " + self.log_path)

    def kill9(self):
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait()

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(timeout=20)

    def log_text(self):
        with open(self.log_path, errors="replace") as f:
            return f.read()


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


class Client:
    """One browser: its own cookies, signed in as the owner."""

    def __init__(self, base, stats):
        self.base = base
        self.stats = stats
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()), NoRedirect())
        self.token = ""

    def request(self, path, fields=None):
        data = None if fields is None else urllib.parse.urlencode(fields).encode()
        try:
            resp = self.opener.open(self.base + path, data=data, timeout=30)
            status, body = resp.status, resp.read().decode(errors="replace")
        except urllib.error.HTTPError as e:
            status, body = e.code, e.read().decode(errors="replace")
        except Exception as e:  # a connection cut off by a kill, a timeout
            self.stats.count("failed: %s" % type(e).__name__)
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
        self.request("/admin/api-keys/graphql")

    def post(self, path, fields):
        return self.request(path, list(fields) + [("csrf_token", self.token)])

    def key_id(self, name):
        _, body = self.request("/admin/api-keys/graphql?" + urllib.parse.urlencode({"q": name}))
        for m in re.finditer(r'href="/admin/api-keys/graphql/(\d+)"[^>]*>\s*([^<]*?)\s*<', body):
            if m.group(2) == name:
                return m.group(1)
        return None


class Stats:
    def __init__(self):
        self.lock = threading.Lock()
        self.by_class = {}

    def count(self, what):
        with self.lock:
            self.by_class[what] = self.by_class.get(what, 0) + 1

    def server_errors(self):
        return self.by_class.get("5xx", 0)


def create_owner(db):
    subprocess.run([BINARY, "user", "create", OWNER, "--role", "api-key:owner", "--role",
                    "user:owner", "--password-stdin", "--database-url", db.url],
                   input=PASSWORD.encode(), check=True, capture_output=True,
                   env={**os.environ, "RUST_LOG": "warn"})


def keys_in_db(db):
    return {r[0] for r in db.query("SELECT name FROM api_keys")}


def audited(db, action):
    return {r[0] for r in db.query(
        "SELECT target_name FROM audit_events WHERE action = '%s'" % action)}


def load(args):
    writers, readers, seconds = (2, 4, 5) if args.short else (8, 32, 60)
    db = Database(args.database_url)
    server = Server(db)
    failures = []
    try:
        server.start()
        create_owner(db)
        stats = Stats()
        created, deleted = set(), set()
        lock = threading.Lock()
        stop_at = time.time() + seconds

        def writer(w):
            c = Client(server.base, stats)
            c.sign_in()
            n = 0
            while time.time() < stop_at:
                n += 1
                name = "load w%d n%d" % (w, n)
                status, _ = c.post("/admin/api-keys/graphql/new", [("name", name)])
                if status != 200:
                    continue
                with lock:
                    created.add(name)
                if n % 2 == 0:
                    kid = c.key_id(name)
                    if kid:
                        status, _ = c.post("/admin/api-keys/graphql/delete", [("id", kid)])
                        if status is not None and status < 400:
                            with lock:
                                deleted.add(name)

        def reader(r):
            c = Client(server.base, stats)
            c.sign_in()
            paths = ["/admin/api-keys/graphql", "/admin/api-keys/rest",
                     "/admin/api-keys/graphql?active=true&sort=name&dir=desc",
                     "/admin/api-keys/graphql?q=load", "/admin/api-keys/graphql?page=2"]
            while time.time() < stop_at:
                c.request(random.choice(paths))

        threads = [threading.Thread(target=writer, args=(i,)) for i in range(writers)]
        threads += [threading.Thread(target=reader, args=(i,)) for i in range(readers)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()

        present = keys_in_db(db)
        lost = sorted(created - deleted - present)
        undeleted = sorted(deleted & present)
        no_event = sorted(created - audited(db, "key.created"))
        no_delete_event = sorted(deleted - audited(db, "key.deleted"))
        two_current = db.query(
            "SELECT api_key_id FROM api_key_secrets WHERE retires_at IS NULL "
            "GROUP BY api_key_id HAVING COUNT(*) > 1")
        locked = server.log_text().count("database is locked")
        requests = sum(stats.by_class.values())
        print("load: %d writers, %d readers, %d s, %s" % (
            writers, readers, seconds, "PostgreSQL" if args.database_url else "SQLite"))
        print("  requests %d (%s)" % (requests, ", ".join(
            "%s %d" % kv for kv in sorted(stats.by_class.items()))))
        print("  created %d, deleted %d, lost writes %d, deletes undone %d" % (
            len(created), len(deleted), len(lost), len(undeleted)))
        print("  creates without audit event %d, deletes without %d, keys with two "
              "current secrets %d, 'database is locked' %d" % (
                  len(no_event), len(no_delete_event), len(two_current), locked))
        for what, bad in [("lost writes", lost), ("deletes undone", undeleted),
                          ("creates without event", no_event),
                          ("deletes without event", no_delete_event),
                          ("two current secrets", two_current)]:
            if bad:
                failures.append("%s: %s" % (what, bad[:5]))
        if stats.server_errors():
            failures.append("%d responses >= 500" % stats.server_errors())
        if locked:
            failures.append("'database is locked' %d times in the log" % locked)
        if not created:
            failures.append("no create was acknowledged")
    finally:
        server.stop()
        db.close()
    return failures


def kill9(args):
    rounds, seconds = (1, 3) if args.short else (5, 5)
    db = Database(None)
    failures = []
    try:
        server = Server(db)
        server.start()
        create_owner(db)
        acknowledged = set()
        for r in range(rounds):
            stats = Stats()
            c = Client(server.base, stats)
            c.sign_in()
            kill_at = time.time() + seconds * random.uniform(0.5, 1.0)
            killer = threading.Timer(kill_at - time.time(), server.kill9)
            killer.start()
            n = 0
            while server.proc.poll() is None and n < 100000:
                n += 1
                name = "kill r%d n%d" % (r, n)
                status, _ = c.post("/admin/api-keys/graphql/new", [("name", name)])
                if status == 200:
                    acknowledged.add(name)
            killer.join()
            server = Server(db)
            server.start()
        ok = db.query("PRAGMA integrity_check")
        present = keys_in_db(db)
        lost = sorted(acknowledged - present)
        no_event = sorted(present - audited(db, "key.created"))
        print("kill9: %d rounds on SQLite" % rounds)
        print("  acknowledged creates %d, present %d, lost %d, keys without audit "
              "event %d, integrity_check %s" % (
                  len(acknowledged), len(present), len(lost), len(no_event), ok))
        if ok != [("ok",)]:
            failures.append("integrity_check: %s" % ok)
        if lost:
            failures.append("lost writes: %s" % lost[:5])
        if no_event:
            failures.append("keys without audit event: %s" % no_event[:5])
        if not acknowledged:
            failures.append("no create was acknowledged")
        server.stop()
    finally:
        db.close()
    return failures


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("scenario", choices=["load", "kill9"])
    p.add_argument("--short", action="store_true", help="the CI form: a few seconds")
    p.add_argument("--database-url", help="postgres://… server to create a throwaway database on")
    args = p.parse_args()
    if not os.access(BINARY, os.X_OK):
        raise SystemExit("build keydesk first (cargo build): %s is missing" % BINARY)
    failures = {"load": load, "kill9": kill9}[args.scenario](args)
    for f in failures:
        print("FAILED: " + f)
    print("%s: %s" % (args.scenario, "FAILED" if failures else "ok"))
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
