/**
 * `@tracked` run names: distinct by default and still saying what ran; `runName` as a function of
 * the call's arguments, typed as the function's own (checked by `deno check` at the type level).
 */
import assert from "node:assert/strict";
import { tracked } from "../mod.ts";
import { test } from "./harness.ts";
import { inProcess } from "./helpers.ts";

/** True only when A and B are the same type. */
type Equals<A, B> = (<T>() => T extends A ? 1 : 2) extends (<T>() => T extends B ? 1 : 2) ? true
  : false;

test("eight calls of one @tracked method make eight distinct run names that name the method (all were 'Trainer.train')", async () => {
  const { client, runs } = inProcess({ retry: { maxRetries: 0 } });
  class Trainer {
    @tracked({ client })
    async train(epochs: number) {
      await Promise.resolve();
      return epochs;
    }
  }
  const trainer = new Trainer();
  for (let i = 0; i < 8; i++) await trainer.train(i);
  const evaluate = tracked(function evaluate(split: string) {
    return split.length;
  }, { client });
  evaluate("val");
  await client.flush();
  const names = runs().map((r) => r.info.run_name);
  assert.equal(names.length, 9);
  assert.equal(new Set(names).size, 9, names.join(" "));
  assert.equal(
    names.filter((n) => /^Trainer\.train-[0-9a-f]{4}$/.test(n)).length,
    8,
    names.join(" "),
  );
  assert.ok(names.some((n) => /^evaluate-[0-9a-f]{4}$/.test(n)), names.join(" "));
  await client.close();
});

test("runName as a function gets the arguments with their own types (they were never)", async () => {
  const { client, runs } = inProcess({ retry: { maxRetries: 0 } });
  const train = tracked((lr: number, optimizer: { name: string }) => `${optimizer.name} ${lr}`, {
    client,
    runName: (lr, optimizer) => {
      const typed: [Equals<typeof lr, number>, Equals<typeof optimizer, { name: string }>] = [
        true,
        true,
      ];
      assert.deepEqual(typed, [true, true]);
      return `${optimizer.name}-lr=${lr.toFixed(3)}`;
    },
  });
  class Sweep {
    @tracked({
      client,
      runName: (lr, epochs) => {
        // The method's own types, taken from the method the decorator decorates.
        const typed: [Equals<typeof lr, number>, Equals<typeof epochs, number>] = [true, true];
        assert.deepEqual(typed, [true, true]);
        return `fit lr=${lr.toExponential(0)} x${epochs}`;
      },
    })
    async fit(lr: number, epochs: number) {
      await Promise.resolve();
      return lr * epochs;
    }
    // Unannotated, the arguments still have the method's types.
    @tracked({
      client,
      runName: (split) => {
        const typed: Equals<typeof split, string> = true;
        assert.equal(typed, true);
        return `eval ${split.toUpperCase()}`;
      },
    })
    async evaluate(split: string) {
      await Promise.resolve();
      return split;
    }
  }
  train(0.01, { name: "adam" });
  await new Sweep().fit(0.001, 3);
  await new Sweep().evaluate("val");
  await client.flush();
  assert.deepEqual(runs().map((r) => r.info.run_name).sort(), [
    "adam-lr=0.010",
    "eval VAL",
    "fit lr=1e-3 x3",
  ]);
  await client.close();
});
