#!/usr/bin/env bash
# Stop exactly the processes scripts/services-up.sh started (the PIDs in STATE/pids, newest first) and remove the
# state dir. A PID is signalled only while it still belongs to this state dir (its command line or working dir
# names it), so a PID reused by an unrelated process after a crash is never touched.
#
# Usage: scripts/services-down.sh [STATE_DIR] [--keep]     (--keep: leave the state dir, e.g. to read the logs)
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
STATE="${STATE:-${STUDIO_SERVICES_DIR:-$ROOT/.services}}"
log() { printf 'services-down: %s\n' "$*" >&2; }
now_ms() { date +%s%3N; }

if [[ ! -d "$STATE" ]]; then
  log "no state dir at $STATE: nothing to stop"
  exit 0
fi
STATE="$(cd "$STATE" && pwd)"
t0=$(now_ms)

ours() { # ours <pid>: the process exists and belongs to this state dir
  local pid=$1
  [[ -d /proc/$pid ]] || return 1
  tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -qF "$STATE" && return 0
  [[ "$(readlink "/proc/$pid/cwd" 2>/dev/null)" == "$STATE"* ]]
}

stop() { # stop <name> <pid>: polite signal, then harder ones; Postgres' polite one is SIGINT (fast shutdown)
  local name=$1 pid=$2 first=TERM
  [[ "$name" == postgres ]] && first=INT
  if ! ours "$pid"; then
    log "$name ($pid) is not running (or is no longer ours): skipped"
    return
  fi
  kill "-$first" "$pid" 2>/dev/null
  for ((i = 0; i < 200; i++)); do
    [[ -d /proc/$pid ]] || return
    # A zombie is gone for our purposes (its parent, init, reaps it).
    [[ "$(awk '{print $3}' "/proc/$pid/stat" 2>/dev/null)" == Z ]] && return
    ((i == 100)) && { log "$name ($pid) still running after 5 s: SIGKILL"; kill -KILL "$pid" 2>/dev/null; }
    sleep 0.05
  done
  log "$name ($pid) did not exit"
}

if [[ -f "$STATE/pids" ]]; then
  # Newest first: radosgw before the OSD before the monitor.
  tac "$STATE/pids" | while read -r name pid; do
    [[ -n "$name" && "$pid" =~ ^[0-9]+$ ]] && stop "$name" "$pid"
  done
fi

if ((KEEP)); then
  rm -f "$STATE/pids" "$STATE/env"
else
  rm -rf "$STATE"
fi
log "down in $(($(now_ms) - t0)) ms"
