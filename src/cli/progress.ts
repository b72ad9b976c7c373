/**
 * Progress of a long sync, as users know it from `rsync --info=progress2`: on
 * a terminal one line redrawn in place (runs and points done of the total,
 * rate, time left); elsewhere (a CI log) a plain line every few seconds.
 *
 * @module
 */
import type { SyncProgress } from "../../mod.ts";
import { plural } from "./format.ts";

/** Where progress is written, and whether it is a terminal. */
export interface ProgressSink {
  write(text: string): void;
  tty: boolean;
}

function seconds(s: number): string {
  if (!Number.isFinite(s)) return "?";
  return s < 60
    ? `${Math.ceil(s)}s`
    : `${Math.floor(s / 60)}m${String(Math.ceil(s % 60)).padStart(2, "0")}s`;
}

/** A progress printer for a sync; `done()` ends its line. */
export function syncProgress(
  sink: ProgressSink,
  intervalMs = 5_000,
  now: () => number = Date.now,
): { update(p: SyncProgress): void; done(): void } {
  const started = now();
  let lastLine = 0;
  let drawn = false;
  const line = (p: SyncProgress) => {
    const runs = `${p.runsDone}/${plural(p.runsTotal, "run")}`;
    if (p.pointsTotal === 0) return `${runs}, no metric points to send`;
    const elapsed = Math.max(0.001, (now() - started) / 1000);
    const rate = p.pointsSent / elapsed;
    const pct = Math.floor(100 * p.pointsSent / p.pointsTotal);
    const points = `${p.pointsSent.toLocaleString("en")}/${p.pointsTotal.toLocaleString("en")}`;
    if (p.pointsSent >= p.pointsTotal) return `${runs}, ${points} points (100%)`;
    // No rate yet (nothing sent): no guess at the time left either.
    const pace = rate > 0
      ? `, ${Math.round(rate).toLocaleString("en")} points/s, ` +
        `${seconds((p.pointsTotal - p.pointsSent) / rate)} left`
      : "";
    return `${runs}, ${points} points (${pct}%)${pace}`;
  };
  return {
    update(p) {
      const t = now();
      if (sink.tty) {
        if (t - lastLine < 100 && p.runsDone < p.runsTotal) return; // at most 10 redraws a second
        sink.write(`\r\x1b[K  ${line(p)}`);
        drawn = true;
      } else {
        if (t - lastLine < intervalMs) return;
        sink.write(`  ${line(p)}\n`);
      }
      lastLine = t;
    },
    done() {
      if (sink.tty && drawn) sink.write("\n");
    },
  };
}
