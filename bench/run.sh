#!/usr/bin/env bash
# The keydesk benchmark (issue 5): builds the release binary, seeds a fresh
# database, starts the server on a free loopback port, signs in as an owner
# and drives HTTP load with wrk from a separate process. Prints one table:
# requests/s, p50 and p99 latency and failures per scenario, each against
# /healthz (the server's floor) and an actix-web hello world run beside it
# (examples/hello.rs, the physical floor), and the server's peak resident
# memory. The Key API scenarios: (g) verify a valid key with a function,
# store and method, (g1)/(g0) the same against two fresh servers on the same
# database, with the usage counters on and off (examples/bench_serve.rs:
# what the counters cost), (h)
# verify a malformed key, (i) the OAuth2 token endpoint.
#
#   bench/run.sh                      100,000 keys, 10 s per scenario, SQLite
#   bench/run.sh --smoke              1,000 keys, 2 s per scenario (CI)
#   bench/run.sh --database-url postgres://postgres@127.0.0.1:5432/postgres
#                                     same on PostgreSQL, in a new database
#                                     kd_bench_<random> that is dropped after
#
#   bench/run.sh --instances 2 --database-url postgres://…
#                                     two servers on the one database, the
#                                     load split over both (combined figures),
#                                     then a key deactivated on one instance
#                                     under load must be refused by the other
#                                     within a second (bench/cross_instance.py)
#
# Options: --keys N, --duration SECONDS, --connections N, --threads N (wrk),
# --workers N, --instances 1|2.
# Exits non-zero if any request fails or answers other than 2xx.
set -euo pipefail
cd "$(dirname "$0")/.."

keys=100000
duration=10
connections=4
threads=1
instances=1
workers=""
smoke=0
base_url=""
keys_given=0
duration_given=0

usage() { sed -n '2,15p' "$0" | sed 's/^# \{0,1\}//'; }
while [ $# -gt 0 ]; do
  case "$1" in
    --smoke) smoke=1 ;;
    --keys) keys="${2:?--keys needs a number}"; keys_given=1; shift ;;
    --duration) duration="${2:?--duration needs seconds}"; duration_given=1; shift ;;
    --connections) connections="${2:?--connections needs a number}"; shift ;;
    --workers) workers="${2:?--workers needs a number}"; shift ;;
    --threads) threads="${2:?--threads needs a number}"; shift ;;
    --instances) instances="${2:?--instances needs 1 or 2}"; shift ;;
    --database-url) base_url="${2:?--database-url needs a URL}"; shift ;;
    -h|--help) usage; exit 0 ;;
    *) echo "bench: unknown option $1" >&2; usage >&2; exit 2 ;;
  esac
  shift
done
if [ "$smoke" = 1 ]; then
  [ "$keys_given" = 1 ] || keys=1000
  [ "$duration_given" = 1 ] || duration=2
fi
case "$keys$duration$connections$workers$threads" in
  *[!0-9]*) echo "bench: --keys, --duration, --connections, --threads and --workers take whole numbers" >&2; exit 2 ;;
esac
case "$instances" in
  1) ;;
  2) [ -n "$base_url" ] || { echo "bench: --instances 2 needs --database-url postgres://… (one database for both)" >&2; exit 2; } ;;
  *) echo "bench: --instances takes 1 or 2" >&2; exit 2 ;;
esac

say() { printf '==> %s\n' "$*" >&2; }
die() { printf 'bench: %s\n' "$*" >&2; exit 1; }

# --- the load generator ------------------------------------------------------
# wrk from Debian installs in seconds; oha would be a multi-minute cargo build
# on every fresh CI machine. wrk's Lua hooks give p99 and the create POST.
if ! command -v wrk >/dev/null 2>&1; then
  say "installing wrk"
  sudo=""; [ "$(id -u)" = 0 ] || sudo="sudo"
  export DEBIAN_FRONTEND=noninteractive
  $sudo apt-get update -qq >/dev/null
  $sudo apt-get install -y -qq wrk >/dev/null
