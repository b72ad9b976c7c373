// A decorated class compiled by TypeScript (standard decorators), run on Node 20.
import assert from "node:assert/strict";
import { tracked, TrackingClient } from "@oicm/tracking";
import { FakeMlflowServer } from "@oicm/tracking/testing";

const server = new FakeMlflowServer();
const client = new TrackingClient({ apiHost: "http://fake", fetch: server.fetch });

class Trainer {
  @tracked({ client, logReturn: true })
  async train(epochs: number, opts: { lr: number; apiKey: string }): Promise<{ accuracy: number }> {
    for (let e = 0; e < epochs; e++) {
      await Promise.resolve(); // an epoch of real work would await here
      client.logMetric("loss", 1 / (e + 1), { step: e });
    }
    return { accuracy: 0.9 + opts.lr };
  }

  @tracked({ client })
  fit(samples: number): number {
    return samples * 2;
  }
}

const t = new Trainer();
await t.train(2, { lr: 0.05, apiKey: "secret" });
assert.equal(t.fit(21), 42);
await client.close();
const runs = [...server.store().runs.values()];
const train = runs.find((r) => r.info.run_name.startsWith("Trainer.train-"))!;
assert.deepEqual(Object.fromEntries(train.params), {
  epochs: "2",
  "opts.lr": "0.05",
  "opts.apiKey": "***",
});
assert.equal(train.latest.get("accuracy")?.value, 0.9 + 0.05);
assert.equal(
  runs.find((r) => r.info.run_name.startsWith("Trainer.fit-"))?.info.status,
  "FINISHED",
);
console.log("decorated ok:", runs.map((r) => `${r.info.run_name}=${r.info.status}`).join(" "));
