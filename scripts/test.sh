#!/usr/bin/env bash
# Runs Parley's whole test suite: formatting, vet, and every test under the race detector,
# including the end-to-end API tests against a real server, the browser tests in headless
# Chromium (installed here when missing) and the Redocly lint of the served OpenAPI
# document (which needs npx; Node.js and npm come with the machine).
set -euo pipefail
cd "$(dirname "$0")/.."

# The browser tests drive Debian's Chromium; install it once.
if ! command -v chromium >/dev/null 2>&1 && [[ -z "${CHROMIUM:-}" ]]; then
	echo "== installing chromium (Debian package)"
	if [[ $(id -u) -eq 0 ]]; then sudo=""; else sudo="sudo"; fi
	$sudo apt-get update -qq
	DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq chromium >/dev/null
fi

# The multi-server tests need PostgreSQL, NATS (with JetStream) and nginx, from Debian's
# packages: installed when missing, started when not running, as the machine page says.
need=()
command -v pg_ctlcluster >/dev/null 2>&1 || need+=(postgresql)
[[ -x /usr/sbin/nats-server ]] || need+=(nats-server)
[[ -x /usr/sbin/nginx ]] || need+=(nginx)
if ((${#need[@]})); then
	echo "== installing ${need[*]} (Debian packages)"
	if [[ $(id -u) -eq 0 ]]; then sudo=""; else sudo="sudo"; fi
	$sudo apt-get update -qq
	# No service starts during the install: the tests start their own nginx, and
	# PostgreSQL and NATS are started below.
	printf '#!/bin/sh\nexit 101\n' | $sudo tee /usr/sbin/policy-rc.d >/dev/null
	$sudo chmod +x /usr/sbin/policy-rc.d
	DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${need[@]}" >/dev/null || { $sudo rm -f /usr/sbin/policy-rc.d; exit 1; }
	$sudo rm -f /usr/sbin/policy-rc.d
fi
if ! pg_isready -q -h 127.0.0.1 -p 5432; then
	echo "== starting PostgreSQL"
	pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -1)" main start
	for _ in $(seq 50); do pg_isready -q -h 127.0.0.1 -p 5432 && break; sleep 0.2; done
fi
if ! (exec 3<>/dev/tcp/127.0.0.1/4222) 2>/dev/null; then
	echo "== starting NATS"
	mkdir -p /var/lib/nats-server /var/log
	start-stop-daemon --start --oknodo --background --exec /usr/sbin/nats-server -- -a 127.0.0.1 -p 4222 -js -sd /var/lib/nats-server -l /var/log/nats-server.log
	for _ in $(seq 50); do (exec 3<>/dev/tcp/127.0.0.1/4222) 2>/dev/null && break; sleep 0.2; done
fi
export PARLEY_TEST_POSTGRES="${PARLEY_TEST_POSTGRES:-postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable}"
export PARLEY_TEST_NATS="${PARLEY_TEST_NATS:-nats://127.0.0.1:4222}"
export PARLEY_TEST_NGINX="${PARLEY_TEST_NGINX:-/usr/sbin/nginx}"

echo "== gofmt"
unformatted=$(gofmt -l $(git ls-files '*.go' 2>/dev/null || find . -name '*.go'))
if [[ -n "$unformatted" ]]; then
	echo "gofmt would change:" >&2
	echo "$unformatted" >&2
	exit 1
fi

echo "== go vet"
go vet ./...

echo "== go test -race"
# cmd/parley's end-to-end and browser tests take 3-4 minutes on a quiet machine; the
# default 10-minute limit per package is too close on a busy or slow one.
go test -race -count=1 -timeout 30m ./...

# Each fuzz target runs briefly on top of its checked-in corpus (testdata/fuzz), which the
# plain test run above already replays. The budget is a count of executions, not a
# duration: Go 1.26's fuzz coordinator can fail a duration-bounded run with a spurious
# "context deadline exceeded" when it stops (golang/go#75804).
echo "== go test -fuzz (${FUZZCOUNT:=100000x} executions each)"
for target in FuzzMatchLanguage FuzzValidateBody FuzzValidateName FuzzCanonicalLanguage FuzzEncodeEvent; do
	go test -run '^$' -fuzz "^${target}\$" -fuzztime "$FUZZCOUNT" .
done
for target in FuzzDecode FuzzParseFrame; do
	go test -run '^$' -fuzz "^${target}\$" -fuzztime "$FUZZCOUNT" ./httpapi
done
