/**
 * One training process of many for bench/load.ts with no client library at
 * all: raw `fetch` of `runs/log-batch`, 1,000 points a request, one request
 * at a time (as the Python client), any failed answer tried again after
 * 500 ms. What the server takes from a client with no overhead: the ceiling
 * both clients are measured against.
 *
 * Usage: raw_load_child.ts <url> <experimentId> <runName> <points>
 * Prints DONE when the run ended; exits 1 with FAILED <error> otherwise.
 */
const [url, experimentId, runName, points] = Deno.args;

async function post(route: string, body: unknown): Promise<Record<string, unknown>> {
  for (let attempt = 1;; attempt++) {
    const res = await fetch(`${url}/api/2.0/mlflow/${route}`, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify(body),
    });
    const text = await res.text();
    if (res.ok) return JSON.parse(text);
    if (attempt >= 20) throw new Error(`${route}: ${res.status} ${text.slice(0, 200)}`);
    await new Promise((r) => setTimeout(r, 500));
  }
}

try {
  const created = await post("runs/create", {
    experiment_id: experimentId,
    run_name: runName,
    start_time: Date.now(),
  }) as { run: { info: { run_id: string } } };
  const runId = created.run.info.run_id;
  const n = Number(points);
  for (let start = 0; start < n; start += 1000) {
    const now = Date.now();
    const metrics = [];
    for (let step = start; step < Math.min(n, start + 1000); step++) {
      metrics.push({ key: "loss", value: 1 / (step + 1), timestamp: now, step });
    }
    await post("runs/log-batch", { run_id: runId, metrics });
  }
  await post("runs/update", { run_id: runId, status: "FINISHED", end_time: Date.now() });
} catch (err) {
  console.log(`FAILED ${err instanceof Error ? err.message : String(err)}`);
  Deno.exit(1);
}
console.log("DONE");
