/**
 * The browser's home page: experiments with run counts and last activity, recent runs; and the keys that move through a table's rows.
 *
 * @module
 */

/**
 * The browser's home page, as a string of plain JavaScript (part of `APP_JS`).
 *
 * @example
 * ```ts ignore
 * const script = UTIL_JS + CHART_JS + HOME_JS + RUNS_JS + RUN_JS + COMPARE_JS + PAGES_JS;
 * ```
 */
export const HOME_JS: string = String.raw`
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

`;
