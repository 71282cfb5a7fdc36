#!/usr/bin/env python3
"""Load and fault scenarios against a real keydesk server on this machine.

    python3 tests/faults/scenarios.py load      [--short] [--database-url postgres://…]
    python3 tests/faults/scenarios.py kill9     [--short]
    python3 tests/faults/scenarios.py db-away   [--short] [--database-url postgres://…]
    python3 tests/faults/scenarios.py disk-full [--short]

load:      writers (create, edit, refresh, delete, bulk delete) and readers
           (list, filters, search, verification); see load.py.
kill9:     creates, SIGKILL mid-loop, restart; see kill9.py.
db-away:   the database taken away while serving, then given back; see away.py.
disk-full: the SQLite file on a small tmpfs that fills up; see diskfull.py.

Only 127.0.0.1 is contacted; every loop is bounded in time. Each prints its
figures and exits 1 on any loss or server error. Standard library only
(db-away and disk-full mount a tmpfs: they need root).
"""

import argparse
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from common import BINARY  # noqa: E402


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("scenario", choices=["load", "kill9", "db-away", "disk-full"])
    p.add_argument("--short", action="store_true", help="the CI form: a few seconds")
    p.add_argument("--database-url", help="postgres://… server to create a throwaway database on")
    args = p.parse_args()
    if not os.access(BINARY, os.X_OK):
        raise SystemExit("build keydesk first (cargo build): %s is missing" % BINARY)
    if args.scenario == "load":
        import load as scenario
    elif args.scenario == "kill9":
        import kill9 as scenario
    elif args.scenario == "db-away":
        import away as scenario
    else:
        import diskfull as scenario
    failures = scenario.run(args)
    for f in failures:
        print("FAILED: " + f)
    print("%s: %s" % (args.scenario, "FAILED" if failures else "ok"))
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
