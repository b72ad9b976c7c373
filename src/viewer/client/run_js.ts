/**
 * The browser's run page: a chart per metric (system metrics apart), params, tags, datasets, the artifact browser.
 *
 * @module
 */

/**
 * The browser's run page, as a string of plain JavaScript (part of `APP_JS`).
 *
 * @example
 * ```ts ignore
 * const script = UTIL_JS + CHART_JS + HOME_JS + RUNS_JS + RUN_JS + COMPARE_JS + PAGES_JS;
 * ```
 */
export const RUN_JS: string = String.raw`
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
    h("span", null, "duration ", durEl), h("span", { class: "mono dim", text: info.runId }),
    deletedEl(info.lifecycleStage)));
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

`;
