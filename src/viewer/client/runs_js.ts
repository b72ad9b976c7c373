/**
 * The browser's runs table of an experiment: sort, filter, columns (those that differ first), the best value marked, runs picked to compare.
 *
 * @module
 */

/**
 * The browser's runs table of an experiment, as a string of plain JavaScript (part of `APP_JS`).
 *
 * @example
 * ```ts ignore
 * const script = UTIL_JS + CHART_JS + HOME_JS + RUNS_JS + RUN_JS + COMPARE_JS + PAGES_JS;
 * ```
 */
export const RUNS_JS: string = String.raw`
function differing(runs, kind) {
  var all = {}, out = { differ: [], same: [] };
  runs.forEach(function (r) { for (var k in r.data[kind]) all[k] = true; });
  sortKeys(Object.keys(all)).forEach(function (k) {
    var first = runs[0].data[kind][k], same = runs.every(function (r) { return r.data[kind][k] === first; });
    (same && runs.length > 1 ? out.same : out.differ).push(k);
  });
  return out;
}

function experimentPage(main) {
  var exp = BOOT.experiment, runs = BOOT.runs, url = new URL(location.href);
  add(main, h("h1", { text: exp.name }));
  add(main, h("div", { class: "sub" }, h("span", null, h("b", { text: runs.length.toLocaleString("en-US") }), BOOT.filter ? " runs match" : " runs"),
    h("span", { class: "mono dim", text: "id " + exp.experimentId }), deletedEl(exp.lifecycleStage)));
  var params = differing(runs, "params"), metrics = differing(runs, "metrics");
  var cols = [];
  metrics.differ.concat(metrics.same).forEach(function (k) { if (!isSystem(k)) cols.push({ kind: "metrics", key: k, on: true, differ: metrics.differ.indexOf(k) >= 0 }); });
  params.differ.forEach(function (k) { cols.push({ kind: "params", key: k, on: true, differ: true }); });
  params.same.forEach(function (k) { cols.push({ kind: "params", key: k, on: false, differ: false }); });
  metrics.differ.concat(metrics.same).forEach(function (k) { if (isSystem(k)) cols.push({ kind: "metrics", key: k, on: false, differ: false }); });
  cols.sort(function (a, b) { return (b.differ ? 1 : 0) - (a.differ ? 1 : 0); });
  var shown = url.searchParams.get("cols");
  if (shown) { var want = shown.split(","); cols.forEach(function (c) { c.on = want.indexOf(c.kind + "." + c.key) >= 0; }); }
  var sort = { by: url.searchParams.get("sort") || "start", desc: url.searchParams.get("dir") !== "asc" };
  var picked = {};
  var filter = h("input", { type: "search", name: "filter", class: "filter", value: BOOT.filter || "",
    placeholder: "Filter (press / ), e.g. metrics.loss < 0.5 and params.lr = '0.01' and attributes.status = 'FINISHED'", "aria-label": "filter runs (MLflow syntax)" });
  var form = h("form", { method: "get", class: "grow", role: "search" }, filter);
  var compareBtn = h("button", { type: "button", class: "primary", disabled: true, text: "Compare",
    onclick: function () { var ids = Object.keys(picked); if (ids.length > 1) location.href = "/compare?runs=" + ids.join(","); } });
  var menu = h("div", { class: "menu" }, cols.map(function (c) {
    var box = h("input", { type: "checkbox", checked: c.on, onchange: function () { c.on = box.checked; saveUrl(); render(); } });
    return h("label", null, box, h("span", { class: "dim", text: c.kind === "metrics" ? "metric" : "param" }), c.key + (c.differ ? "  \u2260" : ""));
  }));
  var chooser = h("details", { class: "columns" }, h("summary", { class: "button", text: "Columns" }), menu);
  add(main, h("div", { class: "toolbar" }, form, chooser, compareBtn));
  if (BOOT.error) add(main, h("div", { class: "error", role: "alert", text: BOOT.error }));
  var thead = h("thead"), tbody = h("tbody");
  add(main, h("div", { class: "tablewrap" }, h("table", { "aria-label": "runs of " + exp.name }, thead, tbody)));
  if (!runs.length) add(main, h("p", { class: "empty", text: BOOT.filter ? "No run matches this filter." : "No run in this experiment yet." }));

  function value(r, by) {
    if (by === "name") return runName(r).toLowerCase();
    if (by === "status") return r.info.status;
    if (by === "start") return r.info.startTime || 0;
    if (by === "duration") return runDuration(r.info);
    var dot = by.indexOf("."), kind = by.slice(0, dot), key = by.slice(dot + 1);
    var v = r.data[kind] ? r.data[kind][key] : undefined;
    if (kind === "params" && v !== undefined && v !== "" && !isNaN(Number(v))) return Number(v);
    return v;
  }
  function sorted() {
    var dir = sort.desc ? -1 : 1, by = sort.by;
    var keyed = runs.map(function (r) { return [value(r, by), r]; });
    keyed.sort(function (a, b) {
      var x = a[0], y = b[0];
      if (x === undefined || x === null) return y === undefined || y === null ? 0 : 1;
      if (y === undefined || y === null) return -1;
      if (typeof x !== typeof y) { x = String(x); y = String(y); }
      return x < y ? -dir : x > y ? dir : 0;
    });
    return keyed.map(function (p) { return p[1]; });
  }
  function saveUrl() {
    var u = new URL(location.href);
    u.searchParams.set("sort", sort.by); u.searchParams.set("dir", sort.desc ? "desc" : "asc");
    u.searchParams.set("cols", cols.filter(function (c) { return c.on; }).map(function (c) { return c.kind + "." + c.key; }).join(","));
    history.replaceState(null, "", u.pathname + "?" + u.searchParams.toString());
  }
  function th(label, by, cls, kind) {
    var arrow = sort.by === by ? (sort.desc ? " \u2193" : " \u2191") : "";
    return h("th", { scope: "col", class: cls, "aria-sort": sort.by === by ? (sort.desc ? "descending" : "ascending") : null },
      h("button", { type: "button", class: "sort", title: "sort by " + label, "aria-label": "sort by " + label, onclick: function () {
        if (sort.by === by) sort.desc = !sort.desc; else { sort.by = by; sort.desc = by.slice(0, 8) === "metrics." || by === "start" || by === "duration"; }
        saveUrl(); render();
      } }, kind ? h("span", { class: "kind", text: kind }) : null, label, h("span", { class: "arrow", text: arrow })));
  }
  var LOWER = /loss|err|mse|mae|rmse|perplexity|latency|time|distance|regret/i;
  var best = {};
  cols.forEach(function (c) {
    if (c.kind !== "metrics" || runs.length < 2) return;
    var lower = LOWER.test(c.key.split("/").pop()), b;
    runs.forEach(function (r) { var v = r.data.metrics[c.key]; if (typeof v === "number" && isFinite(v) && (b === undefined || (lower ? v < b : v > b))) b = v; });
    best[c.key] = b;
  });
  var rowEls = {}, rowsFor = null;
  function render() {
    var t0 = performance.now();
    var on = cols.filter(function (c) { return c.on; });
    clear(thead);
    add(thead, h("tr", null, h("th", { scope: "col" }, h("span", { class: "dim", text: "\u2713" })),
      th("Run", "name"), th("Status", "status"), th("Started", "start"), th("Duration", "duration", "num"),
      on.map(function (c) { return th(c.key, c.kind + "." + c.key, (c.kind === "metrics" ? "num " : "") + (c.differ ? "diffcol" : ""), c.kind === "params" ? "p " : "m "); })));
    // Rows are built once per set of columns; a sort only moves them.
    var sig = on.map(function (c) { return c.kind + "." + c.key; }).join("\u0000");
    if (sig !== rowsFor) { rowEls = {}; rowsFor = sig; }
    var frag = document.createDocumentFragment();
    sorted().forEach(function (r) {
      var id = r.info.runId;
      if (rowEls[id]) { frag.appendChild(rowEls[id]); return; }
      var box = h("input", { type: "checkbox", "aria-label": "pick " + runName(r) + " to compare", checked: !!picked[id], onchange: function () {
        if (box.checked) picked[id] = true; else delete picked[id];
        var n = Object.keys(picked).length;
        compareBtn.disabled = n < 2; compareBtn.textContent = n ? "Compare " + n : "Compare";
      } });
      var tr = h("tr", { "data-run": id }, h("td", null, box),
        h("td", null, link("/runs/" + encodeURIComponent(id), runName(r))),
        h("td", null, statusEl(r.info.status)),
        h("td", { title: when(r.info.startTime), text: when(r.info.startTime) }),
        h("td", { class: "num", text: dur(runDuration(r.info)) }));
      on.forEach(function (c) {
        var v = r.data[c.kind][c.key];
        var isBest = c.kind === "metrics" && v !== undefined && v === best[c.key];
        tr.appendChild(h("td", { class: (c.kind === "metrics" ? "num" : "") + (v === undefined ? " dim" : "") + (isBest ? " best" : ""), title: v === undefined ? null : (isBest ? "best: " : "") + String(v), text: c.kind === "metrics" ? fmt(v) : v === undefined ? "\u2014" : v }));
      });
      rowEls[id] = tr;
      frag.appendChild(tr);
    });
    clear(tbody).appendChild(frag);
    main.setAttribute("data-render-ms", String(Math.round(performance.now() - t0)));
  }
  render();
  rowKeys(tbody);
  keys([["/", "filter (MLflow syntax)"], ["space", "pick the row to compare"], ["c", "compare the picked runs"]]);
  document.addEventListener("keydown", function (e) {
    if (typing(e)) return;
    if (e.key === "/") { e.preventDefault(); filter.focus(); }
    else if (e.key === "c" && !compareBtn.disabled) compareBtn.click();
  });
}

`;
