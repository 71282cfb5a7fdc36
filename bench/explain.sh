#!/usr/bin/env bash
# Query plans of the key list for benchmark scenarios (a)-(d), as recorded in
# BENCHMARKS.md: seeds a fresh database like bench/run.sh does (100,000 keys
# unless --keys), then prints EXPLAIN QUERY PLAN (SQLite, with the sqlite3
# shell) or EXPLAIN (PostgreSQL) of the count and the page query of each.
#
#   bench/explain.sh [--keys N] [--database-url postgres://…]
#
# The SQL is what src/models/api_key.rs `list` sends, with the values inlined.
set -euo pipefail
cd "$(dirname "$0")/.."

keys=100000
base_url=""
while [ $# -gt 0 ]; do
  case "$1" in
    --keys) keys="${2:?}"; shift ;;
    --database-url) base_url="${2:?}"; shift ;;
    *) echo "usage: bench/explain.sh [--keys N] [--database-url postgres://…]" >&2; exit 2 ;;
  esac
  shift
done

cargo build --release --quiet
bin="$PWD/target/release/keydesk"
work="$(mktemp -d "${TMPDIR:-/tmp}/keydesk-explain.XXXXXX")"
pg_db=""
cleanup() {
  [ -z "$pg_db" ] || psql "$base_url" -qc "DROP DATABASE IF EXISTS $pg_db WITH (FORCE)" >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT

if [ -z "$base_url" ]; then
  command -v sqlite3 >/dev/null || { apt-get install -y -qq sqlite3 >/dev/null; }
  db_url="$work/explain.db"
  run_sql() { sqlite3 "$db_url" "$1"; }
  explain="EXPLAIN QUERY PLAN"
  walk='+'   # the page query's hint on SQLite (see api_key::filtered)
  t=1
else
  pg_db="kd_explain_$(od -An -N4 -tx4 /dev/urandom | tr -d ' \n')"
  psql "$base_url" -v ON_ERROR_STOP=1 -qc "CREATE DATABASE $pg_db" >/dev/null
  authority="${base_url#*://}"; authority="${authority%%\?*}"
  db_url="${base_url%%://*}://${authority%%/*}/$pg_db"
  run_sql() { psql "$db_url" -X -q -c "$1"; }
  explain="EXPLAIN"
  walk=''
  t=true
fi
"$bin" seed --keys "$keys" --database-url "$db_url" >&2
# Indexes are built by the migrations the server would run: seed ran them.

from="$(date -u -d '-600 days' +%F) 00:00:00"
to="$(date -u -d '-239 days' +%F) 00:00:00"
cols="id, name, active, channel_id, created_at, updated_at"

show() {
  printf '\n-- %s\n%s\n' "$1" "$2"
  run_sql "$explain $2"
}
echo "== (a) GraphQL, page 1, default sort"
show count "SELECT COUNT(*) FROM (SELECT id FROM api_keys WHERE kind = 'graphql' LIMIT 10001) AS bounded"
show page "SELECT $cols FROM api_keys WHERE kind = 'graphql' ORDER BY created_at DESC, id DESC LIMIT 25 OFFSET 0"
echo
echo "== (b) active + created range + sorted by name, page 50"
show count "SELECT COUNT(*) FROM (SELECT id FROM api_keys WHERE kind = 'graphql' AND active = $t AND created_at >= '$from' AND created_at < '$to' LIMIT 10001) AS bounded"
show page "SELECT $cols FROM api_keys WHERE kind = 'graphql' AND active = $t AND ${walk}created_at >= '$from' AND ${walk}created_at < '$to' ORDER BY name_key ASC, id ASC LIMIT 25 OFFSET 1225"
echo
echo "== (c) name search (issue 12: trigram index on both backends)"
if [ -z "$base_url" ]; then
  search="id IN (SELECT rowid FROM api_keys_name_fts WHERE api_keys_name_fts MATCH '\"northwind\"')"
else
  search="name_key LIKE '%northwind%' ESCAPE '\\'"
fi
show count "SELECT COUNT(*) FROM (SELECT id FROM api_keys WHERE kind = 'graphql' AND $search LIMIT 10001) AS bounded"
show page "SELECT $cols FROM api_keys WHERE kind = 'graphql' AND $search ORDER BY created_at DESC, id DESC LIMIT 25 OFFSET 0"
echo
echo "== (d) REST, sorted by Date Updated"
show count "SELECT COUNT(*) FROM (SELECT id FROM api_keys WHERE kind = 'rest' LIMIT 10001) AS bounded"
show page "SELECT $cols FROM api_keys WHERE kind = 'rest' ORDER BY updated_at DESC, id DESC LIMIT 25 OFFSET 0"
