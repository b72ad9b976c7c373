/**
 * Backing off as a group, on a fake clock: many clients on one server that
 * serves a few batches at a time converge on a short queue and keep it busy;
 * a single client on an idle server, or a far one, keeps two batches in
 * flight with no gap; an artifact's long upload, a refused attempt or a
 * clock stepping back does not slow the batches; a pause in logging ends the
 * back-off; overload cuts the window to one, one notice each way; answers
 * slower than the target space batches out. Each client runs the real `Pace`
 * against a simulated server (first come, first served, `slots` batches at a
 * time) or single answers on a fake clock.
 */
import assert from "node:assert/strict";
import { Pace } from "../src/delivery/pace.ts";
import { poolTimeoutBody } from "../src/testing/mod.ts";
import { test } from "./harness.ts";

/** MLflow's words for a pool timeout (its default pool: 5 + 10 connections, 30 s). */
const POOL_TIMEOUT: string = JSON.parse(poolTimeoutBody(15, 30_000)).message;

/** A 1,000-point batch's JSON body, in characters. */
const FULL_BATCH = 75_000;

interface Simulation {
  /** Clients, each with an endless backlog of full batches. */
  clients: number;
  /** Batches the server works on at once. */
  slots: number;
  /** The server's time for one batch, in ms (the answer's time with no queue). */
  serviceMs: number;
  /** Simulated time, in ms. */
  durationMs: number;
  /** From when (ms) the queue is measured: the start, when all clients send at once, is left out. */
  settleMs: number;
  /** Clients with a fixed window of two and no pace (the client before pacing). */
  unpaced?: boolean;
}

interface Outcome {
  /** The most requests at the server (queued or served) after settling. */
  peak: number;
  /** The mean requests at the server after settling. */
  mean: number;
  /** The share of the server's slot time spent serving after settling (0..1). */
  busy: number;
  /** Batches answered, per client. */
  answered: number[];
  /** The clients' paces at the end. */
  paces: Pace[];
  /** Notices the clients gave. */
  notices: string[];
}

/** Runs `sim` event by event; returns how the server's queue went. */
function simulate(sim: Simulation): Outcome {
  let now = 0;
  const notices: string[] = [];
  const paces = Array.from({ length: sim.clients }, () =>
    new Pace({
      maxInFlight: 2,
      waiting: () => 1000,
      notify: (m) => notices.push(m),
      now: () => now,
    }));
  const inFlight = new Array<number>(sim.clients).fill(0);
  const wakeAt = new Array<number>(sim.clients).fill(0); // all start at once
  const answered = new Array<number>(sim.clients).fill(0);
  const queue: { client: number; sentAt: number }[] = [];
  let serving: { client: number; sentAt: number; doneAt: number }[] = [];
  let area = 0;
  let busyArea = 0;
  let peak = 0;
  const window = (c: number) => sim.unpaced ? 2 : paces[c].window;
  const gap = (c: number) => sim.unpaced ? 0 : paces[c].gapMs;
  const startService = () => {
    while (serving.length < sim.slots && queue.length > 0) {
      const next = queue.shift()!;
      serving.push({ ...next, doneAt: now + sim.serviceMs });
    }
  };
  while (now < sim.durationMs) {
    const nextDone = Math.min(...serving.map((s) => s.doneAt));
    const nextWake = Math.min(...wakeAt);
    const at = Math.min(nextDone, nextWake, sim.durationMs);
    // The time since the last event, at the queue as it was.
    if (now >= sim.settleMs) {
      const there = queue.length + serving.length;
      area += there * (at - now);
      busyArea += serving.length * (at - now);
    }
    now = at;
    if (now >= sim.durationMs) break;
    if (nextDone <= nextWake) {
      const done = serving.filter((s) => s.doneAt <= now);
      serving = serving.filter((s) => s.doneAt > now);
      for (const d of done) {
        inFlight[d.client]--;
        answered[d.client]++;
        paces[d.client].observe({
          overloaded: false,
          startedAt: d.sentAt,
          latencyMs: now - d.sentAt,
          route: "runs/log-batch",
          bytes: FULL_BATCH,
        });
        // The batcher waits the gap, then sends when the window has room.
        if (wakeAt[d.client] === Infinity) wakeAt[d.client] = now + gap(d.client);
      }
      startService();
    } else {
      const c = wakeAt.indexOf(nextWake);
      wakeAt[c] = Infinity;
      if (inFlight[c] < window(c)) {
        inFlight[c]++;
        queue.push({ client: c, sentAt: now });
        startService();
        if (inFlight[c] < window(c)) wakeAt[c] = now + gap(c);
      }
    }
    if (now >= sim.settleMs) peak = Math.max(peak, queue.length + serving.length);
  }
  const measured = sim.durationMs - sim.settleMs;
  return {
    peak,
    mean: area / measured,
    busy: busyArea / (sim.slots * measured),
    answered,
    paces,
    notices,
  };
}

