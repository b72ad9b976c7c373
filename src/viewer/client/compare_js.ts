/**
 * The browser's compare page: a chart per metric with a line per run, the params that differ, each metric's last, min and max.
 *
 * @module
 */

/**
 * The browser's compare page, as a string of plain JavaScript (part of `APP_JS`).
 *
 * @example
 * ```ts ignore
 * const script = UTIL_JS + CHART_JS + HOME_JS + RUNS_JS + RUN_JS + COMPARE_JS + PAGES_JS;
 * ```
 */
export const COMPARE_JS: string = String.raw`
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

`;
