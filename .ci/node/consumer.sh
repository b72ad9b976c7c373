#!/usr/bin/env bash
# The Node consumer path: build what JSR's npm layer would ship (ESM JavaScript plus .d.ts from
# our sources), npm pack it, install the tarball into a fresh Node project and run the quickstart,
# a decorated class compiled by TypeScript, and the tfjs adapter; type-check a consumer file with
# tsc --strict against the .d.ts. Prints "node consumer: N passed, M failed".
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
# The library's dependencies at the root; the compiler and Node's types are dev tools (tests/).
[[ -d node_modules/zod ]] || npm install --no-audit --no-fund >/dev/null 2>&1
[[ -x tests/node_modules/.bin/tsc ]] || (cd tests && npm install --no-audit --no-fund >/dev/null 2>&1)
rm -rf dist/npm
step "build ESM + .d.ts" tests/node_modules/.bin/tsc -p .ci/node/tsconfig.build.json || finish
node -e '
  const fs = require("fs");
  const deno = JSON.parse(fs.readFileSync("deno.json", "utf8"));
  const pkg = JSON.parse(fs.readFileSync("package.json", "utf8"));
  const entry = (p) => ({ types: p.replace(/\.ts$/, ".d.ts"), default: p.replace(/\.ts$/, ".js") });
  const exports = Object.fromEntries(Object.entries(deno.exports).map(([k, v]) => [k, entry(v)]));
  fs.writeFileSync("dist/npm/package.json", JSON.stringify({
    name: deno.name, version: deno.version, description: deno.description, license: deno.license,
    type: "module", exports, dependencies: pkg.dependencies, engines: { node: ">=20" },
  }, null, 2));
  fs.copyFileSync("README.md", "dist/npm/README.md");
  fs.copyFileSync("LICENSE", "dist/npm/LICENSE");
'
work=$(mktemp -d)
step "npm pack" bash -c "cd dist/npm && npm pack --pack-destination '$work' >/dev/null" || finish
tarball=$(ls "$work"/*.tgz)
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
cd "$root"
rm -rf "$work"
finish