fi
command -v curl >/dev/null || die "curl is needed"
command -v python3 >/dev/null || die "python3 is needed (to find a free port)"

# --- build -------------------------------------------------------------------
say "cargo build --release"
cargo build --release --quiet
cargo build --release --quiet --example hello --example bench_fixture --example bench_serve
bin="$PWD/target/release/keydesk"
hello_bin="$PWD/target/release/examples/hello"
fixture_bin="$PWD/target/release/examples/bench_fixture"
no_counters_bin="$PWD/target/release/examples/bench_serve"

work="$(mktemp -d "${TMPDIR:-/tmp}/keydesk-bench.XXXXXX")"
server_pid=""
server2_pid=""
server0_pid=""
server1_pid=""
hello_pid=""
pg_db=""
cleanup() {
  local rc=$?
  for pid in "$server_pid" "$server2_pid" "$server0_pid" "$server1_pid" "$hello_pid"; do
    if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
      kill "$pid" 2>/dev/null || true
      wait "$pid" 2>/dev/null || true
    fi
  done
  if [ -n "$pg_db" ]; then
    psql "$base_url" -v ON_ERROR_STOP=1 -qc "DROP DATABASE IF EXISTS $pg_db WITH (FORCE)" >/dev/null 2>&1 ||
      echo "bench: could not drop database $pg_db" >&2
  fi
  rm -rf "$work"
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# --- a fresh database ----------------------------------------------------------
case "$base_url" in
  "")
    db_url="$work/bench.db"
    db_label="SQLite (temp file)"
    ;;
  postgres://*|postgresql://*)
    command -v psql >/dev/null || die "psql is needed for PostgreSQL"
    pg_db="kd_bench_$(od -An -N4 -tx4 /dev/urandom | tr -d ' \n')"
    psql "$base_url" -v ON_ERROR_STOP=1 -qc "CREATE DATABASE $pg_db" >/dev/null ||
      { pg_db=""; die "cannot create a database through $base_url"; }
    # Same server and credentials, the new database name, any ?options kept.
    authority="${base_url#*://}"
    query=""
    case "$authority" in *\?*) query="?${authority#*\?}"; authority="${authority%%\?*}" ;; esac
    db_url="${base_url%%://*}://${authority%%/*}/$pg_db$query"
    db_label="PostgreSQL $(psql "$base_url" -Atqc 'SHOW server_version' | cut -d' ' -f1) ($pg_db)"
    ;;
  *) die "--database-url takes postgres://… (SQLite uses a temp file by default)" ;;
esac

say "seeding $keys keys into $db_label"
"$bin" seed --keys "$keys" --database-url "$db_url" >&2
# The Key API's caller and subject, with credentials only this run knows.
eval "$("$fixture_bin" "$db_url")"
[ -n "${subject_secret:-}" ] || die "the Key API fixture keys were not made"

# --- the server ----------------------------------------------------------------
port="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')"
base="http://127.0.0.1:$port"
serve_args=(serve --bind "127.0.0.1:$port" --database-url "$db_url")
[ -n "$workers" ] && serve_args+=(--workers "$workers")
"$bin" "${serve_args[@]}" >"$work/server.log" 2>&1 &
server_pid=$!
for _ in $(seq 1 100); do
  curl -fsS -o /dev/null "$base/healthz" 2>/dev/null && break
  kill -0 "$server_pid" 2>/dev/null || { cat "$work/server.log" >&2; die "the server did not start"; }
  sleep 0.1
done
curl -fsS -o /dev/null "$base/healthz" || { cat "$work/server.log" >&2; die "the server does not answer"; }
base2=""
if [ "$instances" = 2 ]; then
  port2="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')"
  base2="http://127.0.0.1:$port2"
  serve2_args=(serve --bind "127.0.0.1:$port2" --database-url "$db_url")
  [ -n "$workers" ] && serve2_args+=(--workers "$workers")
  "$bin" "${serve2_args[@]}" >"$work/server2.log" 2>&1 &
  server2_pid=$!
  for _ in $(seq 1 100); do
    curl -fsS -o /dev/null "$base2/healthz" 2>/dev/null && break
    kill -0 "$server2_pid" 2>/dev/null || { cat "$work/server2.log" >&2; die "the second server did not start"; }
    sleep 0.1
  done
  curl -fsS -o /dev/null "$base2/healthz" || die "the second server does not answer"
