"""kill9: a loop of creates, the server killed with SIGKILL mid-loop,
restarted: PRAGMA integrity_check is ok and every create acknowledged
before the kill is there with its audit event (SQLite)."""

import random
import threading
import time

from common import Client, Database, Server, Stats, create_owner


def audited(db, action):
    return {r[0] for r in db.query(
        "SELECT target_name FROM audit_events WHERE action = '%s'" % action)}


def keys_in_db(db):
    return {r[0] for r in db.query("SELECT name FROM api_keys")}


def run(args):
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


