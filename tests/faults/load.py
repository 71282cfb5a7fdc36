"""load: writers (create, edit, refresh, delete one, bulk delete) and
readers (list, filters, name search, verification) against one server.

Afterwards: every acknowledged create present unless its delete was
acknowledged, every acknowledged delete gone, no key with two current
secrets, each acknowledged change with its audit event, no secret granted
access after its revocation (delete, deactivation or refresh "now") was
acknowledged, 0 responses >= 500 and 0 "database is locked" in the log."""

import random
import threading
import time

from common import (REST, Client, Database, Server, Stats, Verifier, create_owner,
                    make_caller)


class Ledger:
    """What the server acknowledged, and when, as the writers saw it."""

    def __init__(self):
        self.lock = threading.Lock()
        self.created = {}       # key id -> name
        self.unresolved = []    # acknowledged creates whose id was not found
        self.deleted = set()    # key ids
        self.edits = {}         # key id -> acknowledged edits
        self.refreshes = {}     # key id -> acknowledged refreshes
        self.revoked = {}       # secret -> time its revocation was acknowledged
        self.live = []          # secrets that should verify (readers pick from it)
        self.bulk = 0
        self.bad_bodies = []

    def add(self, attr, kid):
        with self.lock:
            d = getattr(self, attr)
            d[kid] = d.get(kid, 0) + 1

    def revoke(self, secret):
        with self.lock:
            self.revoked.setdefault(secret, time.time())
            if secret in self.live:
                self.live.remove(secret)


def writer(w, base, stats, ledger, stop_at):
    c = Client(base, stats)
    c.sign_in()
    kept = []  # (id, secret) of keys this writer may delete later
    n = 0
    while time.time() < stop_at:
        n += 1
        name = "load w%d n%d" % (w, n)
        status, _cid, secret = c.create_rest_key(name)
        if status != 200:
            continue
        if not secret:
            ledger.bad_bodies.append("create of %s: 200 without a secret" % name)
            continue
        kid = c.key_id(name)
        if kid is None:
            with ledger.lock:
                ledger.unresolved.append(name)
            continue
        with ledger.lock:
            ledger.created[kid] = name
            ledger.live.append(secret)
        step = n % 4
        if step == 1:
            # Edit: rename and deactivate; the secret must stop working.
            status, _ = c.post_confirmed("%s/%s" % (REST, kid), [
                ("name", name + " edited"), ("expiry", "keep"), ("grant", "order-data:view"),
                ("access_type", "all")])
            if status is not None and status < 400:
                ledger.add("edits", kid)
                ledger.revoke(secret)
        elif step == 2:
            # Refresh with the old secret stopped now.
            status, body = c.post("%s/%s/refresh" % (REST, kid), [("grace", "now")])
            if status == 200:
                from common import field
                new = field(body, "secret-client-secret")
                if not new:
                    ledger.bad_bodies.append("refresh of %s: 200 without a secret" % kid)
                ledger.add("refreshes", kid)
                ledger.revoke(secret)
                if new:
                    with ledger.lock:
                        ledger.live.append(new)
                    secret = new
        elif step == 3:
            # Delete one key from its row menu's form.
            status, _ = c.post(REST + "/delete", [("id", kid)])
            if status is not None and status < 400:
                with ledger.lock:
                    ledger.deleted.add(kid)
                ledger.revoke(secret)
            continue
        kept.append((kid, secret))
        if len(kept) >= 3:
            # Bulk delete: all of them or none.
            status, _ = c.post(REST + "/delete", [("id", k) for k, _ in kept])
            if status is not None and status < 400:
                with ledger.lock:
                    ledger.deleted.update(k for k, _ in kept)
                    ledger.bulk += 1
                for _, s in kept:
                    ledger.revoke(s)
            kept = []


def reader(r, base, stats, ledger, stop_at, caller, granted):
    c = Client(base, stats)
    c.sign_in()
    v = Verifier(base, stats, *caller)
    paths = [REST, "/admin/api-keys/graphql", REST + "?active=true&sort=name&dir=desc",
             REST + "?active=false", REST + "?q=load", REST + "?q=edited&sort=created",
             REST + "?expiry=7d", REST + "?sort=name&dir=asc&q=w1", "/admin/audit"]
    while time.time() < stop_at:
        if r % 2 == 0:
            c.request(random.choice(paths))
            continue
        with ledger.lock:
            pool = ledger.live[-50:] + list(ledger.revoked)[-50:]
        if not pool:
            time.sleep(0.05)
            continue
        secret = random.choice(pool)
        asked = time.time()
        status, out = v.verify(secret)
        if status == 200 and out and out.get("valid") is True:
            with ledger.lock:
                revoked_at = ledger.revoked.get(secret)
            if revoked_at is not None and revoked_at < asked:
                granted.append(secret)