fi

# (g1) and (g0): two fresh servers on the same database that serve only
# verifications, the usage counters on and off (one instance only; beside
# two instances they would skew them). Fresh both, so neither carries the
# list scenarios' memory and caches: they differ in the counters alone.
base0=""
base1=""
start_verifier() { # start_verifier on|off: prints "pid url"
  local p
  p="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')"
  local a=(--bind "127.0.0.1:$p" --database-url "$db_url")
  [ -n "$workers" ] && a+=(--workers "$workers")
  KEYDESK_BENCH_USAGE_COUNTERS="$1" "$no_counters_bin" "${a[@]}" >"$work/server-$1.log" 2>&1 &
  echo "$! http://127.0.0.1:$p"
}
wait_up() { # wait_up pid url name
  for _ in $(seq 1 100); do
    curl -fsS -o /dev/null "$2/healthz" 2>/dev/null && return 0
    kill -0 "$1" 2>/dev/null || { cat "$work"/server-*.log >&2; die "the $3 server did not start"; }
    sleep 0.1
  done
  curl -fsS -o /dev/null "$2/healthz" || die "the $3 server does not answer"
}
if [ "$instances" = 1 ]; then
  read -r server0_pid base0 <<<"$(start_verifier off)"
  read -r server1_pid base1 <<<"$(start_verifier on)"
  wait_up "$server0_pid" "$base0" "counters-off"
  wait_up "$server1_pid" "$base1" "counters-on"
fi

# The physical floor: actix-web's hello world, same workers.
hello_port="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')"
"$hello_bin" "127.0.0.1:$hello_port" ${workers:+"$workers"} >"$work/hello.log" 2>&1 &
hello_pid=$!
for _ in $(seq 1 100); do
  curl -fsS -o /dev/null "http://127.0.0.1:$hello_port/" 2>/dev/null && break
  sleep 0.1
done
curl -fsS -o /dev/null "http://127.0.0.1:$hello_port/" || die "the hello-world floor does not answer"

# --- an owner, signed in --------------------------------------------------------
password="kd-pw-$(od -An -N12 -tx1 /dev/urandom | tr -d ' \n')"
printf '%s' "$password" | "$bin" user create bench --role api-key:owner \
  --password-stdin --database-url "$db_url" >/dev/null
