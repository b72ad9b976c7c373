/** `@tracked` and `tracked(fn)`; runs under Deno and Bun (see tests/harness.ts). */
import assert from "node:assert/strict";
import { tracked } from "../mod.ts";
import { test } from "./harness.ts";
import { inProcess } from "./helpers.ts";

const fixture = () => inProcess({ retry: { maxRetries: 0 } });

test("an async method gets a run: params by name, metrics inside, FINISHED before it resolves", async () => {
  const { client, runs, params } = fixture();
  class Trainer {
    @tracked({ client })
    // deno-lint-ignore no-unused-vars
    async train(epochs: number, opts: { lr: number; optimizer: { name: string } }) {
      await new Promise((r) => setTimeout(r, 1));
      for (let e = 0; e < epochs; e++) client.logMetric("loss", 1 / (e + 1), { step: e });
      return "done";
    }
  }
  const out = await new Trainer().train(3, { lr: 0.01, optimizer: { name: "adam" } });
  assert.equal(out, "done");
  const [run] = runs();
  assert.equal(run.info.status, "FINISHED", "ended before the call resolved");
  assert.match(run.info.run_name, /^Trainer\.train-[0-9a-f]{4}$/);
  assert.deepEqual(params(run), { epochs: "3", "opts.lr": "0.01", "opts.optimizer.name": "adam" });
  assert.deepEqual(run.history.get("loss")?.map((p) => p.step), [0, 1, 2]);
  await client.close();
});

test("a sync method stays sync; its run is created, logged and ended in the background", async () => {
  const { client, runs, params } = fixture();
  class Model {
    @tracked({ client })
    fit(samples: number): number {
      client.logMetric("inside", samples); // logging works before the run exists
      return samples * 2;
    }
  }
  const value = new Model().fit(21);
  assert.equal(value, 42, "the value itself, not a promise");
  const run = client.lastActiveRun()!;
  assert.equal(run.created, false, "the run is still being created");
  const info = await run.ready;
  await client.flush();
  const [stored] = runs();
  assert.equal(stored.info.run_id, info.runId);
  assert.equal(stored.info.status, "FINISHED");
  assert.deepEqual(params(stored), { samples: "21" });
  assert.equal(stored.latest.get("inside")?.value, 21);
  await client.close();
});

test("a throwing sync method rethrows the same error; its run ends FAILED with error tags", async () => {
  const { client, runs } = fixture();
  const boom = new TypeError("bad shape");
  const stack = boom.stack;
  class M {
    @tracked({ client })
    step(): void {
      throw boom;
    }
  }
  let caught: unknown;
  try {
    new M().step();
  } catch (err) {
    caught = err;
  }
  assert.equal(caught, boom);
  assert.equal(boom.stack, stack, "stack untouched");
  await client.flush();
  const [run] = runs();
  assert.equal(run.info.status, "FAILED");
  assert.equal(run.tags.get("error.type"), "TypeError");
  assert.equal(run.tags.get("error.message"), "bad shape");
  await client.close();
});

test("a rejecting async method rejects with the same error after its run ended FAILED", async () => {
  const { client, runs } = fixture();
  const boom = new Error("nan loss");
  const fit = tracked(async (_lr: number) => {
    await Promise.resolve();
    throw boom;
  }, { client, runName: "fit" });
  await assert.rejects(fit(0.1), (e) => e === boom);
  const [run] = runs();
  assert.equal(run.info.status, "FAILED");
  assert.equal(run.tags.get("error.message"), "nan loss");
  await client.close();
});

test("nested decorated calls make child runs; concurrent calls keep their own runs", async () => {
  const { client, byName } = fixture();
  class Sweep {
    @tracked({ client, runName: "Sweep.trial" })
    async trial(lr: number) {
      await new Promise((r) => setTimeout(r, lr * 10));
      client.logMetric("lr_seen", lr);
      return lr;
    }
    @tracked({ client, runName: "Sweep.all" })
    async all() {
      return await Promise.all([this.trial(3), this.trial(1), this.trial(2)]);
    }
  }
  assert.deepEqual(await new Sweep().all(), [3, 1, 2]);
  const [parent] = byName("Sweep.all");
  const trials = byName("Sweep.trial");
  assert.equal(trials.length, 3);
  for (const t of trials) {
    assert.equal(t.tags.get("mlflow.parentRunId"), parent.info.run_id);
    assert.equal(String(t.latest.get("lr_seen")?.value), t.params.get("lr"), "logs in own run");
    assert.equal(t.info.status, "FINISHED");
  }
  await client.close();
});

test("a decorated call inside a startRun run becomes its child", async () => {
  const { client, byName } = fixture();
  const step = tracked((n: number) => n, { client, runName: "step" });
  const outer = await client.startRun({ runName: "outer" });
  step(1);
  await outer.end();
  await client.flush();
  assert.equal(byName("step")[0].tags.get("mlflow.parentRunId"), outer.runId);
  await client.close();
});

