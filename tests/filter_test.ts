import assert from "node:assert/strict";
import { type FieldReader, matches, parseFilter, parseOrderBy } from "../src/core/filter.ts";
import { ValidationError } from "../mod.ts";
import { test } from "./harness.ts";

const run: FieldReader = (kind, key) =>
  ({
    attribute: { run_name: "it's-a-run", status: "FINISHED", start_time: 100 },
    tag: { team: "vision", "with space": "yes" },
    param: { lr: "0.01" },
    metric: { loss: 0.25 },
  } as Record<string, Record<string, string | number>>)[kind][key];

test("filters match attributes, tags, params and metrics joined by AND", () => {
  const yes = [
    "attributes.status = 'FINISHED'",
    "status != 'FAILED'",
    "tags.team = 'vision' AND params.lr = '0.01'",
    "metrics.loss < 0.5 and metrics.loss >= 0.25",
    `attributes.run_name = "it's-a-run"`,
    "tags.`with space` = 'yes'",
    "attributes.run_name LIKE 'it%'",
    "attributes.run_name ILIKE 'IT_S%'",
    "",
  ];
  for (const f of yes) assert.ok(matches(parseFilter(f), run), f);
  const no = [
    "metrics.loss > 0.5",
    "tags.missing = 'x'",
    "tags.team = 'nlp'",
    "status LIKE 'RUN%'",
  ];
  for (const f of no) assert.ok(!matches(parseFilter(f), run), f);
});

test("malformed filters are ValidationErrors naming the clause", () => {
  for (const f of ["metrics.loss <", "tags.x ~ 'y'", "= 'x'", "params.a = unquoted"]) {
    assert.throws(() => parseFilter(f), ValidationError, f);
  }
});

test("order_by clauses parse with their direction", () => {
  assert.deepEqual(parseOrderBy(["metrics.loss DESC", "attributes.start_time", "name asc"]), [
    { kind: "metric", key: "loss", ascending: false },
    { kind: "attribute", key: "start_time", ascending: true },
    { kind: "attribute", key: "name", ascending: true },
  ]);
});

test("AND inside a quoted value is part of the value, not a separator", () => {
  const named: FieldReader = (kind, key) =>
    kind === "attribute" && key === "run_name" ? "train and eval" : undefined;
  assert.ok(matches(parseFilter("attributes.run_name = 'train and eval'"), named));
  assert.equal(parseFilter("run_name = 'a and b' AND status = 'X'").length, 2);
  assert.equal(parseFilter("run_name = 'a and b' AND status = 'X'")[0].value, "a and b");
});
