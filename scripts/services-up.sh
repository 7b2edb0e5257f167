#!/usr/bin/env bash
# Start throwaway service instances on loopback for tests and local clusters: PostgreSQL 15, Redis 7 and Ceph RGW
# (one monitor, one in-memory OSD, radosgw). Everything lives under one state dir (default .services/ in the repo):
# data, logs, the PIDs started (`pids`, one "name pid" a line; services-down.sh stops exactly those) and `env`, the
# variables a test run sources. Installs the Debian packages first if missing. Settings follow
# shared/scale-out.md (measured): without `paxos propose interval` and `pg num = 1` Ceph takes seconds per step.
#
# Usage: scripts/services-up.sh [STATE_DIR]      (STUDIO_SERVICES_DIR works too)
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
STATE="${1:-${STUDIO_SERVICES_DIR:-$ROOT/.services}}"
BUCKET="${STUDIO_SERVICES_BUCKET:-studio-test}"
PACKAGES=(postgresql-15 redis-server radosgw ceph-mon ceph-osd haproxy)
PGBIN=/usr/lib/postgresql/15/bin

log() { printf 'services-up: %s\n' "$*" >&2; }
die() {
  log "$*"
  false # through the ERR trap once it is set: stop what was started
  exit 1
}
now_ms() { date +%s%3N; }

if [[ -e "$STATE/pids" ]]; then die "$STATE/pids exists: services are already up (run scripts/services-down.sh first)"; fi
[[ "$(id -u)" == 0 ]] || die "must run as root (installs packages, runs Postgres as the postgres user)"

