"""db-away: the database taken away while keydesk serves, then given back.

PostgreSQL: the shared server is never stopped. keydesk talks to it through
a small TCP proxy run here (asyncio) that plays three faults in turn:
  stopped    every connection closed, new ones refused (the server stopped);
  reset      new connections accepted and reset at once, open ones closed;
  blackhole  nothing answers: open connections stall, new ones hang (a hung
             server or a network partition); when it heals, what was held
             is delivered.
SQLite: the file (with its -wal and -shm) is moved away and a directory put
in its place, so nothing can open or create it; then it is moved back.
(Permissions would not do: the scenario runs as root, which ignores them.)

While the fault lasts, probes run side by side: /healthz, a signed-in list
page, a create, and the verification of a key deactivated just before the
fault and of a valid one. Each must answer within the pool's timeout plus a
margin, 503 with a clear page or JSON error (or, where the backend still
can, a correct answer), never another 5xx; the wait is at most keydesk's
pool timeout (5 s) for a connection, or its deadline (pool timeout + lock
wait + 2 s, 17 s by default) when the database hangs mid-request; the deactivated key is never
valid. When the database is back keydesk serves again, same process, and
every create it acknowledged is there."""

import asyncio
import os
import shutil
import threading
import time

from common import (REST, Client, Database, Server, Stats, Verifier, create_owner, field,
                    free_port, healthz, make_caller)

POOL_TIMEOUT = 5.0    # keydesk's wait for a pooled connection (db::POOL_TIMEOUT)
DEADLINE = 17.0       # keydesk's deadline per request: pool + lock wait 10 s + 2 s
MARGIN = 5.0          # a noisy shared machine
RECOVERY = 30.0       # how long keydesk may take to serve again


class Proxy:
    """127.0.0.1:port -> 127.0.0.1:target, with faults."""

    def __init__(self, target=5432):
        self.target = target
        self.port = free_port()
        self.mode = "pass"
        self.conns = set()
        self.loop = asyncio.new_event_loop()
        threading.Thread(target=self.loop.run_forever, daemon=True).start()
        self._call(self._start())

    def _call(self, coro):
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(10)

    async def _start(self):
        self.flowing = asyncio.Event()
        self.flowing.set()
        await self._listen()

    async def _listen(self):
        self.server = await asyncio.start_server(self._handle, "127.0.0.1", self.port,
                                                 reuse_address=True)

    async def _handle(self, reader, writer):
        if self.mode == "reset":
            writer.transport.abort()
            return
        await self.flowing.wait()
        try:
            ur, uw = await asyncio.open_connection("127.0.0.1", self.target)
        except OSError:
            writer.transport.abort()
            return
        pair = (writer, uw)
        self.conns.add(pair)
        try:
            await asyncio.gather(self._pump(reader, uw), self._pump(ur, writer))
        finally:
            self.conns.discard(pair)
            for w in pair:
                w.transport.abort()

    async def _pump(self, reader, writer):
        try:
            while True:
                data = await reader.read(65536)
                if not data:
                    break
                await self.flowing.wait()
                writer.write(data)
                await writer.drain()
        except (OSError, asyncio.CancelledError):
            pass
        finally:
            writer.transport.abort()

    async def _set(self, mode):
        if mode in ("stopped", "reset"):
            for pair in list(self.conns):
                for w in pair:
                    w.transport.abort()
        if mode == "stopped":
            self.server.close()
        if mode == "blackhole":
            self.flowing.clear()
        if mode == "pass":
            if self.mode == "stopped":
                await self._listen()
            self.flowing.set()
        self.mode = mode

    def set(self, mode):
        self._call(self._set(mode))


