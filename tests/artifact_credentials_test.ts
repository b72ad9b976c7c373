/**
 * Credentials go only to the tracking server's origin: a run whose artifact
 * URI points at another origin (anyone who can set an experiment's
 * `artifact_location` on a shared server) gets no key there, unless the user
 * names that origin in `artifactCredentialOrigins`. Two fake servers on
 * loopback record the headers they receive.
 */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { AuthError, TrackingClient, type TrackingClientOptions, ValidationError } from "../mod.ts";
import { FakeMlflowServer } from "../src/testing/mod.ts";
import { test } from "./harness.ts";
import { FAST_RETRY } from "./helpers.ts";

const KEY = "tracking-key-0123456789";
const TEAM = "team-header-secret-42";

/** A tracking server whose runs keep their artifacts on `elsewhere` (another origin). */
async function twoOrigins(elsewhereKey?: string) {
  const tracking = new FakeMlflowServer({ apiKey: KEY });
  const elsewhere = new FakeMlflowServer(elsewhereKey ? { apiKey: elsewhereKey } : {});
  const trackingUrl = (await tracking.listen()).url;
  const elsewhereUrl = (await elsewhere.listen()).url; // another port: another origin
  tracking.store().artifactUri = (e, r) =>
    `${elsewhereUrl}/api/2.0/mlflow-artifacts/artifacts/${e}/${r}/artifacts`;
  const dir = mkdtempSync(join(tmpdir(), "cred-origins-"));
  const client = (extra: Partial<TrackingClientOptions> = {}) =>
    new TrackingClient({
      apiHost: trackingUrl,
      apiKey: KEY,
      headers: { "X-Team-Token": TEAM },
      retry: FAST_RETRY,
      spoolPath: join(dir, "spool"),
      onNotice: () => {},
      ...extra,
    });
  return {
    tracking,
    elsewhere,
    elsewhereOrigin: new URL(elsewhereUrl).origin,
    dir,
    client,
    async [Symbol.asyncDispose]() {
      await Promise.all([tracking.close(), elsewhere.close()]);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

test("a run's artifact URI on another origin receives no key (MLflow's Python client sends it)", async () => {
  await using s = await twoOrigins();
  const client = s.client();
  await client.setExperiment("shared");
  const run = await client.startRun();
  await run.logText("hello", "notes/a.txt");
  const listed = await client.listArtifacts(run.runId, "notes");
  assert.deepEqual(listed.map((e) => e.path), ["notes/a.txt"]);
  await client.downloadArtifacts(run.runId, "notes/a.txt", join(s.dir, "down"));
  await run.end();
  await client.close();
  assert.ok(s.elsewhere.requests.length >= 3, `${s.elsewhere.requests.length} requests`);
  for (const r of s.elsewhere.requests) {
    assert.equal(r.headers["authorization"], undefined, `${r.method} ${r.route}`);
    assert.equal(r.headers["x-team-token"], undefined, `${r.method} ${r.route}`);
  }
  // The tracking server itself got the key on every request.
  assert.ok(s.tracking.requests.every((r) => r.headers["authorization"] === `Bearer ${KEY}`));
});

test("artifactCredentialOrigins naming that origin sends the key there", async () => {
  await using s = await twoOrigins(KEY);
  const client = s.client({ artifactCredentialOrigins: [s.elsewhereOrigin] });
  await client.setExperiment("shared");
  const run = await client.startRun();
  await run.logText("hello", "a.txt");
  assert.deepEqual((await client.listArtifacts(run.runId)).map((e) => e.path), ["a.txt"]);
  await run.end();
  await client.close();
  assert.ok(s.elsewhere.requests.length > 0);
  for (const r of s.elsewhere.requests) {
    assert.equal(r.headers["authorization"], `Bearer ${KEY}`);
  }
});

test("storage that wants a key it was not sent says which option sends it", async () => {
  await using s = await twoOrigins(KEY);
  const client = s.client();
  await client.setExperiment("shared");
  const run = await client.startRun();
  await assert.rejects(
    client.listArtifacts(run.runId),
    (e: unknown) =>
      e instanceof AuthError && e.message.includes("no credentials were sent to") &&
      e.message.includes(`artifactCredentialOrigins: ["${s.elsewhereOrigin}"]`) &&
      !e.message.includes(KEY),
  );
  await run.end();
  await client.close();
});

test("artifactCredentialOrigins takes origins only", () => {
  for (
    const bad of [
      "https://storage.example/path",
      "ftp://storage.example",
      "storage.example",
      "https://user:pw@storage.example",
      "https://storage.example?x=1",
    ]
  ) {
    assert.throws(
      () =>
        new TrackingClient({ apiHost: "http://127.0.0.1:5000", artifactCredentialOrigins: [bad] }),
      (e: unknown) =>
        e instanceof ValidationError && /artifactCredentialOrigins/.test(e.message) &&
        !e.message.includes("pw"),
      bad,
    );
  }
  const ok = new TrackingClient({
    apiHost: "http://127.0.0.1:5000",
    artifactCredentialOrigins: ["https://storage.example:8443", "http://10.0.0.2/"],
  });
  void ok.close();
});
