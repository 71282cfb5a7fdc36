"""kill9: a loop of creates, refreshes and bulk deletes, the server killed
with SIGKILL mid-loop, restarted (SQLite). Afterwards PRAGMA
integrity_check is ok, every create acknowledged before the kill is there
(unless a bulk delete took it), no bulk delete is half done (acknowledged
or not, its keys are all there or all gone, and acknowledged ones all
gone), no key has two current secrets, and every key has its create event,
every acknowledged refresh its refresh event, every deleted key its delete
event."""

import random
import threading
import time

from common import REST, Client, Database, Server, Stats, create_owner


def events(db, action):
    out = {}
    for (tid,) in db.query("SELECT target_id FROM audit_events WHERE action = '%s'" % action):
        out[tid] = out.get(tid, 0) + 1
    return out


def run(args):
    rounds, seconds = (1, 3) if args.short else (5, 5)
    db = Database(None)
    failures = []
    acked = {}          # id -> name
    unresolved = []     # names of acknowledged creates whose id was not looked up
    batches = []        # (ids, acknowledged)
    refreshed = {}      # id -> acknowledged refreshes
    stats = Stats()
    try:
        server = Server(db)
        server.start()
        create_owner(db)
        for r in range(rounds):
            c = Client(server.base, stats)
            c.sign_in()
            killer = threading.Timer(seconds * random.uniform(0.5, 1.0), server.kill9)
            killer.start()
            n, pending = 0, []
            while server.alive() and n < 100000:
                n += 1
                name = "kill r%d n%d" % (r, n)
                status, _, secret = c.create_rest_key(name)
                if status != 200 or not secret:
                    continue
                kid = c.key_id(name)
                if kid is None:  # killed before the lookup: checked by name below
                    unresolved.append(name)
                    continue
                acked[kid] = name
                if n % 3 == 0:
                    status, _ = c.post("%s/%s/refresh" % (REST, kid), [("grace", "now")])
                    if status == 200:
                        refreshed[kid] = refreshed.get(kid, 0) + 1
                pending.append(kid)
                if len(pending) == 3 and n % 2:  # every other trio stays
                    pending = []
                elif len(pending) == 3:
                    status, _ = c.post(REST + "/delete", [("id", k) for k in pending])
                    batches.append((pending, status is not None and status < 400))
                    pending = []
            killer.join()
            server = Server(db)
            server.start()
        ok = db.query("PRAGMA integrity_check")
        present = {r[0] for r in db.query("SELECT id FROM api_keys")}
        in_batches = {k for ids, _ in batches for k in ids}
        names = {r[0] for r in db.query("SELECT name FROM api_keys")}
        lost = sorted(k for k in acked if k not in present and k not in in_batches)
        lost += [n for n in unresolved if n not in names]
        half_done = [ids for ids, _ in batches
                     if 0 < len([k for k in ids if k in present]) < len(ids)]
        undone = [ids for ids, done in batches if done and any(k in present for k in ids)]
        made, fresh, gone = (events(db, "key.created"), events(db, "key.refreshed"),
                             events(db, "key.deleted"))
        no_create_event = sorted(k for k in present if k not in made)
        no_refresh_event = sorted(k for k, n in refreshed.items() if fresh.get(k, 0) < n)
        no_delete_event = sorted(k for k in in_batches if k not in present and k not in gone)
        two_current = db.query(
            "SELECT api_key_id FROM api_key_secrets WHERE retires_at IS NULL "
            "GROUP BY api_key_id HAVING COUNT(*) > 1")
        print("kill9: %d rounds on SQLite" % rounds)
        print("  requests %d (%s)" % (stats.total(), stats.line()))
        print("  acknowledged creates %d, refreshes %d, bulk deletes %d (attempted %d); "
              "keys present %d" % (len(acked), sum(refreshed.values()),
                                   len([b for b in batches if b[1]]), len(batches),
                                   len(present)))
        print("  lost %d, bulk deletes half done %d, acknowledged deletes undone %d, "
              "two current secrets %d, integrity_check %s" % (
                  len(lost), len(half_done), len(undone), len(two_current), ok))
        print("  without audit event: create %d, refresh %d, delete %d" % (
            len(no_create_event), len(no_refresh_event), len(no_delete_event)))
        if ok != [("ok",)]:
            failures.append("integrity_check: %s" % ok)
        for what, bad in [("lost writes", lost), ("bulk deletes half done", half_done),
                          ("acknowledged deletes undone", undone),
                          ("keys without create event", no_create_event),
                          ("refreshes without event", no_refresh_event),
                          ("deletes without event", no_delete_event),
                          ("two current secrets", two_current)]:
            if bad:
                failures.append("%s: %s" % (what, bad[:5]))
        if not acked or not batches:
            failures.append("nothing was acknowledged before the kill")
        server.stop()
    finally:
        db.close()
    return failures
