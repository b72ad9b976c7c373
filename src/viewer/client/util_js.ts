/**
 * The browser script's helpers: building elements (text only: no markup is
 * ever made from data), numbers and times, fetching JSON, run colours.
 * Plain JavaScript in a string, shipped with the package (no build, no CDN).
 *
 * @module
 */

/**
 * Helpers the page scripts share.
 *
 * @example
 * ```ts ignore
 * const script = UTIL_JS + CHART_JS + HOME_JS + RUNS_JS + RUN_JS + COMPARE_JS + PAGES_JS;
 * ```
 */
export const UTIL_JS: string = String.raw`
"use strict";
var BOOT = JSON.parse(document.getElementById("boot").textContent);
var STATIC = !!BOOT.static;
var COLORS = ["#4e79a7", "#f28e2b", "#e15759", "#59a14f", "#b07aa1", "#76b7b2", "#edc948",
  "#ff9da7", "#9c755f", "#86bcb6"];

/** An element: attrs set as attributes (or listeners for on*), children as text or nodes. */
function h(tag, attrs) {
  var el = document.createElement(tag);
  if (attrs) for (var k in attrs) {
    var v = attrs[k];
    if (v === undefined || v === null || v === false) continue;
    if (k.slice(0, 2) === "on") el.addEventListener(k.slice(2), v);
    else if (k === "text") el.textContent = String(v);
    else el.setAttribute(k, v === true ? "" : String(v));
  }
  for (var i = 2; i < arguments.length; i++) add1(el, arguments[i]);
  return el;
}
function add(el) {
  for (var i = 1; i < arguments.length; i++) add1(el, arguments[i]);
}
function add1(el, c) {
  if (c === undefined || c === null || c === false) return;
  if (Array.isArray(c)) { c.forEach(function (x) { add1(el, x); }); return; }
  el.appendChild(typeof c === "object" ? c : document.createTextNode(String(c)));
}
function clear(el) { while (el.firstChild) el.removeChild(el.firstChild); return el; }

function fmt(v) {
  if (v === null || v === undefined) return "\u2014";
  if (typeof v !== "number") return String(v);
  if (!isFinite(v)) return String(v);
  if (v === 0) return "0";
  var a = Math.abs(v);
  if (a >= 1e6 || a < 1e-4) return v.toExponential(3).replace(/\.?0+e/, "e");
  if (Number.isInteger(v)) return v.toLocaleString("en-US");
  return String(Number(v.toPrecision(5)));
}
function tick(v, span) {
  if (v === 0) return "0";
  var a = Math.abs(v);
  if (a >= 1e5 || a < 1e-3) return v.toExponential(1).replace(/\.0e/, "e");
  var digits = Math.max(0, Math.min(6, -Math.floor(Math.log10(span || 1)) + 1));
  return Number(v.toFixed(digits)).toLocaleString("en-US", { maximumFractionDigits: 6 });
}
function pad(n) { return n < 10 ? "0" + n : String(n); }
function when(ms) {
  if (!ms) return "\u2014";
  var d = new Date(ms);
  return d.getFullYear() + "-" + pad(d.getMonth() + 1) + "-" + pad(d.getDate()) + " " +
    pad(d.getHours()) + ":" + pad(d.getMinutes());
}
function ago(ms) {
  if (!ms) return "\u2014";
  var s = (Date.now() - ms) / 1000;
  if (s < 60) return "just now";
  if (s < 3600) return Math.floor(s / 60) + " min ago";
  if (s < 86400) return Math.floor(s / 3600) + " h ago";
  if (s < 86400 * 30) return Math.floor(s / 86400) + " d ago";
  return when(ms).slice(0, 10);
}
function dur(ms) {
  if (ms === undefined || ms === null || ms < 0) return "\u2014";
  var s = ms / 1000;
  if (s < 60) return s.toFixed(s < 10 ? 1 : 0) + " s";
  var m = Math.floor(s / 60);
  if (m < 60) return m + " min " + pad(Math.floor(s % 60)) + " s";
  var hr = Math.floor(m / 60);
  return hr + " h " + pad(m % 60) + " min";
}
function runDuration(info) {
  if (!info.startTime) return undefined;
  return (info.endTime || (info.status === "RUNNING" ? Date.now() : info.startTime)) - info.startTime;
}
function bytes(n) {
  if (n === undefined || n === null) return "";
  if (n < 1024) return n + " B";
  if (n < 1048576) return (n / 1024).toFixed(1) + " KB";
  return (n / 1048576).toFixed(1) + " MB";
}
function getJSON(url) {
  return fetch(url, { headers: { accept: "application/json" } }).then(function (r) {
    return r.json().then(function (body) {
      if (!r.ok) throw new Error(body && body.error ? body.error : "HTTP " + r.status);
      return body;
    });
  });
}
function qs(params) {
  var out = [];
  for (var k in params) if (params[k] !== undefined && params[k] !== null && params[k] !== "") {
    out.push(encodeURIComponent(k) + "=" + encodeURIComponent(params[k]));
  }
  return out.join("&");
}
function runName(r) { return r.info.runName || r.info.runId.slice(0, 8); }
function statusEl(status) { return h("span", { class: "status " + status, text: status.toLowerCase() }); }
/** A badge for what a store keeps in its trash (reached by a bookmark or a typed URL). */
function deletedEl(stage) {
  return stage === "deleted" ? h("span", { class: "deleted", role: "note", text: "deleted: in the store's trash" }) : null;
}
function isSystem(key) { return key.slice(0, 7) === "system/"; }
function sortKeys(keys) { return keys.slice().sort(function (a, b) { return a < b ? -1 : a > b ? 1 : 0; }); }
function href(path) { return STATIC ? null : path; }
function link(path, text, cls) {
  return STATIC ? h("span", { class: cls, text: text }) : h("a", { href: path, class: cls, text: text });
}

/** The page frame: the bar on top (with a breadcrumb) and the main area. */
function frame(crumbs, title) {
  document.title = title ? title + " \u00b7 oicm tracking" : "oicm tracking";
  var nav = h("nav", { "aria-label": "breadcrumb" });
  crumbs.forEach(function (c, i) {
    if (i > 0) add(nav, h("span", { class: "sep", "aria-hidden": "true", text: "/" }));
    add(nav, c[1] ? link(c[1], c[0]) : h("span", { text: c[0] }));
  });
  var live = h("span", { class: "live", id: "live", hidden: true, text: "live" });
  var top = h("header", { class: "top" },
    STATIC ? h("span", { class: "brand" }, "oicm", h("span", { text: "\u00b7" }), "tracking")
      : h("a", { class: "brand", href: "/" }, "oicm", h("span", { text: "\u00b7" }), "tracking"),
    nav, h("div", { class: "right" }, live, STATIC ? null : h("span", { class: "keyhint" }, h("kbd", { text: "?" }), " keys")));
  var main = h("main", { id: "main" });
  document.body.appendChild(top);
  document.body.appendChild(main);
  return main;
}

var HELP = [];
function keys(list) { HELP = HELP.concat(list); }
function helpBox() {
  var box = h("div", { class: "help", role: "dialog", "aria-label": "keyboard shortcuts" },
    h("div", null, h("h2", { text: "Keys" }),
      h("table", null, h("tbody", null, HELP.map(function (k) {
        return h("tr", null, h("td", null, h("kbd", { text: k[0] })), h("td", { text: k[1] }));
      })))));
  box.addEventListener("click", function () { box.classList.remove("open"); });
  document.body.appendChild(box);
  return box;
}
function typing(e) {
  var t = e.target;
  if (!t) return false;
  if (t.tagName === "INPUT") return !/^(range|checkbox|radio|button|submit)$/.test(t.type);
  return t.tagName === "TEXTAREA" || t.tagName === "SELECT";
}
`;
