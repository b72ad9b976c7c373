/**
 * `@tracked` scrubs every value the client knows to be a secret (its key,
 * Basic credentials, the workload key) from every param, tag and notice it
 * renders; secret-like URL query parameters and command-line options are
 * hidden; a server echoing the key in another encoding is scrubbed too.
 */
import assert from "node:assert/strict";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import process from "node:process";
import { AuthError, tracked, TrackingClient } from "../mod.ts";
import { isSecretKey, redactValue } from "../src/core/redact.ts";
import { Secrets } from "../src/http/secrets.ts";
import { test } from "./harness.ts";
import { setup } from "./helpers.ts";

const KEY = "Key-0f1e2d3c4b5a69788796a5b4";
const PASSWORD = "basic-Pa55word-1234567";
const WORKLOAD = "workload-key-abcdefghij0123";

/** Everything a run holds as text: params and tags. */
async function stored(s: Awaited<ReturnType<typeof setup>>) {
  await s.client.flush();
  const run = [...s.server.store().runs.values()][0];
  return { params: Object.fromEntries(run.params), tags: Object.fromEntries(run.tags) };
}

test("@tracked with ['--api-key', KEY] logged the client's own key; now every form of it is ***", async () => {
  await using s = await setup({
    server: { apiKey: KEY },
    client: { apiKey: KEY, onNotice: () => {} },
  });
  const notices: string[] = [];
  const client = new TrackingClient({
    apiHost: s.url,
    apiKey: KEY,
    onNotice: (m) => notices.push(m),
    retry: { maxRetries: 0 },
    spoolPath: s.spoolPath,
  });
  const train = tracked(
    (_argv: string[], _note: string, _line: string, _opts: { endpoint: string }) => 0,
    { client, runName: (argv: string[]) => argv.length > 4 ? `cli ${argv.join(" ")}` : "cli" },
  );
  train(
    ["--api-key", KEY, "--epochs", "3"],
    `launched with ${KEY} (${btoa(KEY)})`,
    `train.ts --token ${KEY} --lr 0.1`,
    { endpoint: `https://hub.example/v1?auth=${encodeURIComponent(KEY)}` },
  );
  // A run name made from the arguments: the key is scrubbed from it too.
  train(["--api-key", KEY, "--epochs", "3", "--x"], "", "", { endpoint: "" });
  await client.flush();
  await client.close();
  const names = [...s.server.store().runs.values()].map((r) => r.info.run_name);
  assert.deepEqual(names.sort(), ["cli", "cli --api-key *** --epochs 3 --x"]);
  const run = [...s.server.store().runs.values()].find((r) => r.info.run_name === "cli")!;
  const params = Object.fromEntries(run.params);
  const all = JSON.stringify(params);
  assert.ok(!all.includes(KEY) && !all.includes(btoa(KEY)), all);
  assert.match(params._argv, /\["--api-key", "\*\*\*", "--epochs", "3"\]/);
  assert.equal(params._line, "train.ts --token *** --lr 0.1");
  assert.ok(!JSON.stringify(notices).includes(KEY));
});

test("URL arguments keep ?token=A&api_key=B no more: secret-like query parameters are ***", async () => {
  await using s = await setup({ client: { onNotice: () => {} } });
  const fetchData = tracked(
    (_source: URL, _mirror: string) => 0,
    { client: s.client, runName: "urls" },
  );
  fetchData(
    new URL("https://data.example/set?token=AAAAAAAA&api_key=BBBBBBBB&split=train"),
    "https://mirror.example/x?sessionid=CCCCCCCC&X-Amz-Signature=DDDDDDDD&page=2",
  );
  const { params } = await stored(s);
  assert.equal(
    params._source,
    "https://data.example/set?token=***&api_key=***&split=train",
  );
  assert.ok(!/AAAA|BBBB|CCCC/.test(JSON.stringify(params)), JSON.stringify(params));
  assert.match(params._mirror, /page=2$/);
});

