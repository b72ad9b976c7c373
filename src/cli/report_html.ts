/**
 * `cli show RUN_ID --html report.html`: one self-contained HTML page for a
 * run (no script, no font, no request: it opens offline and prints), with an
 * SVG chart per metric over its whole history (a log scale when it spans
 * orders of magnitude), its numbers, the params, the tags, the datasets and the
 * artifact files.
 *
 * @module
 */
import { duration, fmt, when } from "./format.ts";
import type { MetricSummary } from "./metric_summary.ts";
import { datasetLines, type RunView } from "./show_run.ts";
import { bytes } from "./artifact_list.ts";

const esc = (s: string) =>
  s.replace(
    /[&<>"']/g,
    (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;" })[c] ?? "&#39;",
  );

const W = 560;
const H = 200;
const PAD = { left: 64, right: 12, top: 12, bottom: 28 };

/** An SVG line chart of one metric's points (at most 2000 drawn: each pixel column once). */
function chart(m: MetricSummary): string {
  const finite = m.points.filter((p) => Number.isFinite(p.value) && (!m.log || p.value > 0));
  if (finite.length === 0) return `<p class="empty">no finite value to draw</p>`;
  const y = (v: number) => m.log ? Math.log10(v) : v;
  const steps = finite.map((p) => p.step);
  const x0 = Math.min(...steps);
  const x1 = Math.max(...steps);
  const ys = finite.map((p) => y(p.value));
  const y0 = Math.min(...ys);
  const y1 = Math.max(...ys);
  const px = (s: number) =>
    PAD.left + (x1 === x0 ? 0.5 : (s - x0) / (x1 - x0)) * (W - PAD.left - PAD.right);
  const py = (v: number) =>
    H - PAD.bottom - (y1 === y0 ? 0.5 : (y(v) - y0) / (y1 - y0)) * (H - PAD.top - PAD.bottom);
  const every = Math.max(1, Math.ceil(finite.length / 2000));
  const drawn = finite.filter((_, i) => i % every === 0 || i === finite.length - 1);
  const points = drawn.map((p) => `${px(p.step).toFixed(1)},${py(p.value).toFixed(1)}`).join(" ");
  const label = (v: number) => fmt(m.log ? 10 ** v : v);
  const best = m.best === undefined || (m.log && m.best.value <= 0)
    ? ""
    : `<circle class="best" cx="${px(m.best.step).toFixed(1)}" cy="${
      py(m.best.value).toFixed(1)
    }" r="3.5"><title>best ${fmt(m.best.value)} at step ${m.best.step}</title></circle>`;
  return `<svg class="chart" data-metric="${esc(m.key)}" data-points="${m.points.length}" ` +
    `viewBox="0 0 ${W} ${H}" width="${W}" height="${H}" role="img" ` +
    `aria-label="${esc(m.key)} over ${m.points.length} steps">` +
    `<line class="axis" x1="${PAD.left}" y1="${H - PAD.bottom}" x2="${W - PAD.right}" y2="${
      H - PAD.bottom
    }"/>` +
    `<line class="axis" x1="${PAD.left}" y1="${PAD.top}" x2="${PAD.left}" y2="${
      H - PAD.bottom
    }"/>` +
    `<text x="${PAD.left - 6}" y="${PAD.top + 4}" text-anchor="end">${esc(label(y1))}</text>` +
    `<text x="${PAD.left - 6}" y="${H - PAD.bottom}" text-anchor="end">${esc(label(y0))}</text>` +
    `<text x="${PAD.left}" y="${H - 8}">step ${x0}</text>` +
    `<text x="${W - PAD.right}" y="${H - 8}" text-anchor="end">${x1}</text>` +
    `<polyline points="${points}"/>${best}</svg>`;
}

function keyValues(title: string, entries: [string, string][]): string {
  if (entries.length === 0) return "";
  const rows = entries.map(([k, v]) => `<tr><th>${esc(k)}</th><td>${esc(v)}</td></tr>`).join("");
  return `<section><h2>${esc(title)}</h2><table>${rows}</table></section>`;
}

function list(title: string, items: string[]): string {
  if (items.length === 0) return "";
  const rows = items.map((item) => `<li>${esc(item)}</li>`).join("");
  return `<section><h2>${esc(title)}</h2><ul class="${
    esc(title.toLowerCase())
  }">${rows}</ul></section>`;
}

/** The run as one self-contained HTML page. */
export function reportHtml({ run, experiment, metrics, artifacts }: RunView): string {
  const { info } = run;
  const figures = metrics.map((m) =>
    `<figure data-metric="${esc(m.key)}"><figcaption><b>${esc(m.key)}</b>${
      m.log ? " (log scale)" : ""
    } — last ${fmt(m.last)}, min ${fmt(m.min)}, max ${fmt(m.max)}${
      m.best ? `, best ${fmt(m.best.value)} at step ${m.best.step}` : ""
    }, ${m.points.length} point${m.points.length === 1 ? "" : "s"}</figcaption>${chart(m)}</figure>`
  ).join("\n");
  const params = Object.entries(run.data.params).sort(([a], [b]) => a.localeCompare(b));
  const tags = Object.entries(run.data.tags).sort(([a], [b]) => a.localeCompare(b));
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${esc(info.runName)} — ${esc(experiment)}</title>
<style>
body { font: 14px/1.4 system-ui, sans-serif; margin: 2rem auto; max-width: 1200px; color: #222; }
h1 { font-size: 1.4rem; margin-bottom: 0.2rem; } h2 { font-size: 1.1rem; }
.meta { color: #555; } .charts { display: flex; flex-wrap: wrap; gap: 1rem; }
figure { margin: 0; border: 1px solid #ddd; border-radius: 6px; padding: 0.5rem; }
figcaption { font-size: 0.9rem; margin-bottom: 0.3rem; }
svg polyline { fill: none; stroke: #1f6feb; stroke-width: 1.5; }
svg .axis { stroke: #999; } svg text { font-size: 11px; fill: #555; }
svg .best { fill: #d1242f; } table { border-collapse: collapse; }
th, td { text-align: left; padding: 2px 12px 2px 0; vertical-align: top; }
td { font-family: ui-monospace, monospace; white-space: pre-wrap; word-break: break-all; }
</style></head><body>
<h1>${esc(info.runName)}</h1>
<p class="meta">experiment <b>${esc(experiment)}</b> · run ${esc(info.runId)} · ${
    esc(info.status)
  } · started ${esc(when(info.startTime, true))} · took ${esc(duration(run))}</p>
<section><h2>Metrics</h2><div class="charts">
${figures || "<p>no metrics</p>"}
</div></section>
${keyValues("Params", params)}
${keyValues("Tags", tags)}
${list("Datasets", datasetLines(run))}
${keyValues("Artifacts", artifacts.files.map((f) => [f.path, bytes(f.fileSize)]))}
</body></html>
`;
}
