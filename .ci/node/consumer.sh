#!/usr/bin/env bash
# The Node consumer path, as the README's Install section says it: pack the npm package
# (.ci/node/pack.sh), `npm install` the tarball into a fresh Node project, import every subpath,
# run a @tracked training into ./mlruns and `npx oicm-tracking runs` over it; then the quickstart,
# a decorated class compiled by TypeScript, the tfjs adapter, artifacts, and a consumer file
# type-checked with tsc --strict against the .d.ts. Each step's output is shown when it fails.
# Prints "node consumer: N passed, M failed".
set -uo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"
label="node consumer"
# shellcheck source=steps.sh
source "$root/.ci/node/steps.sh"

node --version
work=$(mktemp -d)
step "build ESM + .d.ts and pack it (.ci/node/pack.sh)" bash -c "bash .ci/node/pack.sh > '$work/pack.out' 2> '$work/pack.err' || { cat '$work/pack.err'; exit 1; }" || finish
tarball=$(tail -1 "$work/pack.out")
[[ -f "$tarball" ]] || { echo "!! no tarball: $tarball"; cat "$work/pack.err"; failed=$((failed + 1)); finish; }
# The README's layout: the checkout at ../tracking beside the project, the commands run in it.
mkdir "$work/app"
ln -s "$root" "$work/tracking"
relative="../tracking/dist/$(basename "$tarball")"
cp .ci/node/consumer/* "$work/app/"
cd "$work/app"
quiet npm init -y && npm pkg set type=module
step "npm install <tarball> (the README's command) in a fresh project" quiet npm install --no-audit --no-fund "$relative" || finish
step "every subpath imports on Node" node imports.mjs
step "the consumer's own tools (tfjs, TypeScript)" quiet npm install --no-audit --no-fund \
  @tensorflow/tfjs@^4.22.0 typescript@~5.9.0 @types/node@^20.19.0 || finish
step "tsc --strict: decorated classes and consumer types against the .d.ts" node_modules/.bin/tsc -p tsconfig.json
step "@tracked training into ./mlruns on Node" node out/training.js
step "npx oicm-tracking runs lists it" bash -c 'npx oicm-tracking runs | tee runs.out && grep -Eq "^  Trainer\.train-[0-9a-f]{4} .* FINISHED" runs.out'
step "npx oicm-tracking refuses an unknown flag (exit 2)" bash -c 'npx oicm-tracking runs --bogus 2>/dev/null; [[ $? -eq 2 ]]'
step "quickstart on Node" node quickstart.mjs
step "decorated class (standard decorators) on Node" node out/decorated.js
step "tfjs adapter on Node" node tfjs.mjs
step "artifacts on Node (fetch, node:http streaming, OICM multipart, offline)" node artifacts.mjs
step "file modes on Node (store 0644, spool 0600)" node modes.mjs
step "at exit on Node (uncaught error, unhandled rejection, process.exit, a clean end; no timer after close())" node exit.mjs
finish
