/**
 * A busy server slows records down, never loses them: overload told from
 * refusal, retried and never reported as a refused record; a run created once
 * through lost answers; one notice each way from a client backing off; many
 * processes on a fake server with a small pool. The pace's own rules are in
 * pace_test.ts.
 */
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { classifyAnswer } from "../src/http/overload.ts";
import { FakeMlflowServer, poolTimeoutBody } from "../src/testing/mod.ts";
import { runScript } from "./fixtures/runtime.ts";
import { test } from "./harness.ts";
import { setup } from "./helpers.ts";

const POOL_TIMEOUT =
  "QueuePool limit of size 5 overflow 10 reached, connection timed out, timeout 30.00 " +
  "(Background on this error at: https://sqlalche.me/e/20/3o7r)";

test("overload is told from refusal (MLflow's real answers)", () => {
  const table: [number, string | undefined, string, "overload" | "refusal" | undefined][] = [
    [400, "BAD_REQUEST", POOL_TIMEOUT, "overload"],
    [400, "BAD_REQUEST", "(sqlite3.OperationalError) database is locked", "overload"],
    [503, "TEMPORARILY_UNAVAILABLE", "(sqlite3.OperationalError) database is locked", "overload"],
    [
      400,
      "BAD_REQUEST",
      "(psycopg2.errors.LockNotAvailable) could not obtain lock on row",
      "overload",
    ],
    [
      400,
      "BAD_REQUEST",
      "(pymysql.err.OperationalError) (1205, 'Lock wait timeout exceeded')",
      "overload",
    ],
    [500, "INTERNAL_ERROR", "(sqlite3.OperationalError) database is locked", "overload"],
    [429, "REQUEST_LIMIT_EXCEEDED", "slow down", "overload"],
    [502, undefined, "<html>Bad gateway</html>", "overload"],
    [503, undefined, "", "overload"],
    [504, undefined, "Gateway Timeout", "overload"],
    [
      400,
      "INVALID_PARAMETER_VALUE",
      "Changing param values is not allowed. Param with key='lr' was already logged with value='0.1'",
      "refusal",
    ],
    [400, "INVALID_PARAMETER_VALUE", "Invalid metric name: 'a//b'", "refusal"],
    [400, "BAD_REQUEST", "Invalid value \"x\" for parameter 'step' supplied", "refusal"],
    [404, "RESOURCE_DOES_NOT_EXIST", "Run 'abc' not found", "refusal"],
    [500, "INTERNAL_ERROR", "something broke", undefined],
  ];
  for (const [status, code, message, want] of table) {
    assert.equal(classifyAnswer(status, code, message), want, `${status} ${code} ${message}`);
  }
});

test("a batch answered with the pool-timeout BAD_REQUEST is retried and delivered, not refused", async () => {
  await using s = await setup();
  const run = await s.client.startRun({ runName: "busy" });
  s.server.faults.failNext(2, 400, {
    route: "runs/log-batch",
    body: JSON.stringify({ error_code: "BAD_REQUEST", message: POOL_TIMEOUT }),
  });
  for (let step = 0; step < 50; step++) run.logMetric("loss", step, { step });
  await run.end();
  assert.deepEqual(s.errors, []);
  assert.equal(s.server.store().runs.get(run.runId)!.history.get("loss")?.length, 50);
});

test("a single-record BAD_REQUEST with a database error is not treated as refused", async () => {
  await using s = await setup();
  const run = await s.client.startRun({ runName: "one-param" });
  await s.client.flush();
  // Another process set 'lr' meanwhile: the batch is refused for it, and sent again without it,
  // then record by record; meanwhile the database is locked. Only the real conflict is refused.
  s.server.store().runs.get(run.runId)!.params.set("lr", "0.1");
  run.logParam("lr", "0.2");
  run.logParam("epochs", "3");
  const locked = JSON.stringify({
    error_code: "BAD_REQUEST",
    message: "(sqlite3.OperationalError) database is locked",
  });
  s.server.faults.failNext(3, 400, { route: "runs/log-batch", body: locked });
  await assert.rejects(run.end(), /1 logged record/);
  const stored = s.server.store().runs.get(run.runId)!;
  assert.equal(stored.params.get("epochs"), "3");
  assert.equal(stored.params.get("lr"), "0.1");
  const refused = s.errors.map((e) => e.message).join("\n");
  assert.match(refused, /'lr'/);
  assert.doesNotMatch(refused, /database is locked/);
});

test("startRun under overload, its answers lost, creates exactly one run", async () => {
  await using s = await setup();
  await s.client.setExperiment("lost-answers");
  // The first create meets the pool timeout (nothing made); the client looks, then creates again.
  const created = s.server.store().runs.size;
  s.server.faults.failNext(1, 400, { route: "runs/create", body: poolTimeoutBody(15, 30_000) });
  const run = await s.client.startRun({ runName: "once" });
  assert.equal(s.server.store().runs.size, created + 1);
  assert.equal(s.server.count("runs/create"), 2);
  assert.ok(run.runId);
});

