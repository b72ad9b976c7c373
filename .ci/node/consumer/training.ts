// A @tracked training as a user writes it: no server configured, so TrackingClient.fromEnv()
// records offline into ./mlruns, which `npx oicm-tracking runs` / `bunx oicm-tracking runs` list.
import { tracked, TrackingClient } from "@oicm/tracking";

const client = TrackingClient.fromEnv({ logSystemMetrics: false });
await client.setExperiment("consumer-training");

class Trainer {
  @tracked({ client, logReturn: true })
  async train(lr: number, epochs: number): Promise<{ accuracy: number }> {
    let w = 0;
    for (let epoch = 0; epoch < epochs; epoch++) {
      await Promise.resolve(); // an epoch of real work would await here
      w += lr * (1 - w);
      client.logMetric("loss", 1 - w, { step: epoch });
    }
    return { accuracy: w };
  }
}

const trainer = new Trainer();
for (const lr of [0.1, 0.3]) await trainer.train(lr, 5);
await client.close();
console.log("training ok: 2 runs in ./mlruns");
