import assert from "node:assert/strict";
import { captureParams, parameterNames } from "../src/tracked/param_capture.ts";
import { isSecretKey } from "../src/core/redact.ts";
import { test } from "./harness.ts";

// deno-lint-ignore no-explicit-any
type Fn = (...args: any[]) => unknown;

test("parameter names come back from every function form", () => {
  const cases: [Fn, unknown[]][] = [
    [function plain(a: number, b: string) {
      return [a, b];
    }, ["a", "b"]],
    [async function withDefaults(lr = 0.01, name = "x,y", obj = { a: [1, 2] }) {
      await 0;
      return [lr, name, obj];
    }, ["lr", "name", "obj"]],
    [(x: number) => x, ["x"]],
    [async (x: number, y: number) => await x + y, ["x", "y"]],
    [(a: number, ...rest: number[]) => a + rest.length, ["a", { rest: "rest" }]],
    [({ lr, epochs }: { lr: number; epochs: number }, [a, b]: number[]) => lr + epochs + a + b, [
      undefined,
      "arg1",
    ]],
    [(
      // a comment, with a comma
      first: number, /* another, comma */
      second = "(paren)",
    ) => first + second, ["first", "second"]],
  ];
  for (const [fn, expected] of cases) assert.deepEqual(parameterNames(fn), expected, fn.toString());
  class K {
    method(alpha: number, beta: number) {
      return alpha + beta;
    }
    async asyncMethod(gamma: number) {
      return await gamma;
    }
  }
  assert.deepEqual(parameterNames(K.prototype.method), ["alpha", "beta"]);
  assert.deepEqual(parameterNames(K.prototype.asyncMethod), ["gamma"]);
  // Bun prints a decorated method with its computed key: `[(_dec = [d], "fit")](samples) {}`.
  const computed = eval('({ [(0, "fit")](samples, opts = { a: (1, 2) }) { return samples; } })');
  assert.deepEqual(parameterNames(computed.fit), ["samples", "opts"]);
  const unary = eval("async v => v") as Fn;
  assert.deepEqual(parameterNames(unary), ["v"]);
  assert.deepEqual(parameterNames(Math.max as Fn), [], "native code has no names");
});

test("captured params: destructured keys, rest arrays, missing names as arg<i>", () => {
  const fn = ({ lr }: { lr: number }, tag: string, ...more: number[]) => [lr, tag, more];
  const { params } = captureParams(fn, [{ lr: 0.1, momentum: 0.9 }, "t", 1, 2]);
  assert.deepEqual(params, { lr: "0.1", momentum: "0.9", tag: "t", more: "[1, 2]" });
  const native = captureParams(Math.max as Fn, [1, 2]);
  assert.deepEqual(native.params, { arg0: "1", arg1: "2" });
});

test("undefined arguments are left out; keys MLflow refuses are skipped with a reason", () => {
  const fn = (a?: number, opts?: Record<string, number>) => [a, opts];
  const { params, skipped } = captureParams(fn, [undefined, { "bad!key": 1, ok: 2 }]);
  assert.deepEqual(params, { "opts.ok": "2" });
  assert.equal(skipped.length, 1);
  assert.match(skipped[0], /bad!key/);
});

test("secret detection is by whole segments, case and separators ignored", () => {
  for (
    const k of [
      "apiKey",
      "API_KEY",
      "auth_token",
      "db.Password",
      "x.client-secret",
      "aws_access_key",
      "Authorization",
      "credentials",
      "key",
    ]
  ) {
    assert.ok(isSecretKey(k), k);
  }
  for (
    const k of ["max_tokens", "tokenizer", "keyboard", "monkey", "secretary_name", "passwordless"]
  ) {
    assert.ok(!isSecretKey(k), k);
  }
  assert.ok(isSecretKey("session", ["session"]));
  assert.ok(isSecretKey("my.thing", [/thing$/]));
  assert.ok(!isSecretKey("password", false));
});
