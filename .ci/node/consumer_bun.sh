#!/usr/bin/env bash
# The Bun consumer path, as the README's Install section says it: `bun add` the packed tarball
# (.ci/node/pack.sh) into a fresh Bun project, import every subpath, run a @tracked training into
# ./mlruns and `bunx oicm-tracking runs` over it. Each step's output is shown when it fails.
# Prints "bun consumer: N passed, M failed".
set -uo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"
label="bun consumer"
# shellcheck source=steps.sh
source "$root/.ci/node/steps.sh"

bun --version
work=$(mktemp -d)
tarball=${1:-}
if [[ -z "$tarball" ]]; then
  step "build ESM + .d.ts and pack it (.ci/node/pack.sh)" bash -c "bash .ci/node/pack.sh > '$work/pack.out' 2> '$work/pack.err' || { cat '$work/pack.err'; exit 1; }" || finish
  tarball=$(tail -1 "$work/pack.out")
fi
[[ -f "$tarball" ]] || { echo "!! no tarball: $tarball"; failed=$((failed + 1)); finish; }
# The README's layout: the checkout at ../tracking beside the project, the commands run in it.
mkdir "$work/app"
ln -s "$root" "$work/tracking"
relative="../tracking/dist/$(basename "$tarball")"
cp .ci/node/consumer/imports.mjs .ci/node/consumer/training.ts "$work/app/"
cd "$work/app"
quiet bun init -y
step "bun add <tarball> (the README's command) in a fresh project" quiet bun add "$relative" || finish
step "every subpath imports on Bun" bun imports.mjs
step "@tracked training into ./mlruns on Bun" bun training.ts
step "bunx oicm-tracking runs lists it" bash -c 'bunx oicm-tracking runs | tee runs.out && grep -Eq "^  Trainer\.train-[0-9a-f]{4} .* FINISHED" runs.out'
step "bunx --bun oicm-tracking runs (the bin on Bun itself)" bash -c 'bunx --bun oicm-tracking runs | grep -q "consumer-training (2 runs)"'
finish
