#!/usr/bin/env bash
# Stop exactly the processes scripts/cluster-up.sh started (STATE/pids, newest first: HAProxy before workers before
# replicas), drop the cluster's database and remove the state dir. A PID is signalled only while it still belongs to
# this state dir (scripts/stop-lib.sh), so a reused PID is never touched. The services keep running.
#
# Usage: scripts/cluster-down.sh [STATE_DIR] [--keep]   (--keep: leave the state dir and database, e.g. to read logs)
set -uo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# shellcheck source=scripts/stop-lib.sh
. "$ROOT/scripts/stop-lib.sh"
log() { printf 'cluster-down: %s\n' "$*" >&2; }
parse_down_args "${STUDIO_CLUSTER_DIR:-$ROOT/.cluster}" "$@"
if [[ -z "$STATE" ]]; then
  log "no state dir: nothing to stop"
  exit 0
fi

stopped=0
if [[ -f "$STATE/pids" ]]; then
  while read -r name pid; do
    [[ -n "$name" && "$pid" =~ ^[0-9]+$ ]] || continue
    stop_pid "$name" "$pid" && stopped=$((stopped + 1))
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
