/**
 * The viewer's stylesheet: system fonts, tabular figures, dense tables, and
 * light or dark colours as the system prefers.
 *
 * @module
 */

/**
 * The stylesheet, served as `/assets/app.css` or inlined in an HTML export.
 *
 * @example
 * ```ts ignore
 * const res = new Response(APP_CSS, { headers: { "content-type": "text/css" } });
 * ```
 */
export const APP_CSS: string = String.raw`
:root {
  --bg: #fbfbfa; --panel: #ffffff; --fg: #1d1f23; --muted: #6a6f78; --faint: #9aa0a8;
  --line: #e6e6e3; --line2: #d4d4d0; --hover: #f3f3f0; --accent: #2f6fde; --accent-bg: #e9f0fd;
  --good: #23845a; --bad: #c23b32; --warn: #a86a00; --diff: #fff5d6; --diff-fg: #7a5400;
  --mono: ui-monospace, "SF Mono", "JetBrains Mono", Menlo, Consolas, monospace;
  --sans: system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", sans-serif;
  color-scheme: light dark;
}
@media (prefers-color-scheme: dark) {
  :root {
    --bg: #111214; --panel: #17181b; --fg: #e4e5e7; --muted: #979ba3; --faint: #6b6f77;
    --line: #26282c; --line2: #33363b; --hover: #1f2125; --accent: #6ea2ff; --accent-bg: #1c2740;
    --good: #4cc38a; --bad: #ff6b60; --warn: #e0a33a; --diff: #2e2814; --diff-fg: #f0c869;
  }
}
* { box-sizing: border-box; }
[hidden] { display: none !important; }
html { font: 13px/1.45 var(--sans); background: var(--bg); color: var(--fg);
  font-variant-numeric: tabular-nums; -webkit-font-smoothing: antialiased; }
body { margin: 0; }
a { color: var(--accent); text-decoration: none; }
a:hover { text-decoration: underline; }
:focus-visible { outline: 2px solid var(--accent); outline-offset: 1px; }
code, .mono { font-family: var(--mono); font-size: 12px; }
header.top { position: sticky; top: 0; z-index: 5; display: flex; align-items: center; gap: 10px;
  padding: 0 20px; height: 42px; background: color-mix(in srgb, var(--bg) 88%, transparent);
  backdrop-filter: blur(8px); border-bottom: 1px solid var(--line); }
header.top .brand { font-weight: 650; color: var(--fg); letter-spacing: -0.01em; }
header.top .brand span { color: var(--accent); }
header.top nav { display: flex; gap: 6px; align-items: center; color: var(--muted); min-width: 0; }
header.top nav a, header.top nav span { white-space: nowrap; overflow: hidden; text-overflow: ellipsis;
  max-width: 36ch; }
header.top nav .sep { color: var(--faint); }
header.top .right { margin-left: auto; display: flex; gap: 12px; align-items: center; color: var(--muted); }
.live { display: inline-flex; align-items: center; gap: 6px; font-size: 12px; }
.live::before { content: ""; width: 7px; height: 7px; border-radius: 50%; background: var(--good);
  animation: pulse 1.6s infinite; }
@keyframes pulse { 50% { opacity: 0.25; } }
main { padding: 18px 20px 60px; max-width: 1680px; margin: 0 auto; }
h1 { font-size: 19px; font-weight: 650; margin: 0 0 2px; letter-spacing: -0.015em;
  overflow-wrap: anywhere; }
h2 { font-size: 12px; font-weight: 600; text-transform: uppercase; letter-spacing: 0.06em;
  color: var(--muted); margin: 26px 0 8px; display: flex; align-items: baseline; gap: 8px; }
h2 .count { font-weight: 400; color: var(--faint); letter-spacing: 0; text-transform: none; }
.sub { color: var(--muted); display: flex; flex-wrap: wrap; gap: 4px 16px; margin-bottom: 12px; }
.sub b { color: var(--fg); font-weight: 500; }
.empty { color: var(--muted); padding: 24px 0; }
.error { color: var(--bad); background: color-mix(in srgb, var(--bad) 10%, transparent);
  padding: 8px 12px; border-radius: 6px; margin: 8px 0; overflow-wrap: anywhere; }
.toolbar { display: flex; flex-wrap: wrap; gap: 8px 14px; align-items: center; margin: 10px 0 12px;
  padding: 8px 10px; background: var(--panel); border: 1px solid var(--line); border-radius: 8px; }
.toolbar label { display: inline-flex; align-items: center; gap: 6px; color: var(--muted); }
.toolbar .grow { flex: 1; }
.seg { display: inline-flex; border: 1px solid var(--line2); border-radius: 6px; overflow: hidden; }
.seg button { border: 0; border-radius: 0; border-right: 1px solid var(--line2); }
.seg button:last-child { border-right: 0; }
.seg button[aria-pressed="true"] { background: var(--accent-bg); color: var(--accent); }
button, .button { font: inherit; color: var(--fg); background: var(--panel);
  border: 1px solid var(--line2); border-radius: 6px; padding: 3px 10px; cursor: pointer; }
button:hover { background: var(--hover); }
button:disabled { opacity: 0.45; cursor: default; }
button.primary { background: var(--accent); border-color: var(--accent); color: #fff; }
button.primary:hover { filter: brightness(1.08); }
input[type=text], input[type=search] { font: inherit; color: var(--fg); background: var(--bg);
  border: 1px solid var(--line2); border-radius: 6px; padding: 4px 9px; }
input[type=search].filter { width: 100%; font-family: var(--mono); font-size: 12px; }
input[type=range] { width: 110px; accent-color: var(--accent); }
input[type=checkbox] { accent-color: var(--accent); margin: 0; }
kbd { font: 11px var(--mono); border: 1px solid var(--line2); border-bottom-width: 2px;
  border-radius: 4px; padding: 0 4px; color: var(--muted); }
.tablewrap { overflow: auto; border: 1px solid var(--line); border-radius: 8px; background: var(--panel);
  max-height: calc(100vh - 210px); }
table { border-collapse: separate; border-spacing: 0; width: 100%; }
th, td { padding: 4px 10px; text-align: left; border-bottom: 1px solid var(--line);
  white-space: nowrap; max-width: 320px; overflow: hidden; text-overflow: ellipsis; }
thead th { position: sticky; top: 0; background: var(--panel); font-weight: 550; color: var(--muted);
  font-size: 12px; z-index: 1; border-bottom: 1px solid var(--line2); }
th.num, td.num { text-align: right; }
tbody tr:hover, tbody tr.cursor { background: var(--hover); }
tbody tr.cursor { box-shadow: inset 2px 0 var(--accent); }
tbody tr:last-child td, tbody tr:last-child th { border-bottom: 0; }
th button.sort { all: unset; cursor: pointer; display: inline-flex; gap: 4px; align-items: center; }
th button.sort:focus-visible { outline: 2px solid var(--accent); }
th .kind { color: var(--faint); font-weight: 400; }
th.diffcol { color: var(--fg); }
th .arrow { color: var(--accent); }
tr.group th { background: var(--bg); color: var(--faint); font-weight: 500; font-size: 11px;
  text-transform: uppercase; letter-spacing: 0.05em; position: static; }
td.dim, .dim { color: var(--faint); }
td.best { color: var(--good); font-weight: 600; }
td.diff { background: var(--diff); color: var(--diff-fg); }
tr.differs th[scope=row]::after { content: " \2260"; color: var(--diff-fg); font-weight: 600; }
table.kv th[scope=row] { color: var(--muted); font-weight: 400; width: 34%; white-space: nowrap;
  max-width: none; }
table.kv td { white-space: normal; overflow-wrap: anywhere; max-width: none; }
.status { display: inline-flex; align-items: center; gap: 5px; font-size: 12px; }
.status::before { content: ""; width: 7px; height: 7px; border-radius: 50%; background: var(--faint); }
.status.RUNNING { color: var(--accent); } .status.RUNNING::before { background: var(--accent);
  animation: pulse 1.6s infinite; }
.status.FINISHED::before { background: var(--good); }
.deleted { font-size: 12px; color: var(--bad); border: 1px solid currentColor; border-radius: 4px;
  padding: 0 6px; }
.status.FAILED { color: var(--bad); } .status.FAILED::before { background: var(--bad); }
.status.KILLED { color: var(--warn); } .status.KILLED::before { background: var(--warn); }
.charts { display: grid; grid-template-columns: repeat(auto-fill, minmax(min(380px, 100%), 1fr));
  gap: 12px; }
figure.chart { margin: 0; background: var(--panel); border: 1px solid var(--line); border-radius: 8px;
  padding: 8px 10px 6px; position: relative; min-width: 0; }
figure.chart figcaption { display: flex; gap: 8px; align-items: baseline; font-weight: 600;
  font-size: 12.5px; overflow: hidden; }
figure.chart figcaption .key { overflow: hidden; text-overflow: ellipsis; white-space: nowrap; }
figure.chart figcaption .meta { color: var(--faint); font-weight: 400; margin-left: auto;
  white-space: nowrap; font-size: 11.5px; }
figure.chart canvas { display: block; width: 100%; height: 190px; cursor: crosshair;
  touch-action: none; border-radius: 4px; }
figure.chart canvas:focus-visible { outline-offset: 2px; }
.readout { position: absolute; pointer-events: none; z-index: 3; background: var(--panel);
  border: 1px solid var(--line2); border-radius: 6px; padding: 5px 8px; font-size: 11.5px;
  box-shadow: 0 4px 16px rgba(0,0,0,0.12); white-space: nowrap; display: none; }
.readout .x { color: var(--muted); margin-bottom: 2px; }
.readout .row { display: flex; gap: 8px; align-items: center; }
.readout .row b { font-weight: 600; margin-left: auto; padding-left: 12px; }
.swatch { display: inline-block; width: 10px; height: 10px; border-radius: 3px; flex: none; }
.legend { display: flex; flex-wrap: wrap; gap: 6px 16px; margin: 4px 0 10px; }
.legend a, .legend span { display: inline-flex; align-items: center; gap: 6px; }
.cols { display: grid; grid-template-columns: minmax(0, 1fr) minmax(0, 1fr); gap: 0 24px; }
@media (max-width: 900px) { .cols { grid-template-columns: 1fr; } }
.card { background: var(--panel); border: 1px solid var(--line); border-radius: 8px; overflow: auto; }
.artifacts { display: grid; grid-template-columns: minmax(200px, 300px) 1fr; min-height: 240px; }
.artifacts ul { list-style: none; margin: 0; padding: 4px; border-right: 1px solid var(--line);
  overflow: auto; max-height: 520px; }
.artifacts li button { all: unset; display: flex; gap: 8px; width: 100%; box-sizing: border-box;
  padding: 3px 8px; border-radius: 4px; cursor: pointer; }
.artifacts li button:hover, .artifacts li button[aria-current="true"] { background: var(--hover); }
.artifacts li button:focus-visible { outline: 2px solid var(--accent); }
.artifacts li .size { margin-left: auto; color: var(--faint); }
.artifacts .preview { padding: 10px 12px; overflow: auto; max-height: 520px; min-width: 0; }
.artifacts pre { margin: 0; font: 12px/1.5 var(--mono); white-space: pre-wrap; overflow-wrap: anywhere; }
.artifacts img { max-width: 100%; background: repeating-conic-gradient(var(--line) 0 25%, transparent 0 50%) 0 0 / 16px 16px; }
details.columns { position: relative; }
details.columns summary { list-style: none; cursor: pointer; }
details.columns summary::-webkit-details-marker { display: none; }
details.columns .menu { position: absolute; right: 0; top: 28px; z-index: 6; background: var(--panel);
  border: 1px solid var(--line2); border-radius: 8px; padding: 6px; max-height: 420px; overflow: auto;
  min-width: 240px; box-shadow: 0 8px 28px rgba(0,0,0,0.16); }
details.columns .menu label { display: flex; gap: 8px; padding: 2px 6px; color: var(--fg); }
.help { position: fixed; inset: 0; display: none; place-items: center; z-index: 20;
  background: rgba(0,0,0,0.35); }
.help.open { display: grid; }
.help > div { background: var(--panel); border: 1px solid var(--line2); border-radius: 10px;
  padding: 16px 22px; min-width: 320px; }
.help table td { border: 0; padding: 3px 8px; }
.tablewrap { width: fit-content; min-width: min(100%, 720px); max-width: 100%; }
.tablewrap > table { width: 100%; }
@media (max-width: 640px) {
  header.top { padding: 0 12px; gap: 8px; }
  header.top .keyhint { display: none; }
  main { padding: 14px 12px 40px; }
  .artifacts { grid-template-columns: minmax(0, 1fr); }
  .artifacts ul { border-right: 0; border-bottom: 1px solid var(--line); }
}
td .dim, a.dim { color: var(--muted); }
.tablewrap > table td:nth-child(2) { max-width: 280px; }
`;
