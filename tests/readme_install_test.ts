/**
 * The README's Deno install, as written: its import map in a project folder of its own beside a
 * checkout (`../tracking`), the Quickstart run there, and every subpath the package exports
 * imported through the map (the old `"@oicm/tracking/": "../tracking/"` broke the Quickstart's
 * `@oicm/tracking/testing`). Deno only: it runs Deno in a child process.
 */
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";

const root = resolve(import.meta.dirname!, "..");
const readme = readFileSync(join(root, "README.md"), "utf8");

/** The first fenced block of `lang` after `marker` in the README. */
function blockAfter(marker: string, lang: string): string {
  const at = readme.indexOf(marker);
  assert.ok(at >= 0, `README has ${marker}`);
  const open = readme.indexOf("```" + lang + "\n", at);
  assert.ok(open >= 0, `a ${lang} block after ${marker}`);
  const start = open + lang.length + 4;
  return readme.slice(start, readme.indexOf("```", start));
}

Deno.test("the README's Deno import map serves every subpath: the Quickstart runs in a separate project", async () => {
  const dir = mkdtempSync(join(tmpdir(), "readme-install-"));
  try {
    symlinkSync(root, join(dir, "tracking"));
    const app = join(dir, "app");
    Deno.mkdirSync(app);
    const map = blockAfter("## Install", "json");
    writeFileSync(join(app, "deno.json"), map);
    const exports = JSON.parse(readFileSync(join(root, "deno.json"), "utf8")).exports as Record<
      string,
      string
    >;
    const names = Object.keys(exports).map((k) =>
      k === "." ? "@oicm/tracking" : `@oicm/tracking${k.slice(1)}`
    );
    assert.deepEqual(
      Object.keys(JSON.parse(map).imports).sort(),
      names.sort(),
      "one entry per export",
    );
    writeFileSync(join(app, "quickstart.ts"), blockAfter("## Quickstart", "ts"));
    writeFileSync(
      join(app, "subpaths.ts"),
      names.map((n, i) => `import * as m${i} from "${n}";`).join("\n") +
        `\nconsole.log([${
          names.map((_, i) => `Object.keys(m${i}).length`).join(", ")
        }].join(" "));\n`,
    );
    for (
      const [file, expect] of [["quickstart.ts", /loss: 0\.333/], [
        "subpaths.ts",
        /^[1-9]\d*( [1-9]\d*){4}$/m,
      ]] as const
    ) {
      const { code, stdout, stderr } = await new Deno.Command(Deno.execPath(), {
        args: ["run", "-A", file],
        cwd: app,
        env: { NO_COLOR: "1" },
      }).output();
      const [out, err] = [new TextDecoder().decode(stdout), new TextDecoder().decode(stderr)];
      assert.equal(code, 0, `${file}: ${err}`);
      assert.match(out, expect, file);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
