/**
 * The browser's page start: which page the boot data (JSON in the page)
 * asks for, and the polling that keeps the run and compare pages live while
 * a run is RUNNING. The pages themselves: `home_js.ts`, `runs_js.ts`,
 * `run_js.ts`, `compare_js.ts`.
 *
 * @module
 */

/**
 * Live polling and the page start, as a string of plain JavaScript (last in `APP_JS`).
 *
 * @example
 * ```ts ignore
 * const script = UTIL_JS + CHART_JS + HOME_JS + RUNS_JS + RUN_JS + COMPARE_JS + PAGES_JS;
 * ```
 */
export const PAGES_JS: string = String.raw`
/** Polls while any run is RUNNING: new points (per metric, its count changed) are fetched and drawn. */
function live(runs, onChange) {
  if (STATIC) return;
  var counts = {};
  runs.forEach(function (r) { counts[r.info.runId] = {}; });
  CHARTS.forEach(function (c) { c.series.forEach(function (s) { counts[s.run][c.key] = s.data.total; }); });
  var badge = document.getElementById("live");
  function running() {
    var open = runs.filter(function (r) { return r.info.status === "RUNNING"; });
    badge.hidden = !open.length;
    return open;
  }
  function tick() {
    var open = running();
    if (!open.length) return;
    getJSON("/api/poll?" + qs({ runs: open.map(function (r) { return r.info.runId; }).join(",") })).then(function (answer) {
      return Promise.all(answer.runs.map(function (p) {
        var r = runs.filter(function (x) { return x.info.runId === p.run.info.runId; })[0];
        r.info = p.run.info; r.data = p.run.data;
        var want = Object.keys(p.counts).filter(function (k) { return counts[r.info.runId][k] !== p.counts[k]; });
        return Promise.all(want.map(function (k) {
          return getJSON("/api/series?" + qs({ run: r.info.runId, key: k, width: 1200 })).then(function (data) {
            counts[r.info.runId][k] = data.total; return { key: k, data: data };
          });
        })).then(function (changed) { onChange(r, changed, p.stats); });
      }));
    }).catch(function () {}).then(function () { setTimeout(tick, 1000); });
  }
  if (running().length) setTimeout(tick, 1000);
}

function boot() {
  var p = BOOT.page, main;
  if (p === "home") { main = frame([["Experiments"]], "Experiments"); home(main); }
  else if (p === "experiment") { main = frame([["Experiments", "/"], [BOOT.experiment.name]], BOOT.experiment.name); experimentPage(main); }
  else if (p === "run") {
    main = frame([["Experiments", "/"], [BOOT.experiment ? BOOT.experiment.name : BOOT.run.info.experimentId, "/experiments/" + encodeURIComponent(BOOT.run.info.experimentId)], [runName(BOOT.run)]], runName(BOOT.run));
    runPage(main);
  } else if (p === "compare") { main = frame([["Experiments", "/"], ["Compare"]], "Compare " + BOOT.runs.map(runName).join(", ")); comparePage(main); }
  else { main = frame([["Experiments", "/"]], BOOT.title || "Error"); add(main, h("h1", { text: BOOT.title || "Not found" }), h("div", { class: "error", text: BOOT.error || "" })); }
  keys([["?", "this list"]]);
  var help = helpBox();
  document.addEventListener("keydown", function (e) {
    if (typing(e)) return;
    if (e.key === "?") help.classList.toggle("open"); else if (e.key === "Escape") help.classList.remove("open");
  });
  redrawAll();
  requestAnimationFrame(function () { document.body.setAttribute("data-ready", "1"); });
}
boot();
`;
