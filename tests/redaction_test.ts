/** `@tracked` never logs a secret, however the value is rendered into a param. */
import assert from "node:assert/strict";
import { tracked } from "../mod.ts";
import { isSecretKey, redactValue } from "../src/core/redact.ts";
import { test } from "./harness.ts";
import { inProcess } from "./helpers.ts";

const SECRET = "s3cr3t-VALUE-9f8e7d6c5b4a";

class Cfg {
  constructor(public apiKey: string, public lr = 0.01) {}
}

test("secrets in class instances, Maps, arrays, deep objects and odd key names are hidden", async () => {
  const { client, runs, server } = inProcess({ retry: { maxRetries: 0 } });
  let deep: Record<string, unknown> = { password: SECRET, visible: "yes" };
  for (let i = 0; i < 7; i++) deep = { [`level${i}`]: deep }; // deeper than flattening goes
  const train = tracked(
    (
      _cfg: Cfg,
      _headers: Map<string, string>,
      _users: { name: string; password: string }[],
      _deep: Record<string, unknown>,
      _keys: Record<string, string>,
      _header: string,
      _db: string,
      _summary: { nested: { clientSecret: string; batch: number } }[],
    ) => 0,
    { client, runName: "secrets" },
  );
  train(
    new Cfg(SECRET),
    new Map([["token", SECRET], ["accept", "json"]]),
    [{ name: "ann", password: SECRET }],
    deep,
    {
      secret_key: SECRET,
      pwd: SECRET,
      passphrase: SECRET,
      private_key: SECRET,
      access_key: SECRET,
      client_secret: SECRET,
      clientSecret: SECRET,
      "x-api-key": SECRET,
      optimizer: "adam",
    },
    `Bearer ${SECRET}`,
    `postgres://trainer:${SECRET}@db.internal:5432/runs`,
    [{ nested: { clientSecret: SECRET, batch: 32 } }],
  );
  await client.flush();
  const [run] = runs();
  const params = Object.fromEntries(run.params);
  const all = JSON.stringify(params);
  assert.ok(!all.includes(SECRET), `a secret was logged: ${all}`);
  assert.ok(!JSON.stringify(server.requests).includes(SECRET), "a secret reached the server");
  // What is not secret is still there.
  assert.match(params._cfg, /Cfg \{apiKey: \*\*\*, lr: 0.01\}/);
  assert.match(params._headers, /"token" => \*\*\*, "accept" => "json"/);
  assert.match(params._users, /name: "ann", password: \*\*\*/);
  assert.equal(params["_keys.optimizer"], "adam");
  for (
    const k of ["secret_key", "pwd", "passphrase", "private_key", "access_key", "client_secret"]
  ) {
    assert.equal(params[`_keys.${k}`], "***", k);
  }
  assert.equal(params._header, "Bearer ***");
  assert.equal(params._db, "postgres://trainer:***@db.internal:5432/runs");
  assert.match(params._summary, /batch: 32/);
  const deepKey = Object.keys(params).find((k) => k.startsWith("_deep."))!;
  assert.equal(params[deepKey], `{level0: {password: ***, visible: "yes"}}`);
  await client.close();
});

test("the key rule matches word parts, not substrings", () => {
  for (
    const k of [
      "secret_key",
      "clientSecret",
      "x-api-key",
      "APIKey",
      "pwd",
      "db.passphrase",
      "auth_token",
      "hfToken",
      "sessionKey",
      "auth",
    ]
  ) assert.ok(isSecretKey(k), k);
  for (
    const k of [
      "max_tokens",
      "tokenizer",
      "pad_token_id",
      "token_count",
      "primary_key",
      "sort_key",
      "author",
      "keyboard",
      "secretary_name",
    ]
  ) assert.ok(!isSecretKey(k), k);
});

test("credentials that show themselves in a value are hidden, the rest of the value kept", () => {
  assert.equal(redactValue("Authorization: Bearer abc.def-123456"), "Authorization: Bearer ***");
  assert.equal(redactValue("https://u:p4ss@host/x?y=1"), "https://u:***@host/x?y=1");
  assert.equal(redactValue("key sk-abcdefghijklmnopqrstuvwx end"), "key *** end");
  assert.equal(redactValue("no secret here: lr=0.01"), "no secret here: lr=0.01");
});

test("a failed call's error.message tag hides credentials too", async () => {
  const { client, runs } = inProcess({ retry: { maxRetries: 0 } });
  const fail = tracked(() => {
    throw new Error(`could not reach https://bot:${SECRET}@hub.example/api`);
  }, { client, runName: "fails" });
  assert.throws(() => fail());
  await client.flush();
  const message = runs()[0].tags.get("error.message")!;
  assert.ok(!message.includes(SECRET), message);
  assert.match(message, /https:\/\/bot:\*\*\*@hub.example/);
  await client.close();
});