class SqliteAway:
    """Moves the database file away and puts a directory in its place."""

    def __init__(self, path):
        self.path = path
        self.aside = path + ".away"

    def set(self, mode):
        files = ["", "-wal", "-shm"]
        if mode == "pass":
            os.rmdir(self.path)
            for s in files:
                if os.path.exists(self.aside + s):
                    os.rename(self.aside + s, self.path + s)
        else:
            for s in files:
                if os.path.exists(self.path + s):
                    os.rename(self.path + s, self.aside + s)
            os.mkdir(self.path)


def clear_503(kind, status, body):
    if kind == "healthz":
        return body == "database unavailable"
    if kind.startswith("verify"):
        return '"temporarily_unavailable"' in body
    return "Temporarily unavailable" in body


class Probes:
    """Runs the probes side by side until `until`; keeps every answer."""

    def __init__(self, server, caller, deactivated, valid, pg):
        self.server, self.caller, self.pg = server, caller, pg
        self.deactivated, self.valid = deactivated, valid
        self.stats = Stats()
        self.results = []   # (phase, kind, status, seconds, problem or "")
        self.lock = threading.Lock()
        self.acked = []     # names of creates answered 200 with a secret
        self.n = 0

    def note(self, phase, kind, status, secs, problem=""):
        with self.lock:
            self.results.append((phase, kind, status, secs, problem))

    def one(self, phase, kind, client, verifier):
        if kind == "healthz":
            from common import fetch
            import urllib.request
            status, body, _, secs = fetch(urllib.request.build_opener(),
                                          self.server.base + "/healthz", timeout=30)
            self.stats.count("failed" if status is None else "%dxx" % (status // 100))
            problem = ""
            if status == 200 and self.pg and not phase.endswith("(back)"):
                problem = "/healthz said 200 with the database away"
        elif kind == "list":
            status, body = client.request(REST)
            secs = client.last_seconds
            problem = ""
        elif kind == "create":
            with self.lock:
                self.n += 1
                name = "away %s %d" % (phase, self.n)
            status, body = client.post(REST + "/new", [
                ("name", name), ("active", "on"), ("expiry", "90d"),
                ("grant", "order-data:view"), ("access_type", "all")])
            secs = client.last_seconds
            problem = ""
            if status == 200:
                if field(body, "secret-client-secret"):
                    with self.lock:
                        self.acked.append(name)
                else:
                    problem = "create answered 200 without a secret"
            elif status is not None and status < 500:
                problem = "create answered %d" % status
        else:
            key = self.deactivated if kind == "verify-deactivated" else self.valid
            status, out = verifier.verify(key)
            secs = verifier.last_seconds
            body = str(out) if out is None else __import__("json").dumps(out)
            problem = ""
            if status == 200 and out and out.get("valid") is True and kind == "verify-deactivated":
                problem = "a deactivated key verified valid"
        if status is None:
            problem = "no answer (%s) after %.1f s" % (body, secs)
        elif status >= 500 and status != 503:
            problem = "%s answered %d" % (kind, status)
        elif status == 503 and not clear_503(kind, status, body):
            problem = "%s answered 503 without a clear message: %r" % (kind, body[:200])
        elif secs > DEADLINE + MARGIN:
            problem = "%s took %.1f s" % (kind, secs)
        self.note(phase, kind, status, secs, problem)
        return status, body

    def run(self, phase, until):
        kinds = ["healthz", "list", "create", "verify-deactivated", "verify-valid"]

        def loop(kind):
            c = Client(self.server.base, self.stats)
            c.cookies_from(self.client)
            v = Verifier(self.server.base, self.stats, *self.caller)
            while time.time() < until:
                self.one(phase, kind, c, v)
                time.sleep(0.2)

        threads = [threading.Thread(target=loop, args=(k,)) for k in kinds]
        for t in threads:
            t.start()
        for t in threads:
            t.join()

    def recovered(self, phase, deadline):
        """Seconds until health, a page, a create and a verification work again."""
        t0 = time.time()
        c = Client(self.server.base, self.stats)
        c.cookies_from(self.client)
        v = Verifier(self.server.base, self.stats, *self.caller)
        need = ["healthz", "list", "create", "verify-valid"]
        while need and time.time() < deadline:
            kind = need[0]
            status, body = self.one(phase + " (back)", kind, c, v)
            good = status == 200 and (kind != "verify-valid" or '"valid": true' in body)
            if good:
                need.pop(0)
            else:
                time.sleep(0.5)
        self.one(phase + " (back)", "verify-deactivated", c, v)
        return None if need else time.time() - t0


def run(args):
    pg = bool(args.database_url)
    window = 4 if args.short else 15
    db = Database(args.database_url)
    proxy = Proxy() if pg else None
    url = db.url.replace(db.base, "postgres://postgres@127.0.0.1:%d" % proxy.port) if pg \
        else db.url
    server = Server(db, url)
    failures = []
    try:
        server.start()
        pid = server.proc.pid
        create_owner(db)
        setup = Client(server.base, Stats())
        setup.sign_in()
        caller = make_caller(setup)
        _, _, valid = setup.create_rest_key("stays valid")
        _, _, gone = setup.create_rest_key("deactivated before the fault")
        kid = setup.key_id("deactivated before the fault")
        status, _ = setup.post_confirmed("%s/%s" % (REST, kid), [
            ("name", "deactivated before the fault"), ("expiry", "keep"),
            ("grant", "order-data:view"), ("access_type", "all")])
        if status != 303:
            raise SystemExit("deactivating the key answered %s" % status)
        probes = Probes(server, caller, gone, valid, pg)
        probes.client = setup
        fault = proxy if pg else SqliteAway(db.url)
        phases = ["stopped", "reset", "blackhole"] if pg else ["moved away"]
        recovery = {}
        for phase in phases:
            fault.set(phase)
            try:
                probes.run(phase, time.time() + window)
            finally:
                fault.set("pass")
            recovery[phase] = probes.recovered(phase, time.time() + RECOVERY)
        # Every create shown with its secret is stored.
        names = {r[0] for r in db.query("SELECT name FROM api_keys")}
        lost = sorted(set(probes.acked) - names)
        problems = [r for r in probes.results if r[4]]
        print("db-away: %s, %d s per fault" % ("PostgreSQL through a proxy" if pg else
                                                "SQLite", window))
        print("  requests %d (%s)" % (probes.stats.total(), probes.stats.line()))
        for phase in phases:
            rows = [r for r in probes.results if r[0] == phase]
            by = {}
            for _, kind, status, secs, _ in rows:
                by.setdefault(kind, []).append((status, secs))
            print("  %s:" % phase)
            for kind, answers in by.items():
                statuses = {}
                for s, _ in answers:
                    statuses[s] = statuses.get(s, 0) + 1
                print("    %-19s %s, slowest %.1f s" % (kind, ", ".join(
                    "%s x%d" % kv for kv in sorted(statuses.items(), key=str)),
                    max(s for _, s in answers)))
            back = recovery[phase]
            print("    serving again after %s" % ("%.1f s" % back if back is not None
                                                   else "NEVER (%d s)" % RECOVERY))
            if back is None:
                failures.append("%s: not serving again after %d s" % (phase, RECOVERY))
        print("  creates acknowledged %d, lost %d; same process %s; panics %d" % (
            len(probes.acked), len(lost), server.alive() and server.proc.pid == pid,
            server.panics()))
        for r in problems[:10]:
            print("  problem: %s %s: %s" % (r[0], r[1], r[4]))
        if problems:
            failures.append("%d bad answers (first: %s)" % (len(problems), problems[0][4]))
        if lost:
            failures.append("lost writes: %s" % lost[:5])
        if not server.alive():
            failures.append("keydesk exited")
        if server.panics():
            failures.append("%d panics in the log" % server.panics())
    finally:
        server.stop()
        if proxy:
            proxy.set("pass")
        db.close()
    return failures
