# Shared by services-down.sh and cluster-down.sh (sourced, not run): the state-dir argument and stopping exactly the
# PIDs a state dir recorded. A PID is signalled only while it still belongs to that state dir (its command line or
# working dir names it), so a PID reused by an unrelated process after a crash is never touched.

# parse_down_args <default dir> "$@": sets STATE (absolute, or empty when it does not exist) and KEEP (0/1).
parse_down_args() {
  local default=$1
  shift
  STATE=""
  KEEP=0
  for a in "$@"; do
    case "$a" in
    --keep) KEEP=1 ;;
    *) STATE="$a" ;;
    esac
  done
  STATE="${STATE:-$default}"
  if [[ -d "$STATE" ]]; then STATE="$(cd "$STATE" && pwd)"; else STATE=""; fi
}

ours() { # ours <pid>: the process exists and belongs to $STATE
  local pid=$1
  [[ -d /proc/$pid ]] || return 1
  tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -qF "$STATE" && return 0
  [[ "$(readlink "/proc/$pid/cwd" 2>/dev/null)" == "$STATE"* ]]
}

stop_pid() { # stop_pid <name> <pid> [first signal]: polite signal, SIGKILL after 5 s; needs a log function
  local name=$1 pid=$2 first=${3:-TERM}
  if ! ours "$pid"; then
    log "$name ($pid) is not running (or is no longer ours): skipped"
    return 1
  fi
  kill "-$first" "$pid" 2>/dev/null
  for ((i = 0; i < 200; i++)); do
    [[ -d /proc/$pid ]] || return 0
    # A zombie is gone for our purposes (its parent, init, reaps it).
    [[ "$(awk '{print $3}' "/proc/$pid/stat" 2>/dev/null)" == Z ]] && return 0
    ((i == 100)) && { log "$name ($pid) still running after 5 s: SIGKILL"; kill -KILL "$pid" 2>/dev/null; }
    sleep 0.05
  done
  log "$name ($pid) did not exit"
}
