#!/usr/bin/env bash
# Measures Parley with parley-load, as docs/PERFORMANCE.md reports it: each scenario three
# times against Parley and three times against the bare relay, the server pinned to CPU 0
# and the load tool to CPU 1, a fresh server (and a fresh SQLite database in /tmp) for
# every run. JSON reports go to $OUT; the medians are printed at the end.
#
#   ./scripts/load.sh                     # every scenario
#   ./scripts/load.sh steady2000 connect  # some of them
#   TARGETS=relay ./scripts/load.sh max   # against the relay only
#   TARGETS="cluster parley relay" ./scripts/load.sh steady2000 steady5000
#
# Targets: parley (one server on SQLite), relay (the bare relay), pgnats (one server on
# PostgreSQL and NATS), cluster (two servers on PostgreSQL and NATS behind nginx, configured
# as docs/DEPLOY.md shows; PostgreSQL on 127.0.0.1:5432 and NATS on 127.0.0.1:4222 running).
#
# Scenarios: idle steady2000 steady10000 max connect assign startup (the default set),
# steady5000, and
# steady2000http steady10000http (messages sent by HTTP instead of WebSocket frames). The machine should
# be quiet: before each scenario the script waits (at most $QUIET_WAIT seconds) until the
# 1-minute load average is below 0.8 and no Chromium runs, and before each run until no
# Chromium runs and the CPUs were at least 85% idle over 5 seconds.
set -euo pipefail
cd "$(dirname "$0")/.."

OUT=${OUT:-/tmp/parley-load-results}
RUNS=${RUNS:-3}
TARGETS=${TARGETS:-parley relay}
PORT=${PORT:-18480}
QUIET_WAIT=${QUIET_WAIT:-1200}
SERVER_CPU=${SERVER_CPU:-0}
TOOL_CPU=${TOOL_CPU:-1}
ADMIN_PASSWORD=load-admin-secret-1
mkdir -p "$OUT"

echo "== building release binaries"
go build -o /tmp/parley ./cmd/parley
go build -o /tmp/parley-load ./cmd/parley-load

# The flag set of each scenario, as documented in docs/PERFORMANCE.md.
declare -A FLAGS=(
	[idle]="--scenario idle --operators 200 --conversations 10000 --hold 3s"
	[steady2000]="--scenario steady --operators 100 --conversations 1000 --rate 2000 --duration 10s"
	[steady5000]="--scenario steady --operators 100 --conversations 1000 --rate 5000 --duration 10s"
	[steady10000]="--scenario steady --operators 100 --conversations 1000 --rate 10000 --duration 10s"
	[steady2000http]="--scenario steady --operators 100 --conversations 1000 --rate 2000 --duration 10s --send http"
	[steady10000http]="--scenario steady --operators 100 --conversations 1000 --rate 10000 --duration 10s --send http"
	[max]="--scenario max --operators 100 --conversations 1000 --rate 1000 --step-factor 1.25 --max-steps 20 --refine 3 --duration 5s"
	[connect]="--scenario connect --operators 1 --conversations 10000 --concurrency 50"
	[assign]="--scenario assign --operators 1000 --conversations 5000 --cap 5 --concurrency 50"
)

cpu_idle_pct() { # share of idle CPU time over 5 s, in percent
	read -r _ a b c idle1 rest < /proc/stat
	local total1=$((a + b + c + idle1))
	for x in $rest; do total1=$((total1 + x)); done
	sleep 5
	read -r _ a b c idle2 rest < /proc/stat
	local total2=$((a + b + c + idle2))
	for x in $rest; do total2=$((total2 + x)); done
	echo $(((idle2 - idle1) * 100 / (total2 - total1)))
}

wait_quiet() { # $1: "load" to also require the load average below 0.8
	[[ ${SKIP_QUIET:-} == 1 ]] && return 0 # a trial of the script itself: its figures do not count
	local waited=0
	while :; do
		local chromium load ok=1
		chromium=$(pgrep -c chromium || true)
		load=$(cut -d' ' -f1 /proc/loadavg)
		[[ $chromium -eq 0 ]] || ok=0
		if [[ $ok -eq 1 && ${1:-} == load ]]; then
			awk -v l="$load" 'BEGIN { exit !(l < 0.8) }' || ok=0
		fi
		if [[ $ok -eq 1 && $(cpu_idle_pct) -lt 85 ]]; then ok=0; fi
		[[ $ok -eq 1 ]] && return 0
		if ((waited >= QUIET_WAIT)); then
			echo "the machine did not get quiet within ${QUIET_WAIT}s (load $load, chromium $chromium): stopping" >&2
			exit 3
		fi
		echo "   busy (load $load, chromium $chromium): waiting 60 s"
		sleep 60
		waited=$((waited + 60))
	done
}