/** A pace on a fake clock, what it told, and ways to feed it answers. */
interface Clocked {
  pace: Pace;
  notices: string[];
  /** A batch answered in `latencyMs` (2xx unless `ok` is false); the clock moves past it and the gap. */
  answer: (latencyMs: number, ok?: boolean) => void;
  /** An overload answer to a request sent now. */
  overload: (latencyMs: number, reason?: string) => void;
  /** Moves the clock on. */
  wait: (ms: number) => void;
}

function paceAt(waiting: () => number = () => 0): Clocked {
  let now = 0;
  const notices: string[] = [];
  const pace = new Pace({
    maxInFlight: 2,
    waiting,
    notify: (m) => notices.push(m),
    now: () => now,
  });
  return {
    pace,
    notices,
    answer: (latencyMs, ok = true) => {
      pace.observe({
        overloaded: false,
        startedAt: now,
        latencyMs,
        route: "runs/log-batch",
        bytes: FULL_BATCH,
        ok,
      });
      now += Math.max(0, latencyMs) + pace.gapMs;
    },
    overload: (latencyMs, reason) => {
      pace.observe({ overloaded: true, startedAt: now, latencyMs, reason });
    },
    wait: (ms) => {
      now += ms;
    },
  };
}

// MLflow's SQL store on 2 workers: two batches at a time, ~150 ms each (1,000 points, sqlite, 2
// cores); 15 pool connections a worker, and a log-batch holds two, so ~15 requests waiting in one
// worker stall it for its 30 s pool timeout (seen with 32 clients at one request each).
const MLFLOW = { slots: 2, serviceMs: 150 };

test("32 clients started at once converge on a short queue and keep the server busy", () => {
  const paced = simulate({
    ...MLFLOW,
    clients: 32,
    durationMs: 180_000,
    settleMs: 30_000,
  });
  // Well under 2 x 15: neither worker comes near its stall, however the requests split.
  assert.ok(paced.peak <= 24, `at most 24 requests at the server, saw ${paced.peak}`);
  assert.ok(paced.mean <= 14, `a short queue on average, saw ${paced.mean.toFixed(1)}`);
  assert.ok(paced.busy >= 0.95, `the server stays busy, ${(paced.busy * 100).toFixed(1)}%`);
  // No client starves: each is answered at least a quarter as often as an even share.
  const even = paced.answered.reduce((a, b) => a + b, 0) / 32;
  assert.ok(Math.min(...paced.answered) >= even / 4, paced.answered.join(","));
  // One notice per client, when it began to space batches out; none per request.
  assert.ok(paced.notices.length <= 64, `${paced.notices.length} notices`);
  // Without a pace, the same clients hold 64 requests at the server.
  const unpaced = simulate({
    ...MLFLOW,
    clients: 32,
    durationMs: 60_000,
    settleMs: 10_000,
    unpaced: true,
  });
  assert.equal(unpaced.peak, 64);
});

test("8 clients keep the server busy with no gaps forced on them for long", () => {
  const out = simulate({ ...MLFLOW, clients: 8, durationMs: 120_000, settleMs: 20_000 });
  assert.ok(out.busy >= 0.99, `busy ${(out.busy * 100).toFixed(1)}%`);
  assert.ok(out.peak <= 16, `peak ${out.peak}`);
  // The queue alone bounds them: one request each, and no client idles between its batches.
  for (const pace of out.paces) assert.equal(pace.gapMs, 0);
  // A client that said it was slowing down also said when it stopped.
  const busy = out.notices.filter((m) => /busy/.test(m)).length;
  assert.equal(out.notices.filter((m) => /caught up/.test(m)).length, busy, out.notices.join("\n"));
});

test("a single client on an idle server keeps two batches in flight and never waits", () => {
  const out = simulate({ ...MLFLOW, clients: 1, durationMs: 60_000, settleMs: 5_000 });
  const [pace] = out.paces;
  assert.equal(pace.window, 2);
  assert.equal(pace.gapMs, 0);
  assert.equal(pace.backingOff, false);
  assert.deepEqual(out.notices, []);
  // Two at a time, 150 ms each: about 13 batches a second, as fast as the server goes.
  assert.ok(out.busy >= 0.99, `busy ${(out.busy * 100).toFixed(1)}%`);
});

