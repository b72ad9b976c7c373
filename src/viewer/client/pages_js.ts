/**
 * The browser's pages: the experiments, an experiment's runs table, a run,
 * and the comparison of runs; each drawn from the page's boot data (JSON in
 * the page), then kept live by polling while a run is RUNNING.
 *
 * @module
 */

/**
 * The pages, as a string of plain JavaScript.
 *
 * @example
 * ```ts ignore
 * const script = UTIL_JS + CHART_JS + PAGES_JS; // in this order
 * ```
 */
export const PAGES_JS: string = String.raw`
function home(main) {
  var exps = BOOT.experiments;
  add(main, h("h1", { text: "Experiments" }));
  var total = exps.reduce(function (n, e) { return n + e.runs; }, 0);
  add(main, h("div", { class: "sub" }, h("span", null, h("b", { text: exps.length }), " experiments"),
    h("span", null, h("b", { text: total.toLocaleString("en-US") }), " runs"), h("span", { class: "dim", text: BOOT.source })));
  if (!exps.length) { add(main, h("p", { class: "empty", text: "No experiment in this store yet." })); return; }
  var find = h("input", { type: "search", placeholder: "Find an experiment  ( / )", "aria-label": "find an experiment" });
  add(main, h("div", { class: "toolbar" }, find));
  var tbody = h("tbody");
  var table = h("table", { "aria-label": "experiments" },
    h("thead", null, h("tr", null, h("th", { scope: "col", text: "Name" }), h("th", { scope: "col", class: "num", text: "Runs" }),
      h("th", { scope: "col", text: "Running" }), h("th", { scope: "col", text: "Last activity" }), h("th", { scope: "col", text: "ID" }))), tbody);
  add(main, h("div", { class: "tablewrap" }, table));
  function render() {
    var q = find.value.toLowerCase();
    clear(tbody);
    exps.forEach(function (e) {
      if (q && e.experiment.name.toLowerCase().indexOf(q) < 0) return;
      add(tbody, h("tr", null, h("td", null, link("/experiments/" + encodeURIComponent(e.experiment.experimentId), e.experiment.name)),
        h("td", { class: "num", text: e.runs.toLocaleString("en-US") }),
        h("td", null, e.running ? statusEl("RUNNING") : h("span", { class: "dim", text: "\u2014" })),
        h("td", { title: when(e.lastActivity), text: ago(e.lastActivity) }),
        h("td", { class: "mono dim", text: e.experiment.experimentId })));
    });
  }
  find.addEventListener("input", render);
  render();
  rowKeys(tbody);
  keys([["/", "find"]]);
  var recent = [];
  exps.forEach(function (e) { e.recent.forEach(function (r) { recent.push([r, e.experiment]); }); });
  recent.sort(function (a, b) { return (b[0].info.startTime || 0) - (a[0].info.startTime || 0); });
  recent = recent.slice(0, 12);
  if (recent.length) {
    add(main, h("h2", null, "Recent runs"), h("div", { class: "tablewrap" }, h("table", { "aria-label": "recent runs" },
      h("thead", null, h("tr", null, ["Run", "Experiment", "Status", "Started", "Duration", "Metrics"].map(function (t) { return h("th", { scope: "col", class: t === "Duration" ? "num" : null, text: t }); }))),
      h("tbody", null, recent.map(function (p) {
        var r = p[0], ks = sortKeys(Object.keys(r.data.metrics)).filter(function (k) { return !isSystem(k); });
        return h("tr", null, h("td", null, link("/runs/" + encodeURIComponent(r.info.runId), runName(r))),
          h("td", null, link("/experiments/" + encodeURIComponent(p[1].experimentId), p[1].name, "dim")),
          h("td", null, statusEl(r.info.status)), h("td", { title: when(r.info.startTime), text: ago(r.info.startTime) }),
          h("td", { class: "num", text: dur(runDuration(r.info)) }),
          h("td", { class: "mono", text: ks.slice(0, 3).map(function (k) { return k + " " + fmt(r.data.metrics[k]); }).join("   ") + (ks.length > 3 ? "   +" + (ks.length - 3) : "") }));
      })))));
  }
  document.addEventListener("keydown", function (e) { if (e.key === "/" && !typing(e)) { e.preventDefault(); find.focus(); } });
}

/** j/k move a cursor over a table's rows, Enter opens its link, space ticks its box. */
function rowKeys(tbody) {
  var at = -1;
  keys([["j / k", "next / previous row"], ["Enter", "open the row"]]);
  document.addEventListener("keydown", function (e) {
    if (typing(e) || e.metaKey || e.ctrlKey) return;
    var rows = tbody.rows;
    if (!rows.length) return;
    if (e.key === "j" || e.key === "k") {
      if (rows[at]) rows[at].classList.remove("cursor");
      at = Math.max(0, Math.min(rows.length - 1, at + (e.key === "j" ? 1 : -1)));
      rows[at].classList.add("cursor"); rows[at].scrollIntoView({ block: "nearest" });
    } else if (e.key === "Enter" && rows[at] && document.activeElement === document.body) {
      var a = rows[at].querySelector("a"); if (a) a.click();
    } else if (e.key === " " && rows[at] && document.activeElement === document.body) {
      var box = rows[at].querySelector("input[type=checkbox]"); if (box) { e.preventDefault(); box.click(); }
    }
  });
}

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
    h("span", { class: "mono dim", text: "id " + exp.experimentId })));
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

function seriesOf(run, key, data, i) {
  // Relative time counts from the run's start, or from its first point if that came earlier (a clock apart).
  var start = run.info.startTime;
  if (data.time.length && (!start || data.time[0] < start)) start = data.time[0];
  return { run: run.info.runId, name: runName(run), color: COLORS[i % COLORS.length], start: start, data: data };
}
function detailFetch(key) {
  return function (s, from, to) {
    return getJSON("/api/series?" + qs({ run: s.run, key: key, width: 1200, from: from, to: to }));
  };
}

function kvTable(label, obj, keysList) {
  var ks = keysList || sortKeys(Object.keys(obj));
  if (!ks.length) return h("p", { class: "empty", text: "none" });
  return h("div", { class: "card" }, h("table", { class: "kv", "aria-label": label }, h("tbody", null, ks.map(function (k) {
    return h("tr", null, h("th", { scope: "row", text: k }), h("td", { class: "mono", text: obj[k] }));
  }))));
}

function chartGrid(run, keyList, seriesMap) {
  return h("div", { class: "charts" }, keyList.map(function (k) {
    return new Chart({ key: k, series: [seriesOf(run, k, seriesMap[k], 0)], detail: detailFetch(k) }).el;
  }));
}

function runPage(main) {
  var run = BOOT.run, info = run.info, series = BOOT.series;
  add(main, h("h1", { text: runName(run) }));
  var durEl = h("b", { text: dur(runDuration(info)) }), stat = h("span", { id: "status" }, statusEl(info.status));
  add(main, h("div", { class: "sub" }, stat, h("span", null, "started ", h("b", { text: when(info.startTime) })),
    h("span", null, "duration ", durEl), h("span", { class: "mono dim", text: info.runId })));
  var keysAll = sortKeys(Object.keys(series));
  var model = keysAll.filter(function (k) { return !isSystem(k); }), system = keysAll.filter(isSystem);
  add(main, chartToolbar());
  var grid = chartGrid(run, model, series);
  add(main, model.length ? grid : h("p", { class: "empty", text: "No metric logged yet." }));
  var sysGrid = chartGrid(run, system, series);
  var sysHead = h("h2", { hidden: !system.length }, "System metrics", h("span", { class: "count", text: String(system.length) }));
  add(main, sysHead, sysGrid);
  var tags = {}, sysTags = {};
  for (var k in run.data.tags) (k.slice(0, 7) === "mlflow." ? sysTags : tags)[k] = run.data.tags[k];
  add(main, h("div", { class: "cols" },
    h("section", null, h("h2", null, "Params", h("span", { class: "count", text: String(Object.keys(run.data.params).length) })), kvTable("params", run.data.params)),
    h("section", null, h("h2", null, "Tags", h("span", { class: "count", text: String(Object.keys(tags).length) })), kvTable("tags", tags),
      Object.keys(sysTags).length ? h("details", null, h("summary", { class: "dim", text: "MLflow tags (" + Object.keys(sysTags).length + ")" }), kvTable("mlflow tags", sysTags)) : null)));
  var datasets = h("section");
  add(main, datasets);
  function showDatasets(inputs) {
    clear(datasets);
    if (!inputs || !inputs.length) return;
    add(datasets, h("h2", null, "Datasets", h("span", { class: "count", text: String(inputs.length) })),
      h("div", { class: "card" }, h("table", { "aria-label": "datasets" }, h("thead", null, h("tr", null, ["Name", "Context", "Digest", "Source"].map(function (t) { return h("th", { scope: "col", text: t }); }))),
        h("tbody", null, inputs.map(function (d) { return h("tr", null, h("td", { text: d.name }), h("td", { text: d.context || "" }), h("td", { class: "mono", text: d.digest || "" }), h("td", { class: "mono", title: d.source || "", text: d.source || "" })); })))));
  }
  showDatasets(run.inputs);
  if (BOOT.partial && !STATIC) {
    // The record came from the runs table's search: datasets come with the run read whole.
    setTimeout(function () { getJSON("/api/run?" + qs({ id: info.runId })).then(function (r) { showDatasets(r.inputs); }).catch(function () {}); }, 0);
  }
  add(main, h("h2", { text: "Artifacts" }), artifactBrowser(info.runId));
  live([run], function (r, changed) {
    clear(stat).appendChild(statusEl(r.info.status)); durEl.textContent = dur(runDuration(r.info));
    changed.forEach(function (c) {
      var chart = CHARTS.filter(function (x) { return x.key === c.key; })[0];
      if (chart) { chart.update([seriesOf(r, c.key, c.data, 0)]); return; }
      var fresh = new Chart({ key: c.key, series: [seriesOf(r, c.key, c.data, 0)], detail: detailFetch(c.key) });
      (isSystem(c.key) ? sysGrid : grid).appendChild(fresh.el);
      if (isSystem(c.key)) sysHead.hidden = false; else if (!grid.parentNode) main.insertBefore(grid, sysHead);
      fresh.draw();
    });
  });
}

function artifactBrowser(runId) {
  var list = h("ul", { role: "tree", "aria-label": "artifacts" }), preview = h("div", { class: "preview", "aria-live": "polite" });
  var box = h("div", { class: "card artifacts" }, list, preview);
  if (STATIC) { add(preview, h("p", { class: "dim", text: "Artifacts are browsed in the live viewer (oicm-tracking ui)." })); return box; }
  function open(path, depth, after) {
    return getJSON("/api/artifacts?" + qs({ run: runId, path: path })).then(function (entries) {
      if (!entries.length && depth === 0) add(preview, h("p", { class: "dim", text: "No artifacts." }));
      var items = entries.map(function (e) {
        var name = e.path.split("/").pop(), opened = false;
        var btn = h("button", { type: "button", "aria-expanded": e.isDir ? "false" : null },
          h("span", { text: "\u00a0".repeat(depth * 3) + (e.isDir ? "\u25b8 " : "") + name }), h("span", { class: "size", text: e.isDir ? "" : bytes(e.fileSize) }));
        var li = h("li", { role: "treeitem", "data-path": e.path }, btn);
        btn.addEventListener("click", function () {
          if (e.isDir) {
            var expand = btn.getAttribute("aria-expanded") !== "true";
            btn.setAttribute("aria-expanded", expand ? "true" : "false");
            btn.firstChild.textContent = btn.firstChild.textContent.replace(expand ? "\u25b8" : "\u25be", expand ? "\u25be" : "\u25b8");
            if (!opened) { opened = true; open(e.path, depth + 1, li); return; }
            // Folding hides everything below this folder (deeper rows start with its path).
            list.querySelectorAll("li[data-path]").forEach(function (x) {
              if (x.getAttribute("data-path").indexOf(e.path + "/") === 0) x.hidden = !expand;
            });
            return;
          }
          list.querySelectorAll("button[aria-current]").forEach(function (b) { b.removeAttribute("aria-current"); });
          btn.setAttribute("aria-current", "true");
          show(e);
        });
        return li;
      });
      if (after) items.reverse().forEach(function (li) { after.after(li); }); else add(list, items);
    }).catch(function (err) { add(preview, h("div", { class: "error", text: err.message })); });
  }
  function show(e) {
    clear(preview);
    var url = "/artifact?" + qs({ run: runId, path: e.path }), ext = (e.path.split(".").pop() || "").toLowerCase();
    add(preview, h("div", { class: "sub" }, h("b", { text: e.path }), h("span", { text: bytes(e.fileSize) }), h("a", { href: url, download: e.path.split("/").pop(), text: "download" })));
    if (["png", "jpg", "jpeg", "gif", "webp"].indexOf(ext) >= 0) { add(preview, h("img", { src: url, alt: e.path })); return; }
    if ((e.fileSize || 0) > 2 * 1048576) { add(preview, h("p", { class: "dim", text: "Too large to preview." })); return; }
    fetch(url).then(function (r) { return r.text(); }).then(function (text) {
      if (ext === "json") { try { text = JSON.stringify(JSON.parse(text), null, 2); } catch (_) { /* shown as it is */ } }
      if (ext === "csv" || ext === "tsv") { add(preview, csvTable(text, ext === "tsv" ? "\t" : ",")); return; }
      add(preview, h("pre", { text: text }));
    });
  }
  open("", 0, null);
  return box;
}

function csvTable(text, sep) {
  var rows = text.split(/\r?\n/).filter(function (l) { return l.length; }).slice(0, 500).map(function (l) { return l.split(sep); });
  if (!rows.length) return h("p", { class: "dim", text: "empty" });
  return h("table", { "aria-label": "csv preview" }, h("thead", null, h("tr", null, rows[0].map(function (c) { return h("th", { scope: "col", text: c }); }))),
    h("tbody", null, rows.slice(1).map(function (r) { return h("tr", null, r.map(function (c) { return h("td", { text: c }); })); })));
}

function swatch(i) { var sw = h("span", { class: "swatch" }); sw.style.background = COLORS[i % COLORS.length]; return sw; }

function comparePage(main) {
  var runs = BOOT.runs, series = BOOT.series;
  CHARTS_NAMED = true;
  add(main, h("h1", { text: "Comparing " + runs.length + " runs" }));
  add(main, h("div", { class: "legend", role: "list", "aria-label": "runs" }, runs.map(function (r, i) {
    var sw = h("span", { class: "swatch" }); sw.style.background = COLORS[i % COLORS.length];
    return h("span", { role: "listitem" }, sw, link("/runs/" + encodeURIComponent(r.info.runId), runName(r)), statusEl(r.info.status));
  })));
  add(main, chartToolbar());
  var keysAll = {};
  runs.forEach(function (r) { for (var k in series[r.info.runId]) keysAll[k] = true; });
  var ks = sortKeys(Object.keys(keysAll));
  function lines(k, data) {
    var out = [];
    runs.forEach(function (r, i) { var d = (data || series)[r.info.runId][k]; if (d) out.push(seriesOf(r, k, d, i)); });
    return out;
  }
  var grid = h("div", { class: "charts" }, ks.filter(function (k) { return !isSystem(k); }).concat(ks.filter(isSystem)).map(function (k) {
    return new Chart({ key: k, series: lines(k), detail: detailFetch(k) }).el;
  }));
  add(main, ks.length ? grid : h("p", { class: "empty", text: "No metric logged yet." }));
  var p = differing(runs, "params");
  var onlyDiff = h("input", { type: "checkbox", checked: p.differ.length > 0, onchange: function () { renderParams(); } });
  var ptable = h("div");
  function renderParams() {
    var list = p.differ.concat(onlyDiff.checked ? [] : p.same);
    clear(ptable).appendChild(h("div", { class: "card" }, h("table", { "aria-label": "params" },
      h("thead", null, h("tr", null, h("th", { scope: "col", text: "Param" }), runs.map(function (r, i) { return h("th", { scope: "col" }, swatch(i), " ", runName(r)); }))),
      h("tbody", null, list.map(function (k) {
        var d = p.differ.indexOf(k) >= 0;
        return h("tr", { class: d ? "differs" : null }, h("th", { scope: "row", text: k }), runs.map(function (r) {
          var v = r.data.params[k];
          return h("td", { class: (d ? "diff mono" : "mono") + (v === undefined ? " dim" : ""), text: v === undefined ? "\u2014" : v });
        }));
      })))));
  }
  renderParams();
  add(main, h("h2", null, "Params", h("span", { class: "count", text: p.differ.length + " differ of " + (p.differ.length + p.same.length) }),
    h("label", { class: "count" }, onlyDiff, " only differences")), ptable);
  var stable = h("div");
  function renderStats() {
    clear(stable).appendChild(h("div", { class: "card" }, h("table", { "aria-label": "metric summary" },
      h("thead", null, h("tr", null, h("th", { scope: "col", text: "Metric" }), runs.map(function (r, i) { return h("th", { scope: "col", class: "num", colspan: "3" }, swatch(i), " ", runName(r)); })),
        h("tr", null, h("th", { scope: "col" }), runs.map(function () { return ["last", "min", "max"].map(function (t) { return h("th", { scope: "col", class: "num", text: t }); }); }))),
      h("tbody", null, ks.map(function (k) {
        var lower = /loss|err|mse|mae|rmse|perplexity|latency|time|distance|regret/i.test(k.split("/").pop()), best;
        runs.forEach(function (r) { var st = BOOT.stats[r.info.runId][k]; if (st && st.last !== null && (best === undefined || (lower ? st.last < best : st.last > best))) best = st.last; });
        return h("tr", null, h("th", { scope: "row", text: k }), runs.map(function (r) {
          var st = BOOT.stats[r.info.runId][k];
          var isBest = st && runs.length > 1 && !isSystem(k) && st.last === best;
          return st ? [h("td", { class: "num" + (isBest ? " best" : ""), title: isBest ? "best last value" : null, text: fmt(st.last) }), h("td", { class: "num", text: fmt(st.min) }), h("td", { class: "num", text: fmt(st.max) })]
            : [h("td", { class: "num dim", text: "\u2014" }), h("td"), h("td")];
        }));
      })))));
  }
  renderStats();
  add(main, h("h2", { text: "Metrics: last, min, max" }), stable);
  live(runs, function (r, changed, stats) {
    BOOT.stats[r.info.runId] = stats || BOOT.stats[r.info.runId];
    changed.forEach(function (c) {
      series[r.info.runId][c.key] = c.data;
      var chart = CHARTS.filter(function (x) { return x.key === c.key; })[0];
      if (chart) chart.update(lines(c.key));
      else { var fresh = new Chart({ key: c.key, series: lines(c.key), detail: detailFetch(c.key) }); grid.appendChild(fresh.el); fresh.draw(); ks.push(c.key); }
    });
    renderStats();
    var i = runs.indexOf(r);
    var st = document.querySelectorAll(".legend .status")[i];
    if (st) st.replaceWith(statusEl(r.info.status));
  });
}

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