wait_healthy() {
	for _ in $(seq 300); do
		curl -fsS "http://127.0.0.1:$PORT/healthz" >/dev/null 2>&1 && return 0
		sleep 0.1
	done
	echo "server did not become healthy" >&2
	exit 1
}

run_parley() { # $1 scenario, $2 run number
	local dir
	dir=$(mktemp -d /tmp/parley-load-db-XXXXXX)
	taskset -c "$SERVER_CPU" /tmp/parley --addr "127.0.0.1:$PORT" --db "$dir/parley.db" \
		--admin-password "$ADMIN_PASSWORD" --rate-limit off 2>"$dir/parley.log" &
	local pid=$!
	wait_healthy
	# shellcheck disable=SC2086
	taskset -c "$TOOL_CPU" /tmp/parley-load ${FLAGS[$1]} --url "http://127.0.0.1:$PORT" \
		--admin-password "$ADMIN_PASSWORD" --server-pid "$pid" --label "$1" \
		--json "$OUT/$1-parley-$2.json" >"$OUT/$1-parley-$2.txt" 2>&1 || echo "   run failed: see $OUT/$1-parley-$2.txt"
	kill "$pid"
	wait "$pid" || true
	rm -rf "$dir"
}

# Several servers (docs/DEPLOY.md): PostgreSQL and NATS as the test command starts them, a
# database made anew for each run, NATS subjects and buckets named anew (--cluster).
PG_ADMIN_URL=${PG_ADMIN_URL:-postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable}
PG_LOAD_URL=${PG_LOAD_URL:-postgres://postgres@127.0.0.1:5432/parley_load?sslmode=disable}
NATS_URL=${NATS_URL:-nats://127.0.0.1:4222}

fresh_database() {
	psql -q "$PG_ADMIN_URL" -c 'DROP DATABASE IF EXISTS parley_load' -c 'CREATE DATABASE parley_load' >/dev/null 2>&1
}

start_pg_server() { # $1 address, $2 log file, $3 cluster name; sets started to the pid
	taskset -c "$SERVER_CPU" /tmp/parley --addr "$1" --db "$PG_LOAD_URL" --bus "$NATS_URL" --cluster "$3" \
		--admin-password "$ADMIN_PASSWORD" --rate-limit off --trusted-proxies 127.0.0.1/32 2>"$2" &
	started=$!
}

# pgnats: one server on PostgreSQL and NATS, for its memory and CPU beside one on SQLite.
run_pgnats() { # $1 scenario, $2 run number
	local dir pid started
	dir=$(mktemp -d /tmp/parley-load-db-XXXXXX)
	fresh_database
	start_pg_server "127.0.0.1:$PORT" "$dir/parley.log" "load$2$RANDOM"
	pid=$started
	wait_healthy
	# shellcheck disable=SC2086
	taskset -c "$TOOL_CPU" /tmp/parley-load ${FLAGS[$1]} --url "http://127.0.0.1:$PORT" \
		--admin-password "$ADMIN_PASSWORD" --server-pid "$pid" --label "$1" \
		--json "$OUT/$1-pgnats-$2.json" >"$OUT/$1-pgnats-$2.txt" 2>&1 || echo "   run failed: see $OUT/$1-pgnats-$2.txt"
	# The tool reports itself as against "parley"; the summary's column is the set-up's.
	sed -i 's/"target": *"parley"/"target": "pgnats"/' "$OUT/$1-pgnats-$2.json" 2>/dev/null || true
	kill "$pid"
	wait "$pid" || true
	rm -rf "$dir"
}

# cluster: two servers behind nginx, configured as docs/DEPLOY.md shows. The CPU and memory
# reported are the first server's (it takes about half the load).
run_cluster() { # $1 scenario, $2 run number
	local dir pid1 pid2 ngx started name="load$2$RANDOM"
	dir=$(mktemp -d /tmp/parley-load-db-XXXXXX)
	fresh_database
	start_pg_server "127.0.0.1:$((PORT + 1))" "$dir/parley1.log" "$name"
	pid1=$started
	start_pg_server "127.0.0.1:$((PORT + 2))" "$dir/parley2.log" "$name"
	pid2=$started
	awk '/^```nginx/{on=1; next} on && /^```/{exit} on' docs/DEPLOY.md |
		awk -v p1="127.0.0.1:$((PORT + 1))" -v p2="127.0.0.1:$((PORT + 2))" -v port="$PORT" '
			/server 10\.0\.0\.[0-9]+:8080/ { if (!done) { sub(/10\.0\.0\.[0-9]+:8080/, p1); print; sub(p1, p2); print; done=1 }; next }
			/listen 80;/ { sub(/listen 80;/, "listen 127.0.0.1:" port ";") }
			{ print }' >"$dir/site.conf"
	cat >"$dir/nginx.conf" <<-EOF
		daemon off;
		pid $dir/nginx.pid;
		error_log $dir/nginx-error.log warn;
		worker_processes 1;
		events { worker_connections 30000; }
		worker_rlimit_nofile 65536;
		http {
		    access_log off;
		    client_body_temp_path $dir/body;
		    proxy_temp_path $dir/proxy;
		    include $dir/site.conf;
		}
	EOF
	/usr/sbin/nginx -p "$dir" -c "$dir/nginx.conf" 2>"$dir/nginx.out" &
	ngx=$!
	wait_healthy
	# shellcheck disable=SC2086
	taskset -c "$TOOL_CPU" /tmp/parley-load ${FLAGS[$1]} --url "http://127.0.0.1:$PORT" \
		--admin-password "$ADMIN_PASSWORD" --server-pid "$pid1" --label "$1" \
		--json "$OUT/$1-cluster-$2.json" >"$OUT/$1-cluster-$2.txt" 2>&1 || echo "   run failed: see $OUT/$1-cluster-$2.txt"
	# The tool reports itself as against "parley"; the summary's column is the set-up's.
	sed -i 's/"target": *"parley"/"target": "cluster"/' "$OUT/$1-cluster-$2.json" 2>/dev/null || true
	kill "$ngx" "$pid1" "$pid2"
	wait "$ngx" "$pid1" "$pid2" || true
	rm -rf "$dir"
}

run_relay() { # $1 scenario, $2 run number
	taskset -c "$SERVER_CPU" /tmp/parley-load relay --addr "127.0.0.1:$PORT" >/dev/null 2>&1 &
	local pid=$!
	wait_healthy
	# shellcheck disable=SC2086
	taskset -c "$TOOL_CPU" /tmp/parley-load ${FLAGS[$1]} --url "http://127.0.0.1:$PORT" \
		--server-pid "$pid" --label "$1" \
		--json "$OUT/$1-relay-$2.json" >"$OUT/$1-relay-$2.txt" 2>&1 || echo "   run failed: see $OUT/$1-relay-$2.txt"
	kill "$pid"
	wait "$pid" || true
}

scenarios=("$@")
[[ ${#scenarios[@]} -gt 0 ]] || scenarios=(idle steady2000 steady10000 max connect assign startup)
for s in "${scenarios[@]}"; do
	echo "== $s"
	wait_quiet load
	if [[ $s == startup ]]; then
		# A database with content: 100 operators, 1,000 conversations, 10,000 messages.
		dir=$(mktemp -d /tmp/parley-load-db-XXXXXX)
		taskset -c "$SERVER_CPU" /tmp/parley --addr "127.0.0.1:$PORT" --db "$dir/parley.db" \
			--admin-password "$ADMIN_PASSWORD" --rate-limit off 2>/dev/null &
		pid=$!
		wait_healthy
		taskset -c "$TOOL_CPU" /tmp/parley-load ${FLAGS[steady2000]} --duration 5s --url "http://127.0.0.1:$PORT" \
			--admin-password "$ADMIN_PASSWORD" >/dev/null 2>&1
		kill "$pid"
		wait "$pid" || true
		taskset -c "$TOOL_CPU" /tmp/parley-load startup --parley /tmp/parley --db "$dir/parley.db" \
			--runs 5 --cpu "$SERVER_CPU" | tee "$OUT/startup.txt"
		rm -rf "$dir"
		continue
	fi
	for i in $(seq "$RUNS"); do
		for target in $TARGETS; do
			wait_quiet
			echo "   run $i: $target"
			"run_$target" "$s" "$i"
		done
	done
	/tmp/parley-load summary "$OUT/$s"-*.json
done
echo "== all"
/tmp/parley-load summary "$OUT"/*.json
