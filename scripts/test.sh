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
go test -race -count=1 ./...

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