jar="$work/cookies"
csrf_of() { grep -o 'name="csrf-token" content="[^"]*"' "$1" | head -n1 | sed 's/.*content="//; s/"$//'; }
login_token="$(curl -fsS -c "$jar" -b "$jar" "$base/login" | grep -o 'name="csrf_token" value="[^"]*"' | head -n1 | sed 's/.*value="//; s/"$//')"
[ -n "$login_token" ] || die "no CSRF token on the sign-in page"
status="$(curl -sS -o /dev/null -w '%{http_code}' -c "$jar" -b "$jar" \
  --data-urlencode username=bench --data-urlencode "password=$password" \
  --data-urlencode "csrf_token=$login_token" --data-urlencode next=/admin/api-keys/graphql \
  "$base/login")"
[ "$status" = 303 ] || die "signing in answered $status, not 303"
session="$(awk '$6 == "keydesk_session" { print $7 }' "$jar" | tail -n1)"
[ -n "$session" ] || die "no session cookie after signing in"
cookie="Cookie: keydesk_session=$session"

# --- scenarios --------------------------------------------------------------
gql="$base/admin/api-keys/graphql"
rest="$base/admin/api-keys/rest"
# (b): active keys created in a window of the seeded two years, by name. The
# window is wide enough for 50 pages at 100,000 keys; with fewer keys (smoke)
# the whole span is used and the page is the last one if 50 does not exist.
if [ "$keys" -ge 50000 ]; then
  from="$(date -u -d '-600 days' +%F)"; to="$(date -u -d '-240 days' +%F)"
else
  from="$(date -u -d '-731 days' +%F)"; to="$(date -u +%F)"
fi
b_query="active=true&created_from=$from&created_to=$to&sort=name&dir=asc"

# Fetches URL and checks it is a 200 list page with rows; echoes the body file.
check_list() {
  local name="$1" url="$2" out="$work/check.html" code
  code="$(curl -sS -o "$out" -w '%{http_code}' -H "$cookie" "$url")"
  [ "$code" = 200 ] || die "($name) $url answered $code, not 200"
  grep -q 'data-row-link' "$out" || die "($name) $url shows no key rows"
}
total_pages() {
  # "· page 1 of 137", or past the count's bound "· page 1 of more than
  # 1,000": that number, or 1 when there is one page.
  grep -o 'page [0-9]* of \(more than \)\{0,1\}[0-9,]*' "$1" | head -n1 \
    | awk '{ print $NF }' | tr -d , | grep . || echo 1
}

check_list b "$gql?$b_query"
pages="$(total_pages "$work/check.html")"
b_page=50
[ "$pages" -ge 50 ] || b_page="$pages"
[ "$keys" -lt 50000 ] || [ "$b_page" = 50 ] || die "(b) has only $pages pages; the window is too narrow"

# (b2): issue 8's filters: keys that may reach Berlin (all-store keys and
# those listing it) and expire within 7 days, soonest first.
curl -sS -o "$work/page.html" -H "$cookie" "$gql"
berlin="$(grep -o '<option value="[0-9]*">Berlin<' "$work/page.html" | grep -o '[0-9]*' | head -n1)"
[ -n "$berlin" ] || die "the seeded store Berlin is not in the Store filter"
b2_query="store=$berlin&expiry=7d&sort=expires&dir=asc"

declare -A url title
order=(a b b2 c d e1 e2 g h i f hello)
[ -z "$base0" ] || order=(a b b2 c d e1 e2 g g1 g0 h i f hello)
title[a]="(a) GraphQL, page 1, default sort"
url[a]="$gql"
title[b]="(b) active + created range + name, page $b_page"
url[b]="$gql?$b_query&page=$b_page"
title[b2]="(b2) store + expires within 7 days, by Expires"
url[b2]="$gql?$b2_query"
title[c]="(c) name search q=northwind"
url[c]="$gql?q=northwind"
title[d]="(d) REST, sorted by Date Updated"
url[d]="$rest?sort=updated&dir=desc"
title[e1]="(e) create a GraphQL key (POST)"
url[e1]="$gql/new"
title[e2]="(e) GraphQL page 1 after the creates"
url[e2]="$gql"
title[f]="(f) /healthz (floor)"
url[f]="$base/healthz"
title[g]="(g) verify: valid key, function+store+method"
url[g]="$base/api/v1/keys/verify"
title[g1]="(g1) as (g), fresh server, usage counters on"
url[g1]="$base1/api/v1/keys/verify"
title[g0]="(g0) as (g), fresh server, usage counters off"
url[g0]="$base0/api/v1/keys/verify"
title[h]="(h) verify: malformed key"
url[h]="$base/api/v1/keys/verify"
title[i]="(i) POST /oauth/token (client credentials)"
url[i]="$base/oauth/token"
title[hello]="actix-web hello world (physical floor)"
url[hello]="http://127.0.0.1:$hello_port/"

caller_auth="Authorization: Basic $(printf '%s:%s' "$caller_id" "$caller_secret" | base64 -w0)"
subject_auth="Authorization: Basic $(printf '%s:%s' "$subject_id" "$subject_secret" | base64 -w0)"
declare -A body
body[g]="{\"key\":\"$subject_secret\",\"function\":\"order-data\",\"action\":\"view\",\"store\":\"berlin\",\"method\":\"GET\",\"path\":\"/api/v2/orders/statuses\"}"
body[g0]="${body[g]}"
body[g1]="${body[g]}"
body[h]="{\"key\":\"kd_rest_not-a-key\",\"function\":\"order-data\",\"action\":\"view\",\"store\":\"berlin\",\"method\":\"GET\",\"path\":\"/api/v2/orders/statuses\"}"
body[i]="grant_type=client_credentials"
# The Key API answers what the scenario expects, before any load.
check_api() {
  local name="$1" auth="$2" ct="$3" want="$4" out="$work/api.json" code
  code="$(curl -sS -o "$out" -w '%{http_code}' -H "$auth" -H "Content-Type: $ct" --data "${body[$name]}" "${url[$name]}")"
  [ "$code" = 200 ] || die "($name) ${url[$name]} answered $code: $(cat "$out")"
  grep -q "$want" "$out" || die "($name) unexpected answer: $(cat "$out")"
}
check_api g "$caller_auth" application/json '"code":"valid"'
[ -z "$base0" ] || check_api g0 "$caller_auth" application/json '"code":"valid"'
[ -z "$base1" ] || check_api g1 "$caller_auth" application/json '"code":"valid"'
check_api h "$caller_auth" application/json '"code":"malformed"'
check_api i "$subject_auth" application/x-www-form-urlencoded '"access_token":"kd_at_'

for s in a b b2 c d; do check_list "$s" "${url[$s]}"; done
code="$(curl -sS -o /dev/null -w '%{http_code}' "${url[f]}")"
[ "$code" = 200 ] || die "(f) /healthz answered $code"
# The CSRF token of the signed-in session, as htmx sends it.
curl -sS -o "$work/page.html" -H "$cookie" "$gql"
csrf="$(csrf_of "$work/page.html")"
[ -n "$csrf" ] || die "no CSRF token on the key page"
code="$(curl -sS -o "$work/created.html" -w '%{http_code}' -H "$cookie" -H "X-CSRF-Token: $csrf" \
  -H 'HX-Request: true' --data 'name=Bench+check&channel=1&role_definition=product-data&role_level=viewer&active=on' \
  "${url[e1]}")"
[ "$code" = 200 ] || die "(e) creating a key answered $code, not 200"
grep -q 'kd_gql_' "$work/created.html" || die "(e) the create response shows no new key"

# Server CPU time (user + system, in clock ticks) so far: on a shared machine
# latency depends on the neighbours, the CPU each request costs does not.
server_ticks() { awk '{ print $14 + $15 }' "/proc/${1:-$server_pid}/stat"; }
ticks_per_s="$(getconf CLK_TCK)"

declare -A rps p50 p99 errs cpu
failed=0
# One wrk per instance (the connections and threads split between them), run
# at the same time; the figures are combined: requests and req/s summed, the
# worse p50 and p99 of the two, CPU time of both servers per request.
run() {
  local s="$1" t0 t1 total=0 n=1 i pids=() bases=("$base") conns="$connections" thr="$threads"
  local server_pids=("$server_pid")
  if [ "$instances" = 2 ] && [ "$s" != hello ]; then
    n=2; bases+=("$base2"); server_pids+=("$server2_pid")
    conns=$(( (connections + 1) / 2 )); thr=$(( (threads + 1) / 2 ))
  fi
  [ "$s" = hello ] && server_pids=("$hello_pid")
  [ "$s" = g0 ] && server_pids=("$server0_pid")
  [ "$s" = g1 ] && server_pids=("$server1_pid")
  say "${title[$s]}: ${duration}s"
  t0=0; for p in "${server_pids[@]}"; do t0=$((t0 + $(server_ticks "$p"))); done
  for i in $(seq 0 $((n - 1))); do
    local u="${url[$s]}"
    [ "$i" = 1 ] && u="${u/$base/$base2}"
    local common=(-t"$thr" -c"$conns" -d"${duration}s" --timeout 5s -s bench/wrk.lua)
    local args=("${common[@]}" -H "$cookie" "$u" -- get)
    case "$s" in
      e1) args=("${common[@]}" -H "$cookie" "$u" -- post "$csrf") ;;
      g|g0|g1|h) args=("${common[@]}" -H "$caller_auth" "$u" -- body application/json "${body[$s]}") ;;
      i) args=("${common[@]}" -H "$subject_auth" "$u" -- body application/x-www-form-urlencoded "${body[$s]}") ;;
      hello) args=("${common[@]}" "$u" -- get) ;;
    esac
    wrk "${args[@]}" >"$work/wrk.$i.out" 2>&1 &
    pids+=($!)
  done
  for p in "${pids[@]}"; do wait "$p" || die "wrk failed on ${title[$s]}"; done
  t1=0; for p in "${server_pids[@]}"; do t1=$((t1 + $(server_ticks "$p"))); done
  rps[$s]=0; p50[$s]=0; p99[$s]=0; errs[$s]=0
  for i in $(seq 0 $((n - 1))); do
    local line req r a b se n2
    line="$(grep '^RESULT ' "$work/wrk.$i.out")" || die "wrk printed no result on ${title[$s]}: $(cat "$work/wrk.$i.out")"
    # RESULT requests rps p50 p99 socket_errors non_2xx
    read -r _ req r a b se n2 <<<"$line"
    total=$((total + req))
    rps[$s]="$(awk -v x="${rps[$s]}" -v y="$r" 'BEGIN { print x + y }')"
    p50[$s]="$(awk -v x="${p50[$s]}" -v y="$a" 'BEGIN { print (y > x ? y : x) }')"
    p99[$s]="$(awk -v x="${p99[$s]}" -v y="$b" 'BEGIN { print (y > x ? y : x) }')"
    errs[$s]=$((errs[$s] + se + n2))
  done
  cpu[$s]="$(awk -v d="$((t1 - t0))" -v hz="$ticks_per_s" -v n="$total" 'BEGIN { printf "%.3f", (n > 0 ? d * 1000 / hz / n : 0) }')"
  [ "${errs[$s]}" = 0 ] || failed=1
}
# The floor first, so every later line can be compared with it; the creates
# last but one, since they change what the list shows.
# (g1) and (g0) back to back, twice in turn, so a neighbour's burst does not
# land on one of them only; each keeps its better run.
best() { # best S: keeps the run of S with more req/s
  local s="$1" r="${rps[$1]}" a="${p50[$1]}" b="${p99[$1]}" e="${errs[$1]}" c="${cpu[$1]}"
  run "$s"
  if awk -v x="$r" -v y="${rps[$s]}" 'BEGIN { exit !(x > y) }'; then
    rps[$s]="$r"; p50[$s]="$a"; p99[$s]="$b"; errs[$s]="$e"; cpu[$s]="$c"
  fi
}
for s in f hello a b b2 c d g; do run "$s"; done
if [ -n "$base0" ]; then run g1; run g0; best g1; best g0; fi
for s in h i e1 e2; do run "$s"; done

