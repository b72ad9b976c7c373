/**
 * The fast reader of metric lines (`store/metric_scan.ts`) reads every line
 * exactly as the plain one (`parseMetricLines` of `core/file_io.ts`): the same
 * numbers bit for bit, the same lines refused with the same line numbers.
 */
import assert from "node:assert/strict";
import { parseMetricLines } from "../src/core/file_io.ts";
import { parsePoints, scanLatest } from "../src/store/metric_scan.ts";
import { test } from "./harness.ts";

/** A deterministic generator (no flaky seeds). */
function random(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

function values(): string[] {
  const r = random(42);
  const out = [
    "0",
    "-0",
    "0.0",
    "-0.0",
    "1",
    "3.0",
    "1.",
    ".5",
    "+.5",
    "-.5",
    "+1.5",
    "1e-07",
    "1E+21",
    "1.5e3",
    "2.5E-3",
    "1e999",
    "-1e999",
    "1e-400",
    "123456789012345",
    "1234567890123456",
    "12345678901234567890",
    "0.1",
    "0.30000000000000004",
    "9007199254740993",
    "1e22",
    "1e23",
    "4.9e-324",
    "1.7976931348623157e308",
    "nan",
    "NaN",
    "-nan",
    "+NAN",
    "inf",
    "-inf",
    "+inf",
    "Infinity",
    "-Infinity",
    "INFINITY",
    "0.000000000000000000001",
    "00012.5000",
    "7e0",
  ];
  for (let i = 0; i < 20000; i++) {
    const x = (r() - 0.5) * 10 ** Math.floor(r() * 40 - 20);
    out.push(String(x), x.toPrecision(1 + Math.floor(r() * 17)), x.toFixed(Math.floor(r() * 10)));
    out.push(x.toExponential(Math.floor(r() * 16)));
  }
  return out;
}

const BAD_VALUES = [
  "",
  "abc",
  "1..2",
  "1e",
  "e5",
  ".",
  "+",
  "-",
  "1e+",
  "0x10",
  "1_0",
  "in",
  "nana",
  "1.5f",
  "--1",
  "+-1",
  " 1",
];

test("history reads every value form as the plain reader does, bit for bit", () => {
  const lines: string[] = [];
  values().forEach((v, i) => lines.push(`${1_700_000_000_000 + i} ${v} ${i % 3 === 0 ? -i : i}`));
  values().slice(0, 50).forEach((v, i) => lines.push(`${i} ${v}`)); // no step: 0
  const text = lines.join("\n") + "\n";
  const plain = parseMetricLines("k", text);
  const fast = parsePoints("k", text);
  assert.equal(fast.length, plain.length);
  for (let i = 0; i < plain.length; i++) {
    const [a, b] = [plain[i], fast[i]];
    assert.ok(
      Object.is(a.value, b.value) && a.step === b.step && a.timestamp === b.timestamp,
      `line ${i + 1}: ${lines[i]} read as ${b.value} ${b.step} ${b.timestamp}`,
    );
  }
});

test("lines that are not metric lines are refused as the plain reader refuses them", () => {
  const lines = [
    "1 0.5 2",
    ...BAD_VALUES.map((v) => `1 ${v} 2`),
    "1.5 0.5 2",
    "1 0.5 2.5",
    "-1 0.5 -2",
    "1 0.5 2 x",
    "1 0.5 ",
    " 1 0.5 2",
    "1  0.5 2",
    "x 1 2",
    "1 0.5 2\r",
    "12345678901234567890 1 12345678901234567890",
    "-",
    "1",
    "",
    "é 1 2",
    "3 4 5",
    "17000",
  ];
  const text = lines.join("\n"); // the last one torn
  const told = (parse: typeof parsePoints) => {
    const bad: [number, string][] = [];
    const points = parse("k", text, (n, line) => bad.push([n, line]));
    return { points: points.map((p) => [p.timestamp, p.value, p.step]), bad };
  };
  const plain = told(parseMetricLines);
  assert.deepEqual(told(parsePoints), plain);
  assert.ok(plain.bad.length > 20);
  const latest = scanLatest(text, 0, undefined, 1);
  assert.deepEqual(latest.latest, {
    step: 12345678901234567000,
    timestamp: 12345678901234567000,
    value: 1,
  });
  assert.equal(latest.lines, lines.length - 1);
});