test("secrets are redacted by whole key segments", async () => {
  const { client, runs, params } = fixture();
  const login = tracked(
    (
      _cfg: {
        apiKey: string;
        auth_token: string;
        password: string;
        db: { secret: string; host: string };
        max_tokens: number;
        tokenizer: string;
        key: string;
        monkey: string;
      },
    ) => 0,
    { client, runName: "login", redact: ["session"] },
  );
  login({
    apiKey: "A",
    auth_token: "B",
    password: "C",
    db: { secret: "D", host: "h" },
    max_tokens: 5,
    tokenizer: "bpe",
    key: "E",
    monkey: "banana",
  });
  const sessionCall = tracked((session: string) => session, {
    client,
    runName: "s",
    redact: ["session"],
  });
  sessionCall("F");
  await client.flush();
  const all = runs().map(params);
  assert.deepEqual(all[0], {
    "_cfg.apiKey": "***",
    "_cfg.auth_token": "***",
    "_cfg.password": "***",
    "_cfg.db.secret": "***",
    "_cfg.db.host": "h",
    "_cfg.max_tokens": "5",
    "_cfg.tokenizer": "bpe",
    "_cfg.key": "***",
    "_cfg.monkey": "banana",
  });
  assert.deepEqual(all[1], { session: "***" });
  await client.close();
});

test("params picks, renames or computes; runName may be a function of the arguments", async () => {
  const { client, runs, params } = fixture();
  const pick = tracked((lr: number, epochs: number, _verbose: boolean) => lr * epochs, {
    client,
    params: ["lr"],
    runName: (lr: number) => `lr=${lr}`,
  });
  const rename = tracked((lr: number) => lr, { client, params: { lr: "learning_rate" } });
  const computed = tracked((a: number, b: number) => a + b, {
    client,
    params: (a: number, b: number) => ({ sum: a + b }),
  });
  pick(0.5, 2, true);
  rename(0.1);
  computed(1, 2);
  await client.flush();
  const [a, b, c] = runs();
  assert.equal(a.info.run_name, "lr=0.5");
  assert.deepEqual(params(a), { lr: "0.5" });
  assert.deepEqual(params(b), { learning_rate: "0.1" });
  assert.deepEqual(params(c), { sum: "3" });
  await client.close();
});

test("logReturn logs a number as metric 'return' and a record's numbers as metrics", async () => {
  const { client, runs } = fixture();
  const score = tracked(() => 0.93, { client, logReturn: true });
  const report = tracked(() => ({ acc: 0.9, f1: 0.8, note: "x" }), { client, logReturn: true });
  assert.equal(score(), 0.93);
  assert.deepEqual(report(), { acc: 0.9, f1: 0.8, note: "x" });
  await client.flush();
  const [a, b] = runs();
  assert.equal(a.latest.get("return")?.value, 0.93);
  assert.deepEqual([...b.latest.keys()].sort(), ["acc", "f1"]);
  await client.close();
});

test("the experiment option sends runs there and leaves the active experiment alone", async () => {
  const { client, server } = fixture();
  const active = await client.setExperiment("main");
  const sweep = tracked((x: number) => x, { client, experiment: "sweeps" });
  sweep(1);
  sweep(2);
  await client.flush();
  assert.equal(client.experimentId, active.experimentId);
  const store = server.store();
  const sweeps = [...store.experiments.values()].find((e) => e.name === "sweeps")!;
  const runs = [...store.runs.values()];
  assert.equal(runs.length, 2);
  assert.ok(runs.every((r) => r.info.experiment_id === sweeps.experiment_id));
  await client.close();
});

test("big and exotic arguments get short stable strings; unloggable ones are skipped", async () => {
  const { client, runs, params } = fixture();
  class Point {
    constructor(public x: number, public y: number) {}
  }
  const throwing = {
    get bad(): number {
      throw new Error("getter");
    },
  };
  const fn = tracked((
    big: string,
    list: number[],
    typed: Float32Array,
    map: Map<string, number>,
    when: Date,
    point: Point,
    cb: () => void,
    weird: object,
  ) =>
    big.length + list.length + typed.length + map.size + when.getTime() + point.x +
    String(weird).length + cb.length, {
    client,
    runName: "exotic",
  });
  fn(
    "x".repeat(10_000),
    Array.from({ length: 1000 }, (_, i) => i),
    new Float32Array([0.5, 1.5]),
    new Map([["a", 1]]),
    new Date("2026-01-02T03:04:05.000Z"),
    new Point(1, 2),
    () => {},
    throwing,
  );
  await client.flush();
  const p = params(runs()[0]);
  assert.equal(p.big.length, 6000);
  assert.match(p.big, /\.\.\.\[truncated \d+ chars\]$/);
  assert.equal(p.list, "[0, 1, 2, 3, 4, 5, 6, 7, ... (1000 items)]");
  assert.equal(p.typed, "Float32Array(2) [0.5, 1.5]");
  assert.equal(p.map, 'Map(1) {"a" => 1}');
  assert.equal(p.when, "2026-01-02T03:04:05.000Z");
  assert.equal(p.point, "Point {x: 1, y: 2}");
  assert.equal(p.cb, undefined, "functions are skipped");
  assert.equal(p["weird.bad"], undefined, "a throwing getter is skipped, not a crash");
  await client.close();
});

test("close() leaves no decorated run open", async () => {
  const { client, runs } = fixture();
  const slow = tracked(async () => await new Promise((r) => setTimeout(r, 20)), { client });
  const pending = slow();
  await pending;
  tracked(() => 1, { client })();
  await client.close();
  assert.ok(runs().every((r) => r.info.status !== "RUNNING"));
  assert.equal(runs().length, 2);
});
