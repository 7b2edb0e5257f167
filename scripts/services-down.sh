#!/usr/bin/env bash
# Stop exactly the processes scripts/services-up.sh started (the PIDs in STATE/pids, newest first) and remove the
# state dir. A PID is signalled only while it still belongs to this state dir (scripts/stop-lib.sh).
#
# Usage: scripts/services-down.sh [STATE_DIR] [--keep]     (--keep: leave the state dir, e.g. to read the logs)
set -uo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# shellcheck source=scripts/stop-lib.sh
. "$ROOT/scripts/stop-lib.sh"
log() { printf 'services-down: %s\n' "$*" >&2; }
now_ms() { date +%s%3N; }
parse_down_args "${STUDIO_SERVICES_DIR:-$ROOT/.services}" "$@"
if [[ -z "$STATE" ]]; then
  log "no state dir: nothing to stop"
  exit 0
fi
t0=$(now_ms)

if [[ -f "$STATE/pids" ]]; then
  # Newest first: radosgw before the OSD before the monitor.
  tac "$STATE/pids" | while read -r name pid; do
    [[ -n "$name" && "$pid" =~ ^[0-9]+$ ]] || continue
    # Postgres' polite signal is SIGINT (fast shutdown).
    first=TERM
    [[ "$name" == postgres ]] && first=INT
    stop_pid "$name" "$pid" "$first"
  done
fi

if ((KEEP)); then
  rm -f "$STATE/pids" "$STATE/env"
else
  rm -rf "$STATE"
fi
log "down in $(($(now_ms) - t0)) ms"
