/**
 * The fake MLflow server in its own process, for benchmarks: the client's
 * process then pays only for its own work. Prints `READY <url> <controlUrl>`;
 * `GET <controlUrl>/count?run=<id>&key=<k>` answers how many points of that
 * metric arrived and how many distinct steps they cover.
 *
 * Run: deno run -A bench/server_process.ts [latencyMs] [artifactsDir]
 * (artifact files go to `artifactsDir` when given, not memory: the artifact
 * benchmark sends a gigabyte).
 */
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { FakeMlflowServer } from "../src/testing/mod.ts";

// A benchmark sends millions of requests: none is kept.
const server = new FakeMlflowServer({ recordRequests: false, artifactsDir: Deno.args[1] });
server.faults.latency(Number(Deno.args[0] ?? 0));
const { url } = await server.listen();

const control = createServer((req, res) => {
  const q = new URL(req.url ?? "/", "http://x").searchParams;
  const points = server.store().runs.get(q.get("run") ?? "")?.history.get(q.get("key") ?? "") ?? [];
  const steps = new Set(points.map((p) => p.step));
  res.writeHead(200, { "Content-Type": "application/json" });
  res.end(JSON.stringify({ points: points.length, steps: steps.size }));
});
control.listen(0, "127.0.0.1", () => {
  console.log(`READY ${url} http://127.0.0.1:${(control.address() as AddressInfo).port}`);
});
