"""disk-full: the SQLite file on a small tmpfs that fills up while keydesk
serves, then gets space back.

A filler file takes every free byte of the tmpfs. Then creates and
refreshes (writes) must answer either 200 with the secret (SQLite can
still append into the WAL's reusable space: such a key must then be
stored) or 503 with a clear page and no secret at all; a failed refresh
leaves the old secret working. Reads go on: the list page, /healthz and
the verification of a valid key answer 200. When the filler is removed,
writes work again without a restart, every key shown with its secret is
there and PRAGMA integrity_check is ok. Needs root (mount -t tmpfs)."""

import errno
import os
import subprocess
import tempfile
import time

from common import (REST, Client, Database, Server, Stats, Verifier, create_owner, field,
                    healthz, make_caller)

SIZE = "6m"


def mount_tmpfs():
    d = tempfile.mkdtemp(prefix="kd-disk-")
    r = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=%s,mode=0700" % SIZE, "tmpfs", d],
                       capture_output=True, text=True)
    if r.returncode != 0:
        os.rmdir(d)
        raise SystemExit("disk-full needs to mount a tmpfs (run as root): %s" % r.stderr.strip())
    return d


def fill(path):
    """Writes zeros until the filesystem says it is full; returns bytes written."""
    n = 0
    chunk = b"\0" * 65536
    with open(path, "wb", buffering=0) as f:
        while True:
            try:
                n += f.write(chunk)
            except OSError as e:
                if e.errno != errno.ENOSPC:
                    raise
                break
        # The last few bytes too.
        for size in (4096, 512, 1):
            while True:
                try:
                    n += f.write(b"\0" * size)
                except OSError:
                    break
    return n


def run(args):
    rounds = 40 if args.short else 200
    mnt = mount_tmpfs()
    db = Database(None, directory=mnt)
    server = Server(db)
    stats = Stats()
    failures, problems = [], []
    acked, refused, served = [], 0, {"list": 0, "healthz": 0, "verify": 0}
    try:
        server.start()
        create_owner(db)
        c = Client(server.base, stats)
        c.sign_in()
        caller = make_caller(c)
        v = Verifier(server.base, stats, *caller)
        _, _, keep = c.create_rest_key("refreshed while full")
        keep_id = c.key_id("refreshed while full")
        _, _, reader_key = c.create_rest_key("verified while full")
        filler = os.path.join(mnt, "filler")
        filled = fill(filler)
        refresh_503 = 0
        for i in range(rounds):
            name = "full %d" % i
            status, cid, secret = c.create_rest_key(name)
            if status == 200 and secret:
                acked.append(name)
            elif status == 503:
                refused += 1
                if secret or cid:
                    problems.append("a 503 create showed a secret")
            else:
                problems.append("create while full answered %s" % status)
            if i % 5 == 0:
                status, body = c.post("%s/%s/refresh" % (REST, keep_id), [("grace", "now")])
                new = field(body, "secret-client-secret")
                if status == 200 and new:
                    keep = new
                elif status == 503:
                    refresh_503 += 1
                    if new:
                        problems.append("a 503 refresh showed a secret")
                    if "disk is full" not in body:
                        problems.append("a 503 refresh without a clear message")
                else:
                    problems.append("refresh while full answered %s" % status)
                s, out = v.verify(keep)
                if not (s == 200 and out and out.get("valid") is True):
                    problems.append("the current secret stopped working: %s %s" % (s, out))
            status, _ = c.request(REST)
            served["list"] += status == 200
            status, _ = healthz(server.base)
            served["healthz"] += status == 200
            s, out = v.verify(reader_key)
            good = s == 200 and bool(out) and out.get("valid") is True
            served["verify"] += good
            if not good:
                problems.append("verify while full: %s %s" % (s, out))
        if refused == 0:
            problems.append("no write was refused: the disk never filled up")
        for what, n in served.items():
            if n < rounds:
                problems.append("reads failed while full: %s %d of %d" % (what, n, rounds))
        os.remove(filler)
        t0 = time.time()
        back = None
        while time.time() - t0 < 30:
            status, _, secret = c.create_rest_key("after space came back %d" % int(time.time()))
            if status == 200 and secret:
                back = time.time() - t0
                acked.append(None)
                break
            time.sleep(0.5)
        names = {r[0] for r in db.query("SELECT name FROM api_keys")}
        lost = [n for n in acked if n and n not in names]
        ok = db.query("PRAGMA integrity_check")
        print("disk-full: SQLite on a %s tmpfs, %d creates while full" % (SIZE, rounds))
        print("  filler %d bytes; requests %d (%s)" % (filled, stats.total(), stats.line()))
        print("  while full: creates stored %d, refused 503 %d; refreshes refused %d; "
              "reads ok: list %d, healthz %d, verify %d of %d" % (
                  len([a for a in acked if a]), refused, refresh_503, served["list"],
                  served["healthz"], served["verify"], rounds))
        print("  writes again after %s; lost writes %d; integrity_check %s; panics %d" % (
            "%.1f s" % back if back is not None else "NEVER", len(lost), ok, server.panics()))
        for p in sorted(set(problems))[:10]:
            print("  problem: " + p)
        if problems:
            failures.append("%d problems (first: %s)" % (len(problems), problems[0]))
        if back is None:
            failures.append("writes did not work again when space came back")
        if lost:
            failures.append("lost writes: %s" % lost[:5])
        if ok != [("ok",)]:
            failures.append("integrity_check: %s" % ok)
        if stats.by_class.get("5xx", 0) != refused + refresh_503:
            failures.append("5xx other than the refused writes: %s" % stats.line())
        if server.panics():
            failures.append("%d panics in the log" % server.panics())
    finally:
        server.stop()
        db.close()
        subprocess.run(["umount", mnt], check=False)
        os.rmdir(mnt)
    return failures
