#!/usr/bin/env bash
# keydesk's browser suite: `bash e2e/run.sh [pytest args]`.
# Installs what is missing (Debian's chromium, a Python venv with the pinned
# Playwright and pytest, axe-core from npm), builds the debug binary and runs
# pytest. Idempotent: a second run installs nothing. Each test module starts
# its own keydesk on a free port with a fresh database in a temporary
# directory, so no run depends on another.
set -euo pipefail
cd "$(dirname "$0")"
E2E="$PWD"
ROOT="$(cd .. && pwd)"

step() { printf '\n==> %s\n' "$*"; }

if [ ! -x /usr/bin/chromium ]; then
  step "apt-get install chromium"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq chromium
fi

PY="$E2E/.venv/bin/python"
stamp="$E2E/.venv/.requirements.txt"
if [ ! -x "$PY" ] || ! cmp -s requirements.txt "$stamp"; then
  step "Python venv e2e/.venv (requirements.txt)"
  [ -x "$PY" ] || python3 -m venv .venv
  "$PY" -m pip install -q --disable-pip-version-check -r requirements.txt
  cp requirements.txt "$stamp"
fi

axe_pinned=$(node -p 'require("./package.json").devDependencies["axe-core"]')
axe_have=$(node -p 'try { require("./node_modules/axe-core/package.json").version } catch (e) { "" }')
if [ ! -f node_modules/axe-core/axe.min.js ] || [ "$axe_pinned" != "$axe_have" ]; then
  step "npm ci (axe-core)"
  npm ci --no-audit --no-fund --loglevel=error
fi

step "cargo build"
(cd "$ROOT" && cargo build --bin keydesk)

step "pytest (Chromium: /usr/bin/chromium)"
export KEYDESK_BIN="$ROOT/target/debug/keydesk"
exec "$PY" -m pytest -p no:cacheprovider "$@"
