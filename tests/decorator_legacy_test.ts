/**
 * `@tracked` under legacy `experimentalDecorators`, compiled by the real
 * TypeScript compiler; also the default client from the environment.
 */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import process from "node:process";
import { pathToFileURL } from "node:url";
import ts from "typescript";
import { TrackingClient } from "../mod.ts";
import { FakeMlflowServer } from "../src/testing/mod.ts";
import { test } from "./harness.ts";

const modUrl = new URL("../mod.ts", import.meta.url).href;

function compileLegacy(source: string): string {
  return ts.transpileModule(source, {
    compilerOptions: {
      experimentalDecorators: true,
      target: ts.ScriptTarget.ES2022,
      module: ts.ModuleKind.ESNext,
    },
  }).outputText;
}

test("legacy decorators (experimentalDecorators): with options and bare, sync and async", async () => {
  const server = new FakeMlflowServer();
  const { url } = await server.listen();
  const dir = mkdtempSync(join(tmpdir(), "tracked-legacy-"));
  const saved = process.env.MLFLOW_TRACKING_URI;
  process.env.MLFLOW_TRACKING_URI = url; // the bare decorator's default client reads it
  try {
    const js = compileLegacy(`
      import { tracked } from ${JSON.stringify(modUrl)};
      export function make(client: unknown) {
        class Legacy {
          @tracked({ client, logReturn: true })
          fit(epochs: number, opts: { lr: number }) { return epochs * opts.lr; }
          @tracked({ client })
          async evaluate(split: string) { await Promise.resolve(); return split; }
          @tracked
          bare(x: number) { return x + 1; }
          @tracked({ client })
          static describe(name: string) { return name; }
        }
        return Legacy;
      }
    `);
    assert.match(js, /__decorate/, "compiled with legacy decorator helpers");
    const file = join(dir, "legacy.mjs");
    writeFileSync(file, js);
    const client = new TrackingClient({ apiHost: url, flushIntervalMs: 10 });
    const { make } = await import(pathToFileURL(file).href);
    const Legacy = make(client);
    const obj = new Legacy();
    assert.equal(obj.fit(10, { lr: 0.5 }), 5);
    assert.equal(await obj.evaluate("val"), "val");
    assert.equal(obj.bare(1), 2);
    assert.equal(Legacy.describe("n"), "n");
    await client.close();
    const runs = [...server.store().runs.values()];
    // Default names: the method with a short unique part (Legacy.fit-3f9a); keyed by the method.
    const byName = Object.fromEntries(
      runs.map((r) => [r.info.run_name.replace(/-[0-9a-f]{4,}$/, ""), r]),
    );
    assert.deepEqual(Object.keys(byName).sort(), [
      "Legacy.bare",
      "Legacy.describe",
      "Legacy.evaluate",
      "Legacy.fit",
    ]);
    assert.deepEqual(Object.fromEntries(byName["Legacy.fit"].params), {
      epochs: "10",
      "opts.lr": "0.5",
    });
    assert.equal(byName["Legacy.fit"].latest.get("return")?.value, 5);
    assert.equal(byName["Legacy.evaluate"].info.status, "FINISHED");
    assert.deepEqual(Object.fromEntries(byName["Legacy.describe"].params), { name: "n" });
    // The bare one used the default client from MLFLOW_TRACKING_URI: wait for it to land.
    const deadline = Date.now() + 3000;
    while (byName["Legacy.bare"].info.status === "RUNNING" && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 20));
    }
    assert.equal(byName["Legacy.bare"].info.status, "FINISHED");
    assert.deepEqual(Object.fromEntries(byName["Legacy.bare"].params), { x: "1" });
  } finally {
    if (saved === undefined) delete process.env.MLFLOW_TRACKING_URI;
    else process.env.MLFLOW_TRACKING_URI = saved;
    rmSync(dir, { recursive: true, force: true });
    await server.close();
  }
});
