#!/usr/bin/env bash
# Compares builds of Parley under load, as docs/PERFORMANCE.md's "between the rounds" tables
# do: ROUNDS rounds, each build once per round in the order given (so the builds alternate
# run by run on a machine whose speed drifts), each run on a fresh server and a fresh SQLite
# database in /tmp, the server pinned to CPU 0 and parley-load to CPU 1. Build the binaries
# first (for example `git worktree add /tmp/old HEAD~1 && (cd /tmp/old && go build -o
# /tmp/parley-old ./cmd/parley)` and `go build -o /tmp/parley-new ./cmd/parley`).
#
#   scripts/compare.sh OUT ROUNDS LABEL=BINARY [LABEL=BINARY ...]
#   FLAGS="--scenario steady --rate 18000 --duration 15s ..." scripts/compare.sh /tmp/cmp 5 old=/tmp/parley-old new=/tmp/parley-new
#
# FLAGS are parley-load's scenario flags (default: `max` from 10,000 msg/s by steps of x1.1).
# Each run's report goes to OUT/LABEL-N.txt and .json; a line per run is printed.
set -euo pipefail
cd "$(dirname "$0")/.."
[[ $# -ge 3 ]] || { sed -n '2,13p' "$0"; exit 2; }
OUT=$1 ROUNDS=$2
shift 2
FLAGS=${FLAGS:---scenario max --operators 100 --conversations 1000 --rate 10000 --step-factor 1.1 --max-steps 12 --duration 5s}
PORT=${PORT:-18495}
ADMIN_PASSWORD=load-admin-secret-1
mkdir -p "$OUT"
go build -o /tmp/parley-load ./cmd/parley-load
for r in $(seq "$ROUNDS"); do
	for spec in "$@"; do
		label=${spec%%=*} bin=${spec#*=}
		dir=$(mktemp -d /tmp/parley-compare-XXXXXX)
		taskset -c 0 "$bin" --addr "127.0.0.1:$PORT" --db "$dir/parley.db" \
			--admin-password "$ADMIN_PASSWORD" --rate-limit off 2>"$dir/parley.log" &
		pid=$!
		for _ in $(seq 100); do curl -fsS "http://127.0.0.1:$PORT/healthz" >/dev/null 2>&1 && break; sleep 0.1; done
		# shellcheck disable=SC2086
		taskset -c 1 /tmp/parley-load $FLAGS --url "http://127.0.0.1:$PORT" --admin-password "$ADMIN_PASSWORD" \
			--server-pid "$pid" --label "$label" --json "$OUT/$label-$r.json" >"$OUT/$label-$r.txt" 2>&1 ||
			echo "   run failed: see $OUT/$label-$r.txt"
		kill "$pid"
		wait "$pid" || true
		rm -rf "$dir"
		echo "$label $r: $(grep -E '^(highest rate held|delivered|delivery latency|server CPU)' "$OUT/$label-$r.txt" | tr -s ' ' | tr '\n' ';')"
	done
done
