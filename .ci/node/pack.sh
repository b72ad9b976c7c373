#!/usr/bin/env bash
# Builds the npm package from what the library ships (mod.ts, src/, integrations/: ESM JavaScript
# plus .d.ts) into dist/npm and packs it as dist/oicm-tracking-<version>.tgz, for `npm install` or
# `bun add` before (or without) JSR. Needs only Node and npm: the compiler and the library's own
# dependencies (for their types) go into a temporary folder, never into tests/ (whose onnxruntime-node
# install script reaches outside the registries) and never leave a package-lock.json behind. Every
# error is shown. Prints the tarball's path on its last line.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"
build=$(mktemp -d)
trap 'rm -rf "$build"' EXIT

# The sources the package ships, beside a node_modules with the library's deps and the compiler.
cp -R mod.ts src integrations "$build/"
node -e '
  const fs = require("fs");
  const pkg = JSON.parse(fs.readFileSync("package.json", "utf8"));
  fs.writeFileSync(process.argv[1] + "/package.json", JSON.stringify({
    name: "oicm-tracking-build", private: true, type: "module",
    dependencies: pkg.dependencies,
    devDependencies: { typescript: "~5.9.0", "@types/node": "^20.19.0" },
  }, null, 2));
' "$build"
echo "installing the library's dependencies and TypeScript into a temporary folder" >&2
(cd "$build" && npm install --no-audit --no-fund --no-package-lock --ignore-scripts --loglevel=error >&2)

cat > "$build/tsconfig.json" <<'JSON'
{
  "compilerOptions": {
    "target": "ES2022",
    "module": "NodeNext",
    "moduleResolution": "NodeNext",
    "declaration": true,
    "rewriteRelativeImportExtensions": true,
    "strict": true,
    "skipLibCheck": true,
    "types": ["node"],
    "rootDir": ".",
    "outDir": "out"
  },
  "files": [
    "mod.ts",
    "src/testing/mod.ts",
    "src/cli.ts",
    "src/cli/bin.ts",
    "integrations/tfjs.ts",
    "integrations/onnx.ts"
  ]
}
JSON
(cd "$build" && node_modules/.bin/tsc -p tsconfig.json >&2)

rm -rf dist/npm
mkdir -p dist
mv "$build/out" dist/npm
chmod +x dist/npm/src/cli/bin.js
node -e '
  const fs = require("fs");
  const deno = JSON.parse(fs.readFileSync("deno.json", "utf8"));
  const pkg = JSON.parse(fs.readFileSync("package.json", "utf8"));
  const entry = (p) => ({ types: p.replace(/\.ts$/, ".d.ts"), default: p.replace(/\.ts$/, ".js") });
  const exports = Object.fromEntries(Object.entries(deno.exports).map(([k, v]) => [k, entry(v)]));
  fs.writeFileSync("dist/npm/package.json", JSON.stringify({
    name: deno.name, version: deno.version, description: deno.description, license: deno.license,
    type: "module", exports, bin: { "oicm-tracking": "./src/cli/bin.js" },
    dependencies: pkg.dependencies, engines: { node: ">=20" },
  }, null, 2));
  fs.copyFileSync("README.md", "dist/npm/README.md");
  fs.copyFileSync("LICENSE", "dist/npm/LICENSE");
'
(cd dist/npm && npm pack --pack-destination .. --loglevel=error >&2)
version=$(node -p 'require("./deno.json").version')
echo "$root/dist/oicm-tracking-$version.tgz"