test("Basic credentials and the workload key are scrubbed from params, error tags and notices", async () => {
  const saved = process.env.OIP_WORKLOAD_ACCESS_KEY;
  process.env.OIP_WORKLOAD_ACCESS_KEY = WORKLOAD;
  try {
    await using s = await setup({
      client: {
        headers: { Authorization: `Basic ${btoa(`trainer:${PASSWORD}`)}` },
        onNotice: (m) => told.push(m),
      },
    });
    const told: string[] = [];
    const work = tracked(
      (_a: string, _b: { nested: string[] }) => {
        throw new Error(`refused: ${PASSWORD} / ${WORKLOAD}`);
      },
      {
        client: s.client,
        runName: "basic",
        params: (a: string) => ({ a, bad: () => WORKLOAD, [`k${WORKLOAD}`]: WORKLOAD }),
      },
    );
    assert.throws(() => work(`user pass ${PASSWORD}`, { nested: [WORKLOAD] }));
    const { params, tags } = await stored(s);
    const text = JSON.stringify({ params, tags, told });
    for (const secret of [PASSWORD, WORKLOAD]) assert.ok(!text.includes(secret), text);
    assert.equal(params.a, "user pass ***");
    assert.equal(tags["error.message"], "refused: *** / ***");
    assert.ok(told.some((m) => m.includes("param skipped")), told.join("\n"));
  } finally {
    if (saved === undefined) delete process.env.OIP_WORKLOAD_ACCESS_KEY;
    else process.env.OIP_WORKLOAD_ACCESS_KEY = saved;
  }
});

test("the key rule also covers bearer, sessionid, auth_header and privKey", async () => {
  for (
    const k of [
      "bearer",
      "bearer_token",
      "sessionid",
      "session_id",
      "sessionId",
      "JSESSIONID",
      "auth_header",
      "authHeader",
      "privKey",
      "priv_key",
    ]
  ) assert.ok(isSecretKey(k), k);
  for (const k of ["session_count", "header_rows", "privacy_level", "id", "bearing"]) {
    assert.ok(!isSecretKey(k), k);
  }
  await using s = await setup({ client: { onNotice: () => {} } });
  const call = tracked((_o: Record<string, string>) => 0, { client: s.client, runName: "keys" });
  call({ bearer: "v1-secret", sessionid: "v2-secret", auth_header: "v3-secret", privKey: "v4" });
  const { params } = await stored(s);
  assert.deepEqual(
    [params["_o.bearer"], params["_o.sessionid"], params["_o.auth_header"], params["_o.privKey"]],
    ["***", "***", "***", "***"],
  );
  assert.equal(redactValue("run --password hunter22 --lr 1"), "run --password *** --lr 1");
  assert.equal(redactValue("--api-key=abc123"), "--api-key=***");
});

test("a server echoing the key base64-, base64url- or URL-encoded is scrubbed from the error", async () => {
  // A key whose base64 holds '+' and '/', so that base64url differs from it.
  const key = "k\u00fb\u00ff>?~-secret-key-000111";
  const utf8b64 = (text: string) => btoa(String.fromCharCode(...new TextEncoder().encode(text)));
  const b64 = utf8b64(key);
  const b64url = b64.replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
  const wrapped = utf8b64(JSON.stringify({ session: { api_key: key } }));
  assert.notEqual(b64, b64url);
  const server = createServer((req, res) => {
    res.writeHead(401, { "Content-Type": "text/html" });
    res.end(
      `<pre>bad key ${b64} / ${b64url} / ${
        encodeURIComponent(key)
      } / ${wrapped} for ${req.url}</pre>`,
    );
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const client = new TrackingClient({ apiHost: url, apiKey: key, onNotice: () => {} });
  try {
    const err = await client.getExperiment("1").then(() => undefined, (e: unknown) => e);
    assert.ok(err instanceof AuthError, String(err));
    const text = `${err.message}\n${err.stack}`;
    for (const form of [key, b64, b64url, b64.replace(/=+$/, ""), encodeURIComponent(key)]) {
      assert.ok(!text.includes(form), `${form} in ${text}`);
    }
    // Inside a longer encoded text, the part that encodes the key alone is gone too.
    const encodedKey = new Secrets().add(key).scrub(wrapped);
    assert.notEqual(encodedKey, wrapped);
    assert.ok(!text.includes(wrapped));
  } finally {
    await client.close();
    await new Promise((r) => server.close(r));
  }
});

test("withRun's error tags carry no secret the client knows", async () => {
  await using s = await setup({ client: { apiKey: KEY, onNotice: () => {} } });
  await assert.rejects(
    s.client.withRun({ runName: "fails" }, () => {
      throw new Error(`upstream said: bad key ${KEY}`);
    }),
  );
  const { tags } = await stored(s);
  assert.equal(tags["error.message"], "upstream said: bad key ***");
});