test("startRun whose answer is lost after the run was made finds it instead of making a second", async () => {
  await using s = await setup({ client: { timeoutMs: 300 } });
  await s.client.setExperiment("lost-answer");
  const before = s.server.store().runs.size;
  // The run is made, then the answer is held past the client's timeout.
  let held = 0;
  const handle = s.server.handle.bind(s.server);
  s.server.handle = async (request: Request) => {
    const answer = await handle(request);
    if (new URL(request.url).pathname.endsWith("runs/create") && held++ === 0) {
      await new Promise((r) => setTimeout(r, 600));
    }
    return answer;
  };
  const run = await s.client.startRun({ runName: "made-once" });
  s.server.handle = handle;
  assert.equal(s.server.store().runs.size, before + 1);
  assert.equal(s.server.store().runs.get(run.runId)?.info.run_name, "made-once");
});

test("run.end() answered with the pool-timeout BAD_REQUEST is retried, and the run ends", async () => {
  await using s = await setup();
  const run = await s.client.startRun({ runName: "ending" });
  run.logMetric("loss", 1, { step: 0 });
  s.server.faults.failNext(2, 400, { route: "runs/update", body: poolTimeoutBody(15, 30_000) });
  await run.end();
  assert.deepEqual(s.errors, []);
  assert.equal(s.server.store().runs.get(run.runId)?.info.status, "FINISHED");
});

test("a client on an overloaded server backs off with one notice and says when it caught up", async () => {
  await using s = await setup();
  const run = await s.client.startRun({ runName: "notices" });
  s.server.faults.failNext(3, 503, { route: "runs/log-batch" });
  for (let step = 0; step < 5000; step++) run.logMetric("loss", step, { step });
  await run.end();
  assert.deepEqual(s.errors, []);
  assert.equal(s.server.store().runs.get(run.runId)?.history.get("loss")?.length, 5000);
  const overload = s.notices.filter((m) => /overloaded/.test(m));
  const caught = s.notices.filter((m) => /caught up/.test(m));
  assert.equal(overload.length, 1, s.notices.join("\n"));
  assert.equal(caught.length, 1, s.notices.join("\n"));
  assert.ok(!s.notices.some((m) => /retrying up to/.test(m)), "no per-request notice");
});

test("8 processes on a fake server with a small pool deliver every point exactly once", async () => {
  const server = new FakeMlflowServer({ recordRequests: false });
  // 3 at once, 40 ms each; a request that waits 100 ms for a slot gets MLflow's pool-timeout
  // answer (16 requests in flight would wait ~200 ms).
  server.faults.pool({ size: 3, waitMs: 100, holdMs: 40 });
  const { url } = await server.listen();
  const spool = mkdtempSync(join(tmpdir(), "load-spool-"));
  try {
    const points = 3000;
    const children = Array.from({ length: 8 }, (_, i) => {
      const [cmd, argv] = runScript(
        "tests/fixtures/load_child.ts",
        url,
        "load",
        `p${i}`,
        String(points),
        join(spool, String(i)),
        "--wait-go",
      );
      const proc = spawn(cmd, argv, { stdio: ["pipe", "pipe", "pipe"] });
      let out = "";
      proc.stdout!.on("data", (d) => out += d);
      proc.stderr!.on("data", (d) => out += d);
      const done = new Promise<{ code: number; out: string }>((resolve) =>
        proc.on("exit", (code) => resolve({ code: code ?? -1, out }))
      );
      const ready = async () => {
        while (!out.includes("RUN ") && proc.exitCode === null) {
          await new Promise((r) => setTimeout(r, 20));
        }
      };
      return { proc, done, ready };
    });
    // Every process has its run; then all log at once.
    await Promise.all(children.map((c) => c.ready()));
    for (const c of children) c.proc.stdin!.write("go\n");
    const results = await Promise.all(children.map((c) => c.done));
    for (const r of results) {
      assert.equal(r.code, 0, r.out);
      assert.ok((r.out.match(/NOTICE the server is overloaded/g) ?? []).length <= 1, r.out);
    }
    assert.ok(server.faults.poolTimeouts > 0, "the pool was overloaded");
    const runs = [...server.store().runs.values()].filter((r) => /^p\d$/.test(r.info.run_name));
    assert.equal(runs.length, 8);
    for (const r of runs) {
      const history = r.history.get("loss") ?? [];
      assert.equal(history.length, points, r.info.run_name);
      assert.equal(new Set(history.map((p) => p.step)).size, points);
      assert.equal(r.info.status, "FINISHED");
    }
  } finally {
    await server.close();
    rmSync(spool, { recursive: true, force: true });
  }
});
