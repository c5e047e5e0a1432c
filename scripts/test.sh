#!/usr/bin/env bash
# Runs Parley's whole test suite: formatting, vet, and every test under the race detector,
# including the end-to-end API tests against a real server and the Redocly lint of the
# served OpenAPI document (which needs npx; Node.js and npm come with the machine).
set -euo pipefail
cd "$(dirname "$0")/.."

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
