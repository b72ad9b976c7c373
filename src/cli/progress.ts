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
    const elapsed = Math.max(0.001, (now() - started) / 1000);
    const rate = p.pointsSent / elapsed;
    const left = rate > 0 ? (p.pointsTotal - p.pointsSent) / rate : Infinity;
    const pct = p.pointsTotal > 0 ? Math.floor(100 * p.pointsSent / p.pointsTotal) : 100;
    return `${p.runsDone}/${plural(p.runsTotal, "run")}, ` +
      `${p.pointsSent.toLocaleString("en")}/${
        p.pointsTotal.toLocaleString("en")
      } points (${pct}%), ` +
      `${Math.round(rate).toLocaleString("en")} points/s, ${seconds(left)} left`;
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