test("an artifact upload that takes a minute does not slow the batches", () => {
  const { pace, answer } = paceAt();
  for (let i = 0; i < 10; i++) answer(100);
  assert.equal(pace.window, 2);
  pace.observe({
    overloaded: false,
    startedAt: 1000,
    latencyMs: 60_000,
    route: "artifacts/model.onnx",
  });
  assert.equal(pace.window, 2);
  assert.equal(pace.gapMs, 0);
  assert.equal(pace.backingOff, false);
});

test("a far server (600 ms a batch, no queue) keeps two batches in flight and no gap", () => {
  const out = simulate({
    slots: 100,
    serviceMs: 600,
    clients: 1,
    durationMs: 60_000,
    settleMs: 10_000,
  });
  const [pace] = out.paces;
  assert.equal(pace.window, 2);
  assert.equal(pace.gapMs, 0);
  assert.deepEqual(out.notices, []);
  assert.ok(out.mean >= 1.9, `in flight ${out.mean.toFixed(2)}`);
});

test("a refused or dropped attempt, answered in 1 ms, is not taken for the server's speed", () => {
  const { pace, answer } = paceAt();
  answer(1, false); // a connection refused at once, or a fast 4xx
  for (let i = 0; i < 20; i++) answer(300); // a remote server's honest 300 ms
  assert.equal(pace.gapMs, 0);
  assert.equal(pace.window, 2);
});

test("a clock that steps back (a negative answer time) leaves the pace as it was", () => {
  const { pace, answer } = paceAt();
  for (let i = 0; i < 5; i++) answer(100);
  answer(-5000);
  answer(Number.NaN);
  for (let i = 0; i < 5; i++) answer(100);
  assert.equal(pace.gapMs, 0);
  assert.equal(pace.window, 2);
});

test("after a pause in logging, the first batch goes at once", () => {
  const { pace, answer } = paceAt();
  answer(100);
  answer(3000); // queued: two in flight is too many
  answer(3000); // still queued: a gap
  assert.ok(pace.gapMs > 0);
  pace.idle(); // nothing waits any more
  assert.equal(pace.gapMs, 0);
  assert.equal(pace.backingOff, false);
});

test("the window drops to one on overload and recovers when answers are fast, one notice each way", () => {
  let waiting = 5000;
  const { pace, notices, answer, overload, wait } = paceAt(() => waiting);
  // One batch in flight until answers show the server keeps up; then two.
  assert.equal(pace.window, 1);
  answer(50);
  assert.equal(pace.window, 2);
  for (let i = 0; i < 5; i++) overload(30_000, POOL_TIMEOUT);
  wait(30_000);
  assert.equal(pace.window, 1);
  assert.ok(pace.gapMs >= 250);
  assert.equal(notices.length, 1, "five overload answers in one round: one notice");
  assert.match(notices[0], /overloaded.*5000 record\(s\) wait/);
  // Fast answers close the gap and widen the window again.
  let steps = 0;
  while (pace.backingOff && steps < 100) {
    answer(50);
    steps++;
  }
  assert.ok(steps > 1, "recovery is gradual");
  assert.equal(pace.window, 2);
  assert.equal(pace.gapMs, 0);
  waiting = 0;
  assert.equal(notices.length, 2);
  assert.match(notices[1], /caught up/);
  // Busy again right after: the same episode, not told again (nor its end).
  wait(1000);
  overload(30_000);
  assert.equal(pace.window, 1);
  pace.idle();
  assert.equal(notices.length, 2);
});

test("batches answered slower than the target space out without any overload answer", () => {
  const { pace, notices, answer } = paceAt(() => 3000);
  answer(100); // the server's own time: the target is 600 ms
  assert.equal(pace.window, 2);
  answer(2400); // queued behind others: two in flight is too many
  assert.equal(pace.window, 1);
  assert.equal(pace.gapMs, 0);
  answer(2400); // still queued: a gap, sized by how far the answer overshot
  assert.ok(pace.gapMs >= 2000 && pace.gapMs <= 2600, `gap ${pace.gapMs}`);
  assert.equal(notices.length, 1);
  assert.match(notices[0], /busy \(a batch took 2400 ms to answer\).*3000 record\(s\) wait/);
  assert.doesNotMatch(notices[0], /retrying/, "nothing failed, nothing is retried");
  // The queue shrinks: the gap closes in proportion, then the window opens again.
  answer(300);
  assert.ok(pace.gapMs < 1500, `gap ${pace.gapMs}`);
  for (let i = 0; i < 5; i++) answer(100);
  assert.equal(pace.gapMs, 0);
  assert.equal(pace.window, 2);
  assert.equal(notices.length, 2);
  assert.match(notices[1], /caught up/);
});
