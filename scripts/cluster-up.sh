#!/usr/bin/env bash
# Start a local studio cluster on top of running services (scripts/services-up.sh): 3 replicas of
# `studio-mcp --http` on free loopback ports sharing one Postgres database created for the cluster, one S3 bucket
# prefix and STUDIO_REDIS_URL, one bearer token; 2 workers when the build has `studio-mcp worker`; and HAProxy in
# front (round-robin, sticky on Mcp-Session-Id learned from the initialize response, `option http-no-delay`: see
# shared/scale-out.md). Writes STATE/env (STUDIO_CLUSTER_URL, STUDIO_CLUSTER_TOKEN, …, mode 600) and STATE/pids
# ("name pid" a line); scripts/cluster-down.sh stops exactly those. It never starts or stops the services.
#
# Usage: scripts/cluster-up.sh [STATE_DIR]   (default .cluster/; STUDIO_CLUSTER_DIR works too)
#        services env file: STUDIO_SERVICES_ENV (default .services/env)
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
STATE="${1:-${STUDIO_CLUSTER_DIR:-$ROOT/.cluster}}"
SERVICES_ENV="${STUDIO_SERVICES_ENV:-$ROOT/.services/env}"
REPLICAS=3
WORKERS=2
CLI="$ROOT/dist/src/cli.js"

log() { printf 'cluster-up: %s\n' "$*" >&2; }
die() {
  log "$*"
  exit 1
}
now_ms() { date +%s%3N; }

[[ -e "$STATE/pids" ]] && die "$STATE/pids exists: a cluster is already up there (run scripts/cluster-down.sh first)"
[[ -f "$SERVICES_ENV" ]] || die "no services env file at $SERVICES_ENV (run scripts/services-up.sh, or set STUDIO_SERVICES_ENV)"
[[ -f "$CLI" ]] || die "no build at $CLI (run npx tsc -p tsconfig.json)"
command -v haproxy >/dev/null || die "haproxy is not installed (scripts/services-up.sh installs it)"
command -v psql >/dev/null || die "psql is not installed (postgresql-15; scripts/services-up.sh installs it)"

set -a
# shellcheck disable=SC1090
. "$SERVICES_ENV"
set +a
DB_URL_BASE="${STUDIO_TEST_DATABASE_URL:-${STUDIO_DATABASE_URL:-}}"
BUCKET="${STUDIO_TEST_S3_BUCKET:-${STUDIO_S3_BUCKET:-}}"
REDIS_URL="${STUDIO_TEST_REDIS_URL:-${STUDIO_REDIS_URL:-}}"
[[ -n "$DB_URL_BASE" ]] || die "$SERVICES_ENV names no Postgres (STUDIO_TEST_DATABASE_URL)"
[[ -n "$BUCKET" ]] || die "$SERVICES_ENV names no S3 bucket (STUDIO_TEST_S3_BUCKET)"

t0=$(now_ms)
mkdir -p "$STATE"
STATE="$(cd "$STATE" && pwd)"
chmod 700 "$STATE"
mkdir -p "$STATE/log"
: >"$STATE/pids"
record() { printf '%s %s\n' "$1" "$2" >>"$STATE/pids"; }

# If anything below fails (or dies), stop what was already started (exactly those PIDs); logs stay for reading.
up=0
trap '((up)) || { log "start-up failed; stopping what was started (logs in $STATE/log; scripts/cluster-down.sh $STATE drops its database)"; "$ROOT/scripts/cluster-down.sh" "$STATE" --keep || true; }' EXIT

# One id names this cluster's database and bucket prefix, so clusters (and helpers' tests) never share data.
ID="c$(od -An -N4 -tx1 /dev/urandom | tr -d ' \n')"
TOKEN="$(od -An -N24 -tx1 /dev/urandom | tr -d ' \n')"
DB_NAME="studio_cluster_$ID"
ADMIN_URL="${DB_URL_BASE%/*}/postgres"
DB_URL="${DB_URL_BASE%/*}/$DB_NAME"
psql "$ADMIN_URL" -q -v ON_ERROR_STOP=1 -c "CREATE DATABASE $DB_NAME" >/dev/null
printf '%s\n' "$DB_NAME" >"$STATE/database"
printf '%s\n' "$ADMIN_URL" >"$STATE/admin-url"

