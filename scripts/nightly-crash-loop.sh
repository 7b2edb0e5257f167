#!/usr/bin/env sh
# Nightly crash loop (issue 6 item 6): many more SIGKILLs than CI runs, with a fresh schedule each night.
#   scripts/nightly-crash-loop.sh [iterations] [seed]
# Replay a failing night with the seed it printed. Needs the built server (npm run build).
set -eu
cd "$(dirname "$0")/.."
ITERATIONS="${1:-500}"
SEED="${2:-$(date +%s)}"
echo "crash loop: ${ITERATIONS} iterations, seed ${SEED}"
npx tsc -p tsconfig.json
CRASH_ITERATIONS="$ITERATIONS" CRASH_SEED="$SEED" npx vitest run test/reliability/crash-loop.test.ts --testTimeout=0 --hookTimeout=0
