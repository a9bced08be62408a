#!/bin/bash
# Usage: bash bench/experiments/promotion.sh VARIANT [VARIANT…]   (NODEFLAGS="--…" to add V8 flags)
# For each variant: start bench/experiments/promotion-variant.js with --trace-gc, send 30k GET /live
# (autocannon, 50 connections), and print the steady-state promotion: over the last 40 GC events,
# the mean growth of the heap after one scavenge to after the next, times scavenges, per request.
cd "$(dirname "$0")" || exit 1
for VARIANT in "$@"; do
  PORT=$((20000 + RANDOM % 20000))
  LOG=$(mktemp)
  VARIANT=$VARIANT PORT=$PORT node --trace-gc $NODEFLAGS promotion-variant.js > "$LOG" 2>&1 &
  PID=$!
  sleep 2.5
  ../../node_modules/.bin/autocannon -c 50 -a 30000 "http://127.0.0.1:$PORT/live" > /dev/null 2>&1
  kill $PID; wait $PID 2>/dev/null
  N=$(grep -c Scavenge "$LOG")
  grep -E "Scavenge|Mark" "$LOG" | awk '{print $4, $8}' | tail -40 | awk -v n="$N" -v v="$VARIANT" '
    BEGIN { p = 0 }
    { if ($1 == "Scavenge") { if (p > 0) { s += $2 - p; c++ } p = $2 } else { p = 0 } }
    END { printf "%-14s %3d scavenges, promoted %.3f MB per scavenge ≈ %4.0f bytes per request\n", v, n, s / c, s / c * n * 1048576 / 30000 }'
  rm -f "$LOG"
done
