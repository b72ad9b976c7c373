// Type-checked with tsc --strict against the package's .d.ts files.
import {
  type Experiment,
  NotFoundError,
  type RunRecord,
  type TrackedOptions,
  TrackingClient,
  type TrackingClientOptions,
} from "@oicm/tracking";
import { FakeMlflowServer, type RecordedRequest } from "@oicm/tracking/testing";
import { trackingCallback, type TrackingCallbackOptions } from "@oicm/tracking/tfjs";
import { type EvaluatorOptions, OnnxEvaluator } from "@oicm/tracking/onnx";

const options: TrackingClientOptions = {
  apiHost: "http://127.0.0.1:5000",
  retry: { maxRetries: 2 },
};
const client: TrackingClient = new TrackingClient(options);
const exp: Promise<Experiment> = client.setExperiment("x", { tags: ["a"] });
const run: Promise<RunRecord> = client.getRun("id");
const opts: TrackedOptions = { client, params: ["lr"], logReturn: true };
const cb: TrackingCallbackOptions = { runName: "r", logEveryNBatches: 5 };
const callbacks = trackingCallback(client, cb);
const evalOpts: Partial<EvaluatorOptions> = {
  metrics: ["accuracy", { name: "x", fn: (p, t) => p.length + t.length }],
};
const requests: RecordedRequest[] = new FakeMlflowServer().requests;
const err: Error = new NotFoundError("nope");
// @ts-expect-error: a metric value must be a number
client.logMetric("loss", "0.5");
// @ts-expect-error: an unknown end status
client.endRun("DONE");
export { callbacks, err, evalOpts, exp, OnnxEvaluator, opts, requests, run };