cross=""
if [ "$instances" = 2 ]; then
  # Under load on both instances (the list and verification), the subject
  # key is deactivated through instance 1's edit form; instance 2's
  # verification endpoint must refuse it within a second.
  subject_key="$(psql "$db_url" -Atqc "SELECT id FROM api_keys WHERE client_id = '$subject_id'")"
  wrk -t1 -c4 -d"$((duration + 2))s" -s bench/wrk.lua -H "$cookie" "${url[a]}" -- get >/dev/null 2>&1 &
  load1=$!
  wrk -t1 -c4 -d"$((duration + 2))s" -s bench/wrk.lua -H "$caller_auth" "${url[g]/$base/$base2}" -- body application/json "${body[g]}" >/dev/null 2>&1 &
  load2=$!
  sleep 1
  cross="$(python3 bench/cross_instance.py "$base" "$base2" "keydesk_session=$session" "$caller_auth" "$subject_key" "${body[g]}" || true)"
  wait "$load1" "$load2" 2>/dev/null || true
fi

rss_kb="$(awk '/^VmHWM:/ { print $2 }' "/proc/$server_pid/status")"
rss2_kb=""
[ -z "$server2_pid" ] || rss2_kb="$(awk '/^VmHWM:/ { print $2 }' "/proc/$server2_pid/status")"

