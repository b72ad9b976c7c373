/**
 * The layers of `src/` hold: each folder imports only folders below it (see
 * src/README.md), the integrations and the CLI only the public entry points,
 * and no module imports itself back through others (no cycle).
 */
import assert from "node:assert/strict";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, normalize, relative } from "node:path";
import { test } from "./harness.ts";

/** Each layer and what it may import besides itself. */
const LAYERS: Record<string, string[]> = {
  core: [],
  http: ["core"],
  system_metrics: ["core"],
  artifacts: ["core", "http"],
  models: ["core", "http", "artifacts"],
  rest: ["core", "http", "artifacts", "models"],
  store: ["core", "artifacts"],
  sync: ["core", "artifacts", "store"],
  delivery: ["core", "store", "sync"],
  client: [
    "core",
    "http",
    "artifacts",
    "models",
    "rest",
    "store",
    "sync",
    "delivery",
    "system_metrics",
  ],
  tracked: ["core", "client"],
  testing: ["core", "http", "artifacts"],
};

function filesBelow(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return name === "node_modules" ? [] : filesBelow(path);
    return path.endsWith(".ts") ? [path] : [];
  });
}

/** The relative `.ts` files a module imports (type-only imports included). */
function importsOf(file: string): string[] {
  const text = readFileSync(file, "utf8");
  const found = [...text.matchAll(/(?:from|import)\s*\(?\s*["'](\.{1,2}\/[^"']+\.ts)["']/g)];
  return found.map((m) => normalize(join(dirname(file), m[1])));
}

const layerOf = (file: string) => relative("src", file).split("/")[0];

test("each folder of src/ imports only the layers below it", () => {
  const wrong: string[] = [];
  for (const file of filesBelow("src")) {
    const from = layerOf(file);
    // checked below, with the integrations
    if (from === "cli" || from === "cli.ts" || from === "viewer") continue;
    const allowed = LAYERS[from];
    assert.ok(allowed, `${file}: a folder src/README.md does not describe`);
    for (const target of importsOf(file)) {
      if (!target.startsWith("src/")) {
        wrong.push(`${file} imports ${target}, outside src/`);
        continue;
      }
      const to = layerOf(target);
      if (to !== from && !allowed.includes(to)) {
        wrong.push(`${file} (${from}) imports ${target} (${to})`);
      }
    }
  }
  assert.deepEqual(wrong, []);
});

test("the integrations, the CLI and the viewer use only the public entry points", () => {
  const wrong: string[] = [];
  const files = [
    ...filesBelow("integrations"),
    "src/cli.ts",
    ...filesBelow("src/cli"),
    ...filesBelow("src/viewer"),
  ];
  for (const file of files) {
    for (const target of importsOf(file)) {
      const inside = file.startsWith("integrations/")
        ? target.startsWith("integrations/")
        : file.startsWith("src/viewer/")
        ? target.startsWith("src/viewer/")
        : target.startsWith("src/cli") || target === "src/viewer/mod.ts"; // the CLI loads the viewer
      if (!inside && target !== "mod.ts") wrong.push(`${file} imports ${target}`);
    }
  }
  assert.deepEqual(wrong, []);
});

test("the viewer is loaded only when a command needs it: mod.ts never reaches it, the CLI imports it dynamically", () => {
  const seen = new Set<string>();
  const walk = (file: string) => {
    if (seen.has(file)) return;
    seen.add(file);
    for (const next of importsOf(file)) walk(next);
  };
  walk("mod.ts");
  assert.deepEqual(
    [...seen].filter((f) => f.startsWith("src/viewer/") || /^src\/cli(\/|\.ts)/.test(f)),
    [],
  );
  const staticImports: string[] = [];
  for (const file of ["src/cli.ts", ...filesBelow("src/cli")]) {
    const text = readFileSync(file, "utf8");
    if (/\bfrom\s*["'][^"']*viewer\//.test(text)) staticImports.push(file);
  }
  assert.deepEqual(staticImports, [], "a static import would load hono for every command");
});

test("no import cycle among the library's modules and the benchmarks", () => {
  const graph = new Map<string, string[]>();
  const library = ["mod.ts", ...filesBelow("src"), ...filesBelow("integrations")];
  for (const file of [...library, ...filesBelow("bench")]) {
    graph.set(file, importsOf(file));
  }
  const state = new Map<string, "open" | "done">();
  const cycles: string[] = [];
  const visit = (file: string, path: string[]) => {
    if (state.get(file) === "done") return;
    if (state.get(file) === "open") {
      cycles.push([...path.slice(path.indexOf(file)), file].join(" -> "));
      return;
    }
    state.set(file, "open");
    for (const next of graph.get(file) ?? []) visit(next, [...path, file]);
    state.set(file, "done");
  };
  for (const file of graph.keys()) visit(file, []);
  assert.deepEqual(cycles, []);
});
