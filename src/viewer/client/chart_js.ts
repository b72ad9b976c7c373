/**
 * The browser's line chart, drawn on a `<canvas>` by hand: one line per run,
 * x as step, wall time or time since the run's start, smoothing (a debiased
 * moving average, as TensorBoard's), a log scale, a readout on hover or with
 * the arrow keys, drag to zoom (the detail is fetched from the server),
 * double-click or Escape to zoom out.
 *
 * @module
 */

/**
 * The chart, as a string of plain JavaScript.
 *
 * @example
 * ```ts ignore
 * const script = UTIL_JS + CHART_JS + HOME_JS + RUNS_JS + RUN_JS + COMPARE_JS + PAGES_JS;
 * ```
 */
export const CHART_JS: string = String.raw`
var VIEW = { x: "step", smooth: 0, log: false };
var CHARTS = [];

function niceTicks(lo, hi, n) {
  var span = hi - lo;
  if (!(span > 0)) return [lo];
  var step = Math.pow(10, Math.floor(Math.log10(span / n)));
  var err = span / n / step;
  if (err >= 7.5) step *= 10; else if (err >= 3.5) step *= 5; else if (err >= 1.5) step *= 2;
  var out = [];
  for (var v = Math.ceil(lo / step) * step; v <= hi + step * 1e-9; v += step) out.push(Math.abs(v) < step * 1e-9 ? 0 : v);
  return out;
}
/** Ticks on a time axis (ms) at steps a clock reads: 1 s, 5 s, 1 min, 15 min, 1 h, 1 d... */
function timeTicks(lo, hi, n) {
  var S = [1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 10800, 21600, 43200, 86400];
  var want = (hi - lo) / n / 1000, step = 0;
  for (var i = 0; i < S.length; i++) if (S[i] >= want) { step = S[i] * 1000; break; }
  if (!step) step = Math.ceil(want / 86400) * 86400000;
  if (want < 1) return niceTicks(lo, hi, n);
  var out = [];
  for (var v = Math.ceil(lo / step) * step; v <= hi; v += step) out.push(v);
  return out;
}
function clockTick(ms, span) {
  var d = new Date(ms);
  var t = pad(d.getHours()) + ":" + pad(d.getMinutes());
  return span < 300000 ? t + ":" + pad(d.getSeconds()) : span > 2 * 86400000 ? (d.getMonth() + 1) + "/" + d.getDate() : t;
}
function relTick(ms, span) {
  var s = Math.round(ms / 1000);
  if (span < 120000) return s + "s";
  if (span < 7200000) return Math.floor(s / 60) + "m" + (s % 60 ? pad(s % 60) + "s" : "");
  var m = Math.floor(s / 60);
  return Math.floor(m / 60) + "h" + (m % 60 ? pad(m % 60) : "");
}
function css(name) { return getComputedStyle(document.documentElement).getPropertyValue(name).trim(); }

/** One chart: key, series [{ run, name, color, start, data }], fetch detail for a step range. */
function Chart(opts) {
  var self = this;
  this.key = opts.key;
  this.series = opts.series;
  this.detail = opts.detail;
  this.zoom = null;
  this.hover = null;
  this.drag = null;
  this.canvas = h("canvas", { role: "img", tabindex: "0" });
  this.readout = h("div", { class: "readout", "aria-live": "polite" });
  this.meta = h("span", { class: "meta" });
  this.el = h("figure", { class: "chart", "data-metric": opts.key },
    h("figcaption", null, h("span", { class: "key", title: opts.key, text: opts.key }), this.meta),
    this.canvas, this.readout);
  var c = this.canvas;
  c.addEventListener("mousemove", function (e) { self.move(e.offsetX); if (self.drag) { self.drag.x1 = e.offsetX; self.draw(); } });
  c.addEventListener("mouseleave", function () { self.hover = null; self.draw(); self.readout.style.display = "none"; });
  c.addEventListener("mousedown", function (e) { self.drag = { x0: e.offsetX, x1: e.offsetX }; });
  window.addEventListener("mouseup", function () {
    var d = self.drag; self.drag = null;
    if (!d) return;
    if (Math.abs(d.x1 - d.x0) > 6 && self.frame) {
      var a = self.frame.inv(Math.min(d.x0, d.x1)), b = self.frame.inv(Math.max(d.x0, d.x1));
      self.setZoom([a, b]);
    } else self.draw();
  });
  c.addEventListener("dblclick", function () { self.setZoom(null); });
  c.addEventListener("keydown", function (e) {
    if (e.key === "Escape") { self.setZoom(null); return; }
    if (e.key !== "ArrowLeft" && e.key !== "ArrowRight") return;
    e.preventDefault();
    var f = self.frame; if (!f) return;
    var px = self.hover === null ? f.left : f.px(self.hover) + (e.key === "ArrowRight" ? 1 : -1) * (e.shiftKey ? 40 : 8);
    self.move(Math.max(f.left, Math.min(f.right, px)));
  });
  c.addEventListener("blur", function () { self.hover = null; self.readout.style.display = "none"; self.draw(); });
  CHARTS.push(this);
  this.label();
}

Chart.prototype.label = function () {
  var total = 0, last = -Infinity;
  this.series.forEach(function (s) { total += s.data.total; var n = s.data.step.length; if (n && s.data.step[n - 1] > last) last = s.data.step[n - 1]; });
  var names = this.series.map(function (s) { return s.name; });
  this.canvas.setAttribute("aria-label", this.key + ": line chart of " + total.toLocaleString("en-US") +
    " points" + (this.series.length > 1 || CHARTS_NAMED ? "; runs: " + names.join(", ") : "") +
    ". Arrow keys read values, Escape zooms out.");
  this.canvas.setAttribute("data-series", String(this.series.length));
  this.canvas.setAttribute("data-points", String(total));
  this.canvas.setAttribute("data-last-step", String(last));
  var s0 = this.series[0];
  var lastValue = this.series.length === 1 && s0.data.value.length ? s0.data.value[s0.data.value.length - 1] : undefined;
  this.meta.textContent = (lastValue !== undefined ? fmt(lastValue) + " \u00b7 " : "") +
    total.toLocaleString("en-US") + (total === 1 ? " point" : " points") + (this.zoom ? " \u00b7 zoomed" : "");
};
var CHARTS_NAMED = false;

Chart.prototype.xs = function (s) {
  var d = s.detailData || s.data;
  if (VIEW.x === "step") return d.step;
  if (VIEW.x === "wall") return d.time;
  var t0 = s.start || d.time[0] || 0;
  return d.time.map(function (t) { return t - t0; });
};

Chart.prototype.smoothed = function (values) {
  var k = VIEW.smooth;
  if (!(k > 0)) return values;
  var last = 0, n = 0, out = new Array(values.length);
  for (var i = 0; i < values.length; i++) {
    var v = values[i];
    if (v === null || (VIEW.log && v <= 0)) { out[i] = null; continue; }
    var y = VIEW.log ? Math.log10(v) : v;
    last = last * k + (1 - k) * y; n++;
    var s = last / (1 - Math.pow(k, n));
    out[i] = VIEW.log ? Math.pow(10, s) : s;
  }
  return out;
};

Chart.prototype.setZoom = function (range) {
  var self = this;
  this.zoom = range;
  this.series.forEach(function (s) { s.detailData = null; });
  this.draw(); this.label();
  if (!range || STATIC || !this.detail) return;
  var want = JSON.stringify(range) + VIEW.x;
  this.series.forEach(function (s) {
    if (s.data.total <= s.data.step.length) return;
    var xs = self.xs(s), d = s.data, from = null, to = null;
    for (var i = 0; i < xs.length; i++) {
      if (xs[i] >= range[0] && from === null) from = d.step[Math.max(0, i - 1)];
      if (xs[i] <= range[1]) to = d.step[Math.min(xs.length - 1, i + 1)];
    }
    if (from === null || to === null) return;
    self.detail(s, from, to).then(function (data) {
      if (JSON.stringify(self.zoom) + VIEW.x !== want) return;
      s.detailData = data; self.draw();
    }).catch(function () {});
  });
};

/** New data for the lines; a zoomed chart keeps its detail (the new points show once zoomed out). */
Chart.prototype.update = function (series) {
  if (!this.zoom) this.series = series;
  else series.forEach(function (s) {
    var old = this.series.filter(function (o) { return o.run === s.run; })[0];
    if (old) old.data = s.data; else this.series.push(s);
  }, this);
  this.label(); this.draw();
};

Chart.prototype.move = function (px) {
  var f = this.frame;
  if (!f) return;
  this.hover = f.inv(px);
  this.draw();
  var self = this, rows = [], xLabel = null;
  this.series.forEach(function (s) {
    var xs = self.xs(s), d = s.detailData || s.data;
    if (!xs.length) return;
    var lo = 0, hi = xs.length - 1;
    while (lo < hi) { var mid = (lo + hi) >> 1; if (xs[mid] < self.hover) lo = mid + 1; else hi = mid; }
    if (lo > 0 && Math.abs(xs[lo - 1] - self.hover) < Math.abs(xs[lo] - self.hover)) lo--;
    var sm = VIEW.smooth > 0 ? self.smoothed(d.value)[lo] : null;
    if (xLabel === null) xLabel = "step " + d.step[lo].toLocaleString("en-US") + " \u00b7 " + when(d.time[lo]).slice(11) +
      (s.start && d.time[lo] >= s.start ? " \u00b7 +" + dur(d.time[lo] - s.start) : "");
    rows.push(h("div", { class: "row" }, h("span", { class: "swatch", style: null }), s.name,
      h("b", { text: fmt(d.value[lo]) + (sm !== null && VIEW.smooth > 0 ? " (" + fmt(sm) + ")" : "") })));
    rows[rows.length - 1].firstChild.style.background = s.color;
  });
  var r = clear(this.readout);
  add(r, h("div", { class: "x", text: xLabel || "" }));
  add(r, rows);
  r.style.display = rows.length ? "block" : "none";
  var cw = this.canvas.clientWidth, left = px + 16;
  if (left + r.offsetWidth > cw) left = px - r.offsetWidth - 8;
  r.style.left = Math.max(0, left + 10) + "px";
  r.style.top = (this.canvas.offsetTop + 8) + "px";
};

Chart.prototype.draw = function () {
  var c = this.canvas, dpr = window.devicePixelRatio || 1;
  var W = c.clientWidth, H = c.clientHeight;
  if (!W || !H) return;
  if (c.width !== Math.round(W * dpr) || c.height !== Math.round(H * dpr)) { c.width = Math.round(W * dpr); c.height = Math.round(H * dpr); }
  var g = c.getContext("2d");
  g.setTransform(dpr, 0, 0, dpr, 0, 0);
  g.clearRect(0, 0, W, H);
  var self = this, log = VIEW.log;
  var all = this.series.map(function (s) { return { s: s, xs: self.xs(s), d: s.detailData || s.data }; });
  var x0 = Infinity, x1 = -Infinity;
  all.forEach(function (a) { if (a.xs.length) { x0 = Math.min(x0, a.xs[0]); x1 = Math.max(x1, a.xs[a.xs.length - 1]); } });
  if (this.zoom) { x0 = this.zoom[0]; x1 = this.zoom[1]; }
  var y0 = Infinity, y1 = -Infinity;
  all.forEach(function (a) {
    for (var i = 0; i < a.xs.length; i++) {
      var v = a.d.value[i];
      if (v === null || a.xs[i] < x0 || a.xs[i] > x1 || (log && v <= 0)) continue;
      v = log ? Math.log10(v) : v;
      if (v < y0) y0 = v; if (v > y1) y1 = v;
    }
  });
  var font = "11px " + css("--sans"), muted = css("--muted"), line = css("--line");
  g.font = font; g.textBaseline = "middle";
  if (!isFinite(x0) || !isFinite(y0)) {
    g.fillStyle = muted; g.textAlign = "center";
    g.fillText(log ? "no positive value to draw on a log scale" : "no finite value", W / 2, H / 2);
    this.frame = null; return;
  }
  if (x1 === x0) { x0 -= 1; x1 += 1; }
  if (y1 === y0) { var e = Math.abs(y0) * 0.05 || 1; y0 -= e; y1 += e; }
  var padY = (y1 - y0) * 0.06; y0 -= padY; y1 += padY;
  var yt, labels;
  if (log && y1 - y0 >= 1.5) {
    yt = niceTicks(Math.floor(y0), Math.ceil(y1), 4).filter(function (v) { return Number.isInteger(v) && v >= y0 && v <= y1; });
    labels = yt.map(function (v) { return fmt(Math.pow(10, v)); });
  } else if (log) {
    // Under two decades: round values, placed on the log scale.
    var lin = niceTicks(Math.pow(10, y0), Math.pow(10, y1), 4).filter(function (v) { return v > 0; });
    yt = lin.map(function (v) { return Math.log10(v); });
    labels = lin.map(function (v) { return tick(v, Math.pow(10, y1) - Math.pow(10, y0)); });
  } else {
    yt = niceTicks(y0, y1, 4);
    labels = yt.map(function (v) { return tick(v, y1 - y0); });
  }
  var left = 8 + Math.max.apply(null, labels.map(function (l) { return g.measureText(l).width; }));
  var f = { left: left + 6, right: W - 10, top: 8, bottom: H - 20 };
  f.px = function (x) { return f.left + (x - x0) / (x1 - x0) * (f.right - f.left); };
  f.py = function (y) { return f.bottom - (y - y0) / (y1 - y0) * (f.bottom - f.top); };
  f.inv = function (px) { return x0 + (px - f.left) / (f.right - f.left) * (x1 - x0); };
  this.frame = f;
  g.strokeStyle = line; g.lineWidth = 1; g.fillStyle = muted; g.textAlign = "right";
  yt.forEach(function (v, i) {
    var y = Math.round(f.py(v)) + 0.5;
    g.beginPath(); g.moveTo(f.left, y); g.lineTo(f.right, y); g.stroke();
    g.fillText(labels[i], left, y);
  });
  g.textAlign = "center"; g.textBaseline = "top";
  var nx = Math.max(2, Math.floor((f.right - f.left) / 90));
  var xt = VIEW.x === "step" ? niceTicks(x0, x1, nx) : timeTicks(x0, x1, nx);
  xt.forEach(function (v) {
    var x = f.px(v);
    if (x < f.left - 1 || x > f.right + 1) return;
    var text = VIEW.x === "step" ? tick(v, x1 - x0) : VIEW.x === "wall" ? clockTick(v, x1 - x0) : relTick(v, x1 - x0);
    g.fillText(text, Math.min(f.right - 12, Math.max(f.left + 12, x)), f.bottom + 5);
  });
  g.save();
  g.beginPath(); g.rect(f.left, f.top - 2, f.right - f.left, f.bottom - f.top + 4); g.clip();
  g.lineJoin = "round";
  all.forEach(function (a) {
    var smooth = VIEW.smooth > 0;
    if (smooth) { g.globalAlpha = 0.22; stroke(a.xs, a.d.value); g.globalAlpha = 1; stroke(a.xs, self.smoothed(a.d.value)); }
    else stroke(a.xs, a.d.value);
    function stroke(xs, vs) {
      g.strokeStyle = a.s.color; g.fillStyle = a.s.color; g.lineWidth = 1.5;
      g.beginPath();
      var open = false, n = 0, lx = 0, ly = 0;
      for (var i = 0; i < xs.length; i++) {
        var v = vs[i];
        if (v === null || (log && v <= 0)) { open = false; continue; }
        var X = f.px(xs[i]), Y = f.py(log ? Math.log10(v) : v);
        if (open) g.lineTo(X, Y); else g.moveTo(X, Y);
        open = true; n++; lx = X; ly = Y;
      }
      g.stroke();
      if (n === 1) { g.beginPath(); g.arc(lx, ly, 2.5, 0, 7); g.fill(); }
    }
  });
  g.restore();
  if (this.hover !== null) {
    var hx = Math.round(f.px(this.hover)) + 0.5;
    g.strokeStyle = muted; g.globalAlpha = 0.5; g.beginPath(); g.moveTo(hx, f.top); g.lineTo(hx, f.bottom); g.stroke(); g.globalAlpha = 1;
  }
  if (this.drag) {
    g.fillStyle = css("--accent"); g.globalAlpha = 0.12;
    g.fillRect(Math.min(this.drag.x0, this.drag.x1), f.top, Math.abs(this.drag.x1 - this.drag.x0), f.bottom - f.top);
    g.globalAlpha = 1;
  }
};

function redrawAll() { CHARTS.forEach(function (c) { c.draw(); }); }
var resizeTimer = 0;
window.addEventListener("resize", function () { clearTimeout(resizeTimer); resizeTimer = setTimeout(redrawAll, 60); });
if (window.matchMedia) window.matchMedia("(prefers-color-scheme: dark)").addEventListener("change", redrawAll);

/** The toolbar over charts: x axis, smoothing, log scale. */
function chartToolbar(extra) {
  var segs = [["step", "Step"], ["wall", "Wall time"], ["rel", "Relative"]].map(function (o) {
    return h("button", { type: "button", "aria-pressed": VIEW.x === o[0] ? "true" : "false", "data-x": o[0], text: o[1],
      onclick: function () { setX(o[0]); } });
  });
  var smooth = h("input", { type: "range", min: "0", max: "0.99", step: "0.01", value: String(VIEW.smooth), "aria-label": "smoothing",
    oninput: function () { VIEW.smooth = Number(smooth.value); sv.textContent = VIEW.smooth.toFixed(2); redrawAll(); } });
  var sv = h("span", { class: "mono", text: VIEW.smooth.toFixed(2) });
  var logBox = h("input", { type: "checkbox", id: "logscale", onchange: function () { VIEW.log = logBox.checked; redrawAll(); } });
  function setX(x) {
    VIEW.x = x;
    segs.forEach(function (b) { b.setAttribute("aria-pressed", b.getAttribute("data-x") === x ? "true" : "false"); });
    CHARTS.forEach(function (c) { c.zoom = null; c.series.forEach(function (s) { s.detailData = null; }); c.label(); });
    redrawAll();
  }
  keys([["x", "cycle the x axis: step, wall time, relative"], ["l", "log scale"], ["s", "smoothing: focus the slider"],
    ["drag", "zoom a chart (detail is fetched)"], ["dbl-click / Esc", "zoom out"], ["\u2190 \u2192", "read values on a focused chart"]]);
  document.addEventListener("keydown", function (e) {
    if (typing(e) || e.metaKey || e.ctrlKey || e.altKey) return;
    if (e.key === "x") setX(VIEW.x === "step" ? "wall" : VIEW.x === "wall" ? "rel" : "step");
    else if (e.key === "l") { logBox.checked = !logBox.checked; VIEW.log = logBox.checked; redrawAll(); }
    else if (e.key === "s") { e.preventDefault(); smooth.focus(); }
  });
  return h("div", { class: "toolbar", role: "toolbar", "aria-label": "chart options" },
    h("span", { class: "seg", role: "group", "aria-label": "x axis" }, segs),
    h("label", null, "Smoothing", smooth, sv),
    h("label", null, logBox, "Log scale"),
    h("span", { class: "grow" }), extra || null);
}
`;
