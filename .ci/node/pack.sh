#!/usr/bin/env bash
# Builds what JSR's npm layer ships (ESM JavaScript plus .d.ts from our sources) into dist/npm and
# packs it as dist/oicm-tracking-<version>.tgz, to install with npm, Bun or pnpm before (or
# without) JSR. Prints the tarball's path on its last line.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"
[[ -d node_modules/zod ]] || npm install --no-audit --no-fund >/dev/null 2>&1
[[ -x tests/node_modules/.bin/tsc ]] || (cd tests && npm install --no-audit --no-fund >/dev/null 2>&1)
rm -rf dist/npm
tests/node_modules/.bin/tsc -p .ci/node/tsconfig.build.json
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
(cd dist/npm && npm pack --pack-destination .. >/dev/null)
ls "$root"/dist/*.tgz | tail -1
