#!/usr/bin/env bash
# The Node consumer path: build what JSR's npm layer would ship (ESM JavaScript plus .d.ts from
# our sources) and npm pack it (.ci/node/pack.sh), install the tarball into a fresh Node project
# and run the quickstart, a decorated class compiled by TypeScript, and the tfjs adapter;
# type-check a consumer file with tsc --strict against the .d.ts. Prints "node consumer: N passed, M failed".
set -uo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"
passed=0
failed=0
step() {
  local name=$1
  shift
  echo "-- $name"
  if "$@"; then passed=$((passed + 1)); else echo "!! node consumer: $name failed"; failed=$((failed + 1)); fi
}
finish() {
  echo "node consumer: $passed passed, $failed failed"
  exit 0
}

node --version
work=$(mktemp -d)
step "build ESM + .d.ts and pack it (.ci/node/pack.sh)" bash -c "bash .ci/node/pack.sh > '$work/pack.log' 2>&1"
tarball=$(tail -1 "$work/pack.log")
[[ -f "$tarball" ]] || { cat "$work/pack.log"; finish; }
cp .ci/node/consumer/* "$work/"
cd "$work"
cat > package.json <<JSON
{ "name": "consumer", "private": true, "type": "module",
  "dependencies": { "@oicm/tracking": "file:$tarball", "@tensorflow/tfjs": "^4.22.0",
                    "typescript": "^5.9.0", "@types/node": "^20.19.0" } }
JSON
step "npm install the tarball" bash -c "npm install --no-audit --no-fund >/dev/null 2>&1" || finish
step "quickstart on Node" node quickstart.mjs
step "tsc --strict: decorated class and consumer types against the .d.ts" node_modules/.bin/tsc -p tsconfig.json
step "decorated class (standard decorators) on Node" node out/decorated.js
step "tfjs adapter on Node" node tfjs.mjs
step "artifacts on Node (fetch, node:http streaming, OICM multipart, offline)" node artifacts.mjs
step "at exit on Node (uncaught error, unhandled rejection, process.exit, a clean end; no timer after close())" node exit.mjs
cd "$root"
rm -rf "$work"
finish
