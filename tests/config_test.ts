/**
 * The library's dependencies are declared in three places (deno.json for Deno and JSR,
 * package.json for Bun and Node, tests/deno.json for the tests' import map): they must agree,
 * and nothing the tests, examples or benches need may reach what a user of the library fetches.
 */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "./harness.ts";

const json = (path: string) => JSON.parse(readFileSync(path, "utf8"));

test("the library's dependencies agree across deno.json, package.json and tests/deno.json", () => {
  const root = json("deno.json").imports as Record<string, string>;
  const pkg = json("package.json");
  const dev = json("tests/deno.json").imports as Record<string, string>;
  assert.deepEqual(Object.keys(root).sort(), ["hono", "js-yaml", "zod"], "only what mod.ts needs");
  assert.equal(pkg.devDependencies, undefined, "Deno installs a package.json's dev dependencies");
  for (const [name, specifier] of Object.entries(root)) {
    assert.equal(dev[name], specifier, `tests/deno.json ${name}`);
    assert.equal(`npm:${name}@${pkg.dependencies[name]}`, specifier, `package.json ${name}`);
  }
});

test("the version a request's User-Agent names is the package's", async () => {
  const { VERSION } = await import("../src/core/version.ts");
  assert.equal(VERSION, json("deno.json").version);
});
