import assert from "node:assert/strict";
import { FakeMlflowServer } from "../src/testing/mod.ts";
import { test } from "./harness.ts";

/** Raw HTTP against the fake, as any MLflow client would speak to it. */
async function call(base: string, path: string, body?: unknown, headers: HeadersInit = {}) {
  const res = await fetch(`${base}/api/2.0/mlflow/${path}`, {
    method: body === undefined ? "GET" : "POST",
    headers: { "Content-Type": "application/json", ...headers },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: res.status, json: await res.json() };
}

test("fake server answers MLflow's status codes and error codes", async () => {
  const server = new FakeMlflowServer();
  const { url } = await server.listen();
  try {
    const created = await call(url, "experiments/create", { name: "e" });
    assert.equal(created.status, 200);
    const dup = await call(url, "experiments/create", { name: "e" });
    assert.deepEqual([dup.status, dup.json.error_code], [400, "RESOURCE_ALREADY_EXISTS"]);
    const absent = await call(url, "experiments/get-by-name?experiment_name=zzz");
    assert.deepEqual([absent.status, absent.json.error_code], [404, "RESOURCE_DOES_NOT_EXIST"]);
    const noRun = await call(url, "runs/get?run_id=nope");
    assert.deepEqual([noRun.status, noRun.json.error_code], [404, "RESOURCE_DOES_NOT_EXIST"]);
    const noRoute = await call(url, "runs/fly", {});
    assert.deepEqual([noRoute.status, noRoute.json.error_code], [404, "ENDPOINT_NOT_FOUND"]);
    const missingField = await call(url, "experiments/create", {});
    assert.deepEqual([missingField.status, missingField.json.error_code], [
      400,
      "INVALID_PARAMETER_VALUE",
    ]);
  } finally {
    await server.close();
  }
});

test("fake server enforces log-batch limits, key rules and immutable params", async () => {
  const server = new FakeMlflowServer();
  const { url } = await server.listen();
  try {
    const { json } = await call(url, "runs/create", { experiment_id: "0" });
    const run_id = json.run.info.run_id as string;
    const metric = (i: number) => ({ key: "m", value: i, timestamp: 1, step: i });
    const tooMany = await call(url, "runs/log-batch", {
      run_id,
      metrics: Array.from({ length: 1001 }, (_, i) => metric(i)),
    });
    assert.equal(tooMany.status, 400);
    assert.match(tooMany.json.message, /at most 1000 metrics/);
    const total = await call(url, "runs/log-batch", {
      run_id,
      metrics: Array.from({ length: 950 }, (_, i) => metric(i)),
      params: Array.from({ length: 51 }, (_, i) => ({ key: `p${i}`, value: "v" })),
    });
    assert.match(total.json.message, /1000 total entities/);
    const badKey = await call(url, "runs/log-batch", {
      run_id,
      metrics: [{ ...metric(0), key: "a//b" }],
    });
    assert.equal(badKey.json.error_code, "INVALID_PARAMETER_VALUE");
    assert.equal(
      (await call(url, "runs/log-parameter", { run_id, key: "p", value: "1" })).status,
      200,
    );
    assert.equal(
      (await call(url, "runs/log-parameter", { run_id, key: "p", value: "1" })).status,
      200,
    );
    const changed = await call(url, "runs/log-parameter", { run_id, key: "p", value: "2" });
    assert.deepEqual([changed.status, changed.json.error_code], [400, "INVALID_PARAMETER_VALUE"]);
    assert.equal(
      server.store().runs.get(run_id)?.history.size,
      0,
      "rejected batches wrote nothing",
    );
  } finally {
    await server.close();
  }
});

test("fake server checks the bearer key but leaves liveness open", async () => {
  const server = new FakeMlflowServer({ apiKey: "k" });
  const { url } = await server.listen();
  try {
    const denied = await call(url, "experiments/search", {});
    assert.deepEqual([denied.status, denied.json.error_code], [401, "UNAUTHENTICATED"]);
    const ok = await call(url, "experiments/search", {}, { Authorization: "Bearer k" });
    assert.equal(ok.status, 200);
    const live = await fetch(`${url}/api/tracking/liveness`);
    assert.equal(live.status, 200);
    await live.body?.cancel();
    const version = await fetch(`${url}/api/tracking/version`, {
      headers: { Authorization: "Bearer k" },
    });
    assert.deepEqual(await version.json(), { version: "1.13.0" });
  } finally {
    await server.close();
  }
});

test("fake server as a fetch function needs no socket and injects faults", async () => {
  const server = new FakeMlflowServer();
  server.faults.failNext(1, 503, { route: "experiments/search" });
  const first = await server.fetch("http://x/api/2.0/mlflow/experiments/search", {
    method: "POST",
    body: "{}",
  });
  assert.equal(first.status, 503);
  await first.body?.cancel();
  const second = await server.fetch("http://x/api/2.0/mlflow/experiments/search", {
    method: "POST",
    body: "{}",
  });
  assert.equal((await second.json()).experiments[0].name, "Default");
  server.faults.dropNext(1);
  await assert.rejects(server.fetch("http://x/api/2.0/mlflow/experiments/search"), TypeError);
});

test("fake server drops a loopback connection for real", async () => {
  const server = new FakeMlflowServer();
  const { url } = await server.listen();
  try {
    server.faults.dropNext(1);
    await assert.rejects(fetch(`${url}/api/2.0/mlflow/experiments/get?experiment_id=0`));
    const ok = await fetch(`${url}/api/2.0/mlflow/experiments/get?experiment_id=0`);
    assert.equal(ok.status, 200);
    await ok.body?.cancel();
  } finally {
    await server.close();
  }
});

test("fake server answers malformed bodies with 400 INVALID_PARAMETER_VALUE, not 500", async () => {
  const server = new FakeMlflowServer();
  const { url } = await server.listen();
  try {
    const { json } = await call(url, "runs/create", { experiment_id: "0" });
    const runId = json.run.info.run_id;
    const bad: [string, unknown][] = [
      ["runs/log-batch", null],
      ["runs/log-batch", [1, 2]],
      ["runs/log-batch", { run_id: runId, metrics: "abc" }],
      ["runs/log-batch", { run_id: runId, params: [null] }],
      ["runs/log-batch", { run_id: runId, tags: { a: 1 } }],
      ["runs/create", { experiment_id: "0", tags: "x" }],
      ["runs/search", { experiment_ids: ["0"], page_token: "%%%not-base64" }],
      ["runs/search", { experiment_ids: ["0"], page_token: btoa("-5") }],
      ["runs/search", { experiment_ids: ["0"], filter: "attributes.run_name = 'unterminated" }],
      ["runs/search", { experiment_ids: ["0"], order_by: "start_time" }],
      ["experiments/search", { filter: "name LIKE" }],
    ];
    for (const [route, body] of bad) {
      const res = await call(url, route, body);
      assert.deepEqual(
        [res.status, res.json.error_code],
        [400, "INVALID_PARAMETER_VALUE"],
        `${route} ${JSON.stringify(body)}: ${JSON.stringify(res.json)}`,
      );
    }
  } finally {
    await server.close();
  }
});

test("fake server checks keys and lengths by MLflow's rules, not the client's code", async () => {
  const server = new FakeMlflowServer();
  const { url } = await server.listen();
  try {
    const { json } = await call(url, "runs/create", { experiment_id: "0" });
    const run_id = json.run.info.run_id;
    const ok = await call(url, "runs/log-batch", {
      run_id,
      metrics: [{ key: "损失", value: 1, timestamp: 0, step: 0 }],
      params: [{ key: "emoji", value: "😀".repeat(6000) }],
    });
    assert.equal(ok.status, 200, JSON.stringify(ok.json));
    for (const key of ["a//b", "bad!key", "../x", "x/", "😀"]) {
      const res = await call(url, "runs/log-batch", {
        run_id,
        metrics: [{ key, value: 1, timestamp: 0, step: 0 }],
      });
      assert.equal(res.status, 400, key);
    }
    const long = await call(url, "runs/log-batch", {
      run_id,
      params: [{ key: "p", value: "😀".repeat(6001) }],
    });
    assert.equal(long.status, 400);
    const found = await call(url, "runs/search", {
      experiment_ids: ["0"],
      filter: "attributes.run_name != 'a and b' AND attributes.status = 'RUNNING'",
    });
    assert.equal(found.json.runs.length, 1);
  } finally {
    await server.close();
  }
});