printf '\nkeydesk benchmark: %s keys, %s, %s instance(s), %s s per scenario, wrk %s threads %s connections, %s\n' \
  "$keys" "$db_label" "$instances" "$duration" "$threads" "$connections" "$(date -u '+%Y-%m-%d %H:%M UTC')"
printf '%s CPUs (%s), %s GB RAM\n\n' "$(nproc)" \
  "$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//')" \
  "$(awk '/MemTotal/ { printf "%.0f", $2 / 1048576 }' /proc/meminfo)"
printf '| %-46s | %8s | %7s | %7s | %6s | %9s | %9s | %9s | %11s |\n' \
  Scenario "req/s" "p50 ms" "p99 ms" errors "p50 / (f)" "rps / (f)" "rps/hello" "CPU ms/req"
printf '|%s|%s:|%s:|%s:|%s:|%s:|%s:|%s:|%s:|\n' "$(printf -- '-%.0s' {1..48})" \
  "$(printf -- '-%.0s' {1..9})" "$(printf -- '-%.0s' {1..8})" "$(printf -- '-%.0s' {1..8})" \
  "$(printf -- '-%.0s' {1..7})" "$(printf -- '-%.0s' {1..10})" "$(printf -- '-%.0s' {1..10})" \
  "$(printf -- '-%.0s' {1..10})" "$(printf -- '-%.0s' {1..12})"
