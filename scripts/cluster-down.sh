#!/usr/bin/env bash
# Stop exactly the processes scripts/cluster-up.sh started (STATE/pids, newest first: HAProxy before workers before
# replicas), drop the cluster's database and remove the state dir. A PID is signalled only while it still belongs to
# this state dir (its working dir is inside it), so a reused PID is never touched. The services keep running.
#
# Usage: scripts/cluster-down.sh [STATE_DIR] [--keep]   (--keep: leave the state dir and database, e.g. to read logs)
set -uo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
STATE=""
KEEP=0
for a in "$@"; do
  case "$a" in
  --keep) KEEP=1 ;;
  *) STATE="$a" ;;
  esac
done
STATE="${STATE:-${STUDIO_CLUSTER_DIR:-$ROOT/.cluster}}"
log() { printf 'cluster-down: %s\n' "$*" >&2; }

if [[ ! -d "$STATE" ]]; then
  log "no state dir at $STATE: nothing to stop"
  exit 0
fi
STATE="$(cd "$STATE" && pwd)"

ours() { # ours <pid>: the process exists and runs inside this state dir
  [[ -d /proc/$1 ]] && [[ "$(readlink "/proc/$1/cwd" 2>/dev/null)" == "$STATE"* ]]
}

stop() { # stop <name> <pid>: SIGTERM, SIGKILL after 5 s
  local name=$1 pid=$2
  if ! ours "$pid"; then
    log "$name ($pid) is not running (or is no longer ours): skipped"
    return
  fi
  kill -TERM "$pid" 2>/dev/null
  for ((i = 0; i < 200; i++)); do
    [[ -d /proc/$pid ]] || return
    [[ "$(awk '{print $3}' "/proc/$pid/stat" 2>/dev/null)" == Z ]] && return
    ((i == 100)) && { log "$name ($pid) still running after 5 s: SIGKILL"; kill -KILL "$pid" 2>/dev/null; }
    sleep 0.05
  done
  log "$name ($pid) did not exit"
}

stopped=0
if [[ -f "$STATE/pids" ]]; then
  while read -r name pid; do
    [[ -n "$name" && "$pid" =~ ^[0-9]+$ ]] || continue
    ours "$pid" && stopped=$((stopped + 1))
    stop "$name" "$pid"
  done < <(tac "$STATE/pids")
fi

if ((KEEP)); then
  rm -f "$STATE/pids"
  log "stopped $stopped processes; kept $STATE and its database"
  exit 0
fi
if [[ -f "$STATE/database" && -f "$STATE/admin-url" ]]; then
  db="$(cat "$STATE/database")"
  [[ "$db" =~ ^studio_cluster_[a-z0-9]+$ ]] && psql "$(cat "$STATE/admin-url")" -q -c "DROP DATABASE IF EXISTS $db WITH (FORCE)" >/dev/null ||
    log "could not drop database $db"
fi
rm -rf "$STATE"
log "stopped $stopped processes, dropped the cluster database, removed $STATE"
