#!/usr/bin/env bash
# Lints an OpenAPI document, normally Parley's httpapi/openapi.json, with Redocly CLI's
# "recommended" ruleset. Needs Node.js (20.19+ or 22.12+) and, on first use, the npm
# registry. Exits non-zero when the document has errors; warnings are printed but pass.
#
# Usage: scripts/lint-openapi.sh FILE
set -euo pipefail

if [[ $# -ne 1 ]]; then
	echo "usage: $0 FILE" >&2
	exit 2
fi
file=$1
if [[ ! -f "$file" ]]; then
	echo "$0: $file: no such file" >&2
	exit 2
fi

exec npx --yes @redocly/cli@2.77.0 lint --extends=recommended "$file"
