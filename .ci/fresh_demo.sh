#!/usr/bin/env bash
# A new user's first command on a fresh machine: `deno task demo` with an empty Deno cache.
# It must fetch only what the library imports (under 30 MB) and print no warning.
set -uo pipefail
cd "$(dirname "$0")/.."
cache=$(mktemp -d)
store=$(mktemp -d)
trap 'rm -rf "$cache" "$store"' EXIT
DENO_DIR="$cache" MLFLOW_TRACKING_URI="file:$store/mlruns" deno task demo >"$store/out" 2>"$store/err"
rc=$?
mb=$(du -sm "$cache" | cut -f1)
echo "demo exit $rc; downloaded into an empty DENO_DIR: ${mb} MB"
grep -o 'registry.npmjs.org/[^/ ]*' "$store/err" | sort -u | sed 's/^/  fetched /'
if [[ $rc -ne 0 ]]; then cat "$store/err"; exit 1; fi
if grep -qiE 'warning|ignored build scripts' "$store/err"; then
  echo "the demo printed a warning:"; cat "$store/err"; exit 1
fi
[[ $mb -lt 30 ]] || { echo "over 30 MB"; exit 1; }