# --- install -------------------------------------------------------------------------------------------------------
t0=$(now_ms)
missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if ((${#missing[@]})); then
  log "installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >/dev/null
  # Package scripts must not start the system-wide services (this machine's policy-rc.d refuses anyway).
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
t_install=$(($(now_ms) - t0))

# --- state dir and bookkeeping ---------------------------------------------------------------------------------------
t1=$(now_ms)
mkdir -p "$STATE"
STATE="$(cd "$STATE" && pwd)"
mkdir -p "$STATE/log" "$STATE/run"
: >"$STATE/pids"
chmod 700 "$STATE"

# If anything below fails, stop what was already started (exactly those PIDs) so nothing is left behind.
cleanup_on_error() {
  log "start-up failed; stopping what was started (logs in $STATE/log)"
  "$ROOT/scripts/services-down.sh" "$STATE" --keep || true
}
trap cleanup_on_error ERR

record() { printf '%s %s\n' "$1" "$2" >>"$STATE/pids"; }
# Per-step times for the summary line ("postgres 900 ms, …").
steps=""
t_step=$(now_ms)
step() {
  local t
  t=$(now_ms)
  steps+="${steps:+, }$1 $((t - t_step)) ms"
  t_step=$t
}

# Free loopback ports, chosen by the kernel, all at once (one Node start instead of four).
read -r PG_PORT REDIS_PORT MON_PORT RGW_PORT < <(node -e '
  const net = require("node:net");
  const servers = [0, 1, 2, 3].map(() => net.createServer());
  Promise.all(servers.map((s) => new Promise((r) => s.listen(0, "127.0.0.1", () => r(s.address().port)))))
    .then((ports) => { console.log(ports.join(" ")); servers.forEach((s) => s.close()); });
')

wait_for() { # wait_for <what> <tries of 50 ms> <command...>
  local what=$1 tries=$2
  shift 2
  for ((i = 0; i < tries; i++)); do
    if "$@" >/dev/null 2>&1; then return 0; fi
    sleep 0.05
  done
  die "$what did not come up (logs in $STATE/log)"
}

# --- PostgreSQL (owned by the postgres user; the parent dir stays root's, postgres only needs to pass through) -------
chmod 711 "$STATE"
mkdir -p "$STATE/pg"
chown postgres:postgres "$STATE/pg"
chmod 700 "$STATE/pg"
runuser -u postgres -- "$PGBIN/initdb" -D "$STATE/pg/data" -A trust -E UTF8 --locale=C.UTF-8 --no-sync -U postgres >"$STATE/log/initdb.log" 2>&1
runuser -u postgres -- "$PGBIN/pg_ctl" -D "$STATE/pg/data" -l "$STATE/pg/postgres.log" -w -s start \
  -o "-p $PG_PORT -k $STATE/pg -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off" >/dev/null
record postgres "$(head -1 "$STATE/pg/data/postmaster.pid")"
runuser -u postgres -- "$PGBIN/psql" -h 127.0.0.1 -p "$PG_PORT" -U postgres -q -c "CREATE DATABASE studio_test" >/dev/null
step postgres

# --- Redis -----------------------------------------------------------------------------------------------------------
redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --daemonize yes --pidfile "$STATE/run/redis.pid" \
  --dir "$STATE/run" --save '' --appendonly no --maxmemory-policy noeviction --logfile "$STATE/log/redis.log"
wait_for redis 100 test -s "$STATE/run/redis.pid"
record redis "$(cat "$STATE/run/redis.pid")"
wait_for redis 100 redis-cli -p "$REDIS_PORT" ping
step redis

# --- Ceph: monitor, memstore OSD, radosgw --------------------------------------------------------------------------
CEPH="$STATE/ceph"
mkdir -p "$CEPH/mon" "$CEPH/osd" "$CEPH/rgw"
FSID=$(cat /proc/sys/kernel/random/uuid)
OSD_UUID=$(cat /proc/sys/kernel/random/uuid)
CONF="$CEPH/ceph.conf"
cat >"$CONF" <<EOF
[global]
fsid = $FSID
mon host = [v2:127.0.0.1:$MON_PORT]
public addr = 127.0.0.1
cluster addr = 127.0.0.1
auth cluster required = none
auth service required = none
auth client required = none
ms mon client mode = crc
mon data avail crit = 0
mon data avail warn = 0
paxos propose interval = 0.05
osd pool default size = 1
osd pool default min size = 1
osd pool default pg num = 1
osd pool default pgp num = 1
osd crush chooseleaf type = 0
osd objectstore = memstore
memstore device bytes = 2147483648
mon allow pool delete = true
mon warn on pool no redundancy = false
run dir = $CEPH/run
admin socket = $CEPH/run/\$name.asok
pid file = $CEPH/run/\$name.pid
log file = $STATE/log/\$name.log
keyring = $CEPH/keyring
[mon.a]
mon data = $CEPH/mon
[osd.0]
osd data = $CEPH/osd
[client.rgw]
rgw frontends = beast endpoint=127.0.0.1:$RGW_PORT
rgw data = $CEPH/rgw
rgw dns name = 127.0.0.1
EOF
mkdir -p "$CEPH/run"
: >"$CEPH/keyring"
monmaptool --create --fsid "$FSID" --addv a "[v2:127.0.0.1:$MON_PORT]" "$CEPH/monmap" >/dev/null
ceph-mon -c "$CONF" -i a --mkfs --monmap "$CEPH/monmap" >/dev/null 2>&1
ceph-mon -c "$CONF" -i a 2>>"$STATE/log/daemons.log"
wait_for ceph-mon 100 test -s "$CEPH/run/mon.a.pid"
record ceph-mon "$(cat "$CEPH/run/mon.a.pid")"

OSD_ID=$(ceph -c "$CONF" osd new "$OSD_UUID")
[[ "$OSD_ID" == 0 ]] || die "expected osd id 0, got '$OSD_ID'"
ceph-osd -c "$CONF" -i 0 --mkfs --osd-uuid "$OSD_UUID" >"$STATE/log/osd-mkfs.log" 2>&1
ceph-osd -c "$CONF" -i 0 2>>"$STATE/log/daemons.log"
wait_for ceph-osd 100 test -s "$CEPH/run/osd.0.pid"
record ceph-osd "$(cat "$CEPH/run/osd.0.pid")"
step "ceph mon+osd"

radosgw -c "$CONF" -n client.rgw 2>>"$STATE/log/daemons.log"
wait_for radosgw 100 test -s "$CEPH/run/client.rgw.pid"
record radosgw "$(cat "$CEPH/run/client.rgw.pid")"
wait_for radosgw 400 curl -sf -o /dev/null "http://127.0.0.1:$RGW_PORT/"

# A fresh key pair per run: the env file is the only place it is written (mode 600, inside the 700 state dir).
EMPTY_SHA256=e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855
ACCESS_KEY="STUDIO$(od -An -N8 -tx1 /dev/urandom | tr -d ' \n' | tr a-f A-F)"
SECRET_KEY="$(od -An -N24 -tx1 /dev/urandom | tr -d ' \n')"
radosgw-admin -c "$CONF" user create --uid=studio --display-name=studio \
  --access-key="$ACCESS_KEY" --secret-key="$SECRET_KEY" >/dev/null 2>"$STATE/log/radosgw-admin.log"
# RGW wants x-amz-content-sha256, which curl 7.88 does not send by itself (this is the hash of the empty body).
curl -sf -X PUT --aws-sigv4 "aws:amz:us-east-1:s3" -H "x-amz-content-sha256: $EMPTY_SHA256" --user "$ACCESS_KEY:$SECRET_KEY" "http://127.0.0.1:$RGW_PORT/$BUCKET" -o /dev/null ||
  die "could not create bucket $BUCKET"
step "radosgw+user+bucket"

# --- env file --------------------------------------------------------------------------------------------------------
umask 077
cat >"$STATE/env" <<EOF
# Written by scripts/services-up.sh; throwaway services on loopback. Source it: set -a; . .services/env; set +a
STUDIO_TEST_DATABASE_URL=postgres://postgres@127.0.0.1:$PG_PORT/studio_test
STUDIO_TEST_REDIS_URL=redis://127.0.0.1:$REDIS_PORT
AWS_ENDPOINT_URL_S3=http://127.0.0.1:$RGW_PORT
AWS_ACCESS_KEY_ID=$ACCESS_KEY
AWS_SECRET_ACCESS_KEY=$SECRET_KEY
AWS_REGION=us-east-1
STUDIO_TEST_S3_BUCKET=$BUCKET
STUDIO_S3_FORCE_PATH_STYLE=1
EOF
trap - ERR
t_start=$(($(now_ms) - t1))
log "up in ${t_start} ms (${steps}; install check ${t_install} ms): postgres :$PG_PORT, redis :$REDIS_PORT, ceph-mon :$MON_PORT, radosgw :$RGW_PORT"
log "env: $STATE/env"