def run(args):
    writers, readers, seconds = (2, 4, 8) if args.short else (8, 32, 60)
    db = Database(args.database_url)
    server = Server(db)
    failures = []
    try:
        server.start()
        create_owner(db)
        stats = Stats()
        setup = Client(server.base, Stats())
        setup.sign_in()
        caller = make_caller(setup)
        ledger = Ledger()
        granted = []
        stop_at = time.time() + seconds
        threads = [threading.Thread(target=writer, args=(i, server.base, stats, ledger, stop_at))
                   for i in range(writers)]
        threads += [threading.Thread(target=reader, args=(
            i, server.base, stats, ledger, stop_at, caller, granted)) for i in range(readers)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        failures = check(db, server, stats, ledger, granted, writers, readers, seconds,
                         "PostgreSQL" if args.database_url else "SQLite")
    finally:
        server.stop()
        db.close()
    return failures


def check(db, server, stats, ledger, granted, writers, readers, seconds, backend):
    present = {r[0] for r in db.query("SELECT id FROM api_keys")}
    created = set(ledger.created)
    lost = sorted(created - ledger.deleted - present)
    undeleted = sorted(ledger.deleted & present)

    def events(action):
        out = {}
        for (tid,) in db.query("SELECT target_id FROM audit_events WHERE action = '%s'"
                               % action):
            out[tid] = out.get(tid, 0) + 1
        return out

    made, edited, refreshed, gone = (events("key.created"), events("key.edited"),
                                     events("key.refreshed"), events("key.deleted"))
    no_create_event = sorted(k for k in created if k not in made)
    no_edit_event = sorted(k for k, n in ledger.edits.items() if edited.get(k, 0) < n)
    no_refresh_event = sorted(k for k, n in ledger.refreshes.items() if refreshed.get(k, 0) < n)
    no_delete_event = sorted(k for k in ledger.deleted if k not in gone)
    two_current = db.query(
        "SELECT api_key_id FROM api_key_secrets WHERE retires_at IS NULL "
        "GROUP BY api_key_id HAVING COUNT(*) > 1")
    locked = server.log_text().count("database is locked")
    panics = server.panics()
    print("load: %d writers, %d readers, %d s, %s" % (writers, readers, seconds, backend))
    print("  requests %d (%s)" % (stats.total(), stats.line()))
    print("  created %d, edited %d, refreshed %d, deleted %d (%d bulk deletes)" % (
        len(created), sum(ledger.edits.values()), sum(ledger.refreshes.values()),
        len(ledger.deleted), ledger.bulk))
    print("  lost writes %d, deletes undone %d, creates not found %d" % (
        len(lost), len(undeleted), len(ledger.unresolved)))
    print("  changes without audit event: create %d, edit %d, refresh %d, delete %d" % (
        len(no_create_event), len(no_edit_event), len(no_refresh_event), len(no_delete_event)))
    print("  keys with two current secrets %d, access after revocation %d, "
          "'database is locked' %d, panics %d" % (len(two_current), len(granted), locked, panics))
    failures = []
    for what, bad in [("lost writes", lost), ("deletes undone", undeleted),
                      ("creates not found", ledger.unresolved),
                      ("creates without event", no_create_event),
                      ("edits without event", no_edit_event),
                      ("refreshes without event", no_refresh_event),
                      ("deletes without event", no_delete_event),
                      ("two current secrets", two_current),
                      ("valid after revocation", granted[:5]),
                      ("bad responses", ledger.bad_bodies)]:
        if bad:
            failures.append("%s: %s" % (what, list(bad)[:5]))
    if stats.server_errors():
        failures.append("%d responses >= 500" % stats.server_errors())
    if locked:
        failures.append("'database is locked' %d times in the log" % locked)
    if panics:
        failures.append("%d panics in the log" % panics)
    if not created or not ledger.deleted or not ledger.edits or not ledger.refreshes:
        failures.append("a kind of write was never acknowledged")
    return failures