for s in "${order[@]}"; do
  awk -v t="${title[$s]}" -v r="${rps[$s]}" -v a="${p50[$s]}" -v b="${p99[$s]}" -v e="${errs[$s]}" \
      -v fr="${rps[f]}" -v fa="${p50[f]}" -v hr="${rps[hello]}" -v c="${cpu[$s]}" 'BEGIN {
    printf "| %-46s | %8.0f | %7.2f | %7.2f | %6d | %8.1fx | %8.2fx | %8.2fx | %11.3f |\n",
      t, r, a, b, e, (fa > 0 ? a / fa : 0), (fr > 0 ? r / fr : 0), (hr > 0 ? r / hr : 0), c }'
done
printf '\nServer peak RSS (VmHWM): %.1f MB. CPU ms/req: server CPU time per request (all threads).\n' \
  "$(awk -v k="$rss_kb" 'BEGIN { print k / 1024 }')"
[ -z "$rss2_kb" ] || printf 'Second server peak RSS (VmHWM): %.1f MB.\n' "$(awk -v k="$rss2_kb" 'BEGIN { print k / 1024 }')"
if [ -n "$cross" ]; then
  read -r _ cross_ms cross_code <<<"$cross"
  if [ "$cross_ms" = -1 ]; then
    printf 'Cross-instance: FAILED (%s): a key deactivated on instance 1 was not refused by instance 2 in time.\n' "$cross_code"
    failed=1
  else
    printf 'Cross-instance: a key deactivated on instance 1 under load was refused by instance 2 after %s ms (%s).\n' "$cross_ms" "$cross_code"
  fi
fi
if [ -n "$base0" ]; then
  awk -v g="${rps[g1]}" -v g0="${rps[g0]}" -v c="${cpu[g1]}" -v c0="${cpu[g0]}" 'BEGIN {
    printf "Usage counters: (g1) with them %.0f req/s at %.1f us CPU per verification, (g0) without them %.0f req/s at %.1f us: they cost %.1f%% of req/s and %.1f us (below zero: within the noise).\n",
      g, c * 1000, g0, c0 * 1000, (g0 > 0 ? (1 - g / g0) * 100 : 0), (c - c0) * 1000 }'
fi
printf 'Load average at the end (other processes share the CPUs): %s\n' "$(cut -d' ' -f1-3 /proc/loadavg)"

if [ "$failed" != 0 ]; then
  echo "bench: some requests failed or answered other than 2xx (errors column); server log:" >&2
  tail -n 20 "$work/server.log" >&2
  exit 1
fi