# Free loopback ports, chosen by the kernel: one for HAProxy, one per replica.
read -r -a ALL_PORTS < <(node -e '
  const net = require("node:net");
  const servers = Array.from({ length: Number(process.argv[1]) }, () => net.createServer());
  Promise.all(servers.map((s) => new Promise((r) => s.listen(0, "127.0.0.1", () => r(s.address().port)))))
    .then((ports) => { console.log(ports.join(" ")); servers.forEach((s) => s.close()); });
' $((REPLICAS + 1)))
LB_PORT=${ALL_PORTS[0]}
PORTS=("${ALL_PORTS[@]:1}")

# What every studio process of the cluster shares. The bucket prefix keeps this cluster's objects apart.
common_env=(
  PATH="$PATH"
  STUDIO_DATABASE_URL="$DB_URL"
  STUDIO_S3_BUCKET="$BUCKET"
  STUDIO_S3_PREFIX="$ID/"
  STUDIO_S3_FORCE_PATH_STYLE="${STUDIO_S3_FORCE_PATH_STYLE:-}"
  AWS_ENDPOINT_URL_S3="${AWS_ENDPOINT_URL_S3:-}"
  AWS_ACCESS_KEY_ID="${AWS_ACCESS_KEY_ID:-}"
  AWS_SECRET_ACCESS_KEY="${AWS_SECRET_ACCESS_KEY:-}"
  AWS_REGION="${AWS_REGION:-us-east-1}"
  STUDIO_REDIS_URL="$REDIS_URL"
  STUDIO_REDIS_PREFIX="$ID"
  STUDIO_HTTP_TOKEN="$TOKEN"
)
# Extra settings for every process (e.g. provider fakes' base URLs, STUDIO_POLL_INTERVAL_MS), one VAR=value a line.
if [[ -n "${STUDIO_CLUSTER_EXTRA_ENV:-}" && -f "$STUDIO_CLUSTER_EXTRA_ENV" ]]; then
  while IFS= read -r line; do [[ "$line" =~ ^[A-Z_][A-Z0-9_]*= ]] && common_env+=("$line"); done <"$STUDIO_CLUSTER_EXTRA_ENV"
fi

# Clients reach the replicas through HAProxy, which passes their Host header on: the replicas accept its address,
# and their storyboard links name it (STUDIO_PUBLIC_URL), not the replica's own port.
ALLOWED="127.0.0.1:$LB_PORT,localhost:$LB_PORT${STUDIO_HTTP_ALLOWED_HOSTS:+,$STUDIO_HTTP_ALLOWED_HOSTS}"

# Each process runs in its own folder under the state dir (scratch, cache), which also marks it as ours for
# cluster-down.sh. Started one after another: the first applies the migrations under the advisory lock.
start() { # start <name> <ready-pattern> <args...>
  local name=$1 ready=$2
  shift 2
  mkdir -p "$STATE/$name"
  (cd "$STATE/$name" && exec env -i "${common_env[@]}" STUDIO_HOME="$STATE/$name" STUDIO_REPLICA_NAME="$name" \
    STUDIO_HTTP_ALLOWED_HOSTS="$ALLOWED" STUDIO_PUBLIC_URL="${STUDIO_PUBLIC_URL:-http://127.0.0.1:$LB_PORT}" node "$CLI" "$@" >"$STATE/log/$name.log" 2>&1) &
  local pid=$!
  record "$name" "$pid"
  if [[ -z "$ready" ]]; then # nothing to wait for (a worker announces nothing we know of): alive after 1 s is enough
    sleep 1
    [[ -d /proc/$pid ]] || die "$name exited: $(tail -5 "$STATE/log/$name.log")"
    return 0
  fi
  for ((i = 0; i < 600; i++)); do
    grep -q "$ready" "$STATE/log/$name.log" 2>/dev/null && return 0
    [[ -d /proc/$pid ]] || die "$name exited: $(tail -5 "$STATE/log/$name.log")"
    sleep 0.05
  done
  die "$name did not start within 30 s: $(tail -5 "$STATE/log/$name.log")"
}

servers=""
for ((n = 1; n <= REPLICAS; n++)); do
  port=${PORTS[$((n - 1))]}
  start "replica-$n" "Streamable HTTP on" --http --port "$port"
  servers+="    server replica-$n 127.0.0.1:$port"$'\n'
done

if [[ -f "$ROOT/dist/src/cli/commands/worker.js" ]] || grep -qs 'studio-mcp worker' "$ROOT/dist/src/cli/usage.js"; then
  for ((n = 1; n <= WORKERS; n++)); do start "worker-$n" "" worker; done
  worker_note="$WORKERS workers"
else
  worker_note="no workers: this build has no 'studio-mcp worker' command (each replica does its own jobs)"
  log "$worker_note"
fi

# Stickiness on the session id learned from the initialize response keeps a 2025-era session on the replica that
# holds it; 2026-07-28 requests carry no session id and go round-robin. Long timeouts: SSE streams stay open.
# A dead replica is taken out by the health check, and a request that could not connect is sent to another.
cat >"$STATE/haproxy.cfg" <<CFG
global
    maxconn 4096

defaults
    mode http
    timeout connect 2s
    timeout client 1h
    timeout server 1h
    timeout tunnel 1h
    option http-no-delay
    retries 2
    option redispatch
    retry-on conn-failure empty-response

frontend studio
    bind 127.0.0.1:$LB_PORT
    default_backend replicas

backend replicas
    balance roundrobin
    stick-table type string len 64 size 100k expire 30m
    stick on req.hdr(mcp-session-id)
    stick store-response res.hdr(mcp-session-id)
    default-server check inter 500ms fall 1 rise 2
$servers
CFG
haproxy -c -q -f "$STATE/haproxy.cfg"
(cd "$STATE" && exec haproxy -db -f "$STATE/haproxy.cfg" >"$STATE/log/haproxy.log" 2>&1) &
record haproxy $!
for ((i = 0; i < 200; i++)); do
  node -e 'require("node:net").connect(Number(process.argv[1]), "127.0.0.1").on("connect", () => process.exit(0)).on("error", () => process.exit(1))' "$LB_PORT" && break
  ((i == 199)) && die "haproxy is not answering on 127.0.0.1:$LB_PORT: $(tail -5 "$STATE/log/haproxy.log")"
  sleep 0.05
done

replica_urls=""
for ((n = 0; n < REPLICAS; n++)); do replica_urls+="${replica_urls:+,}http://127.0.0.1:${PORTS[$n]}/mcp"; done
umask 077
cat >"$STATE/env" <<ENV
# Written by scripts/cluster-up.sh. Source it: set -a; . .cluster/env; set +a
STUDIO_CLUSTER_URL=http://127.0.0.1:$LB_PORT/mcp
STUDIO_CLUSTER_TOKEN=$TOKEN
STUDIO_CLUSTER_REPLICAS=$replica_urls
STUDIO_CLUSTER_DATABASE_URL=$DB_URL
STUDIO_CLUSTER_S3_PREFIX=$ID/
ENV
up=1
log "up in $(($(now_ms) - t0)) ms: $REPLICAS replicas, $worker_note, haproxy on http://127.0.0.1:$LB_PORT/mcp; env: $STATE/env"
