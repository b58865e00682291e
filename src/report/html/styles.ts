/**
 * The report's one inline stylesheet (its hash is in the CSP; style attributes are never used,
 * since the CSP would refuse them). System fonts only: nothing is fetched. Light colours on
 * screen and paper; @media print drops the remaining fills behind text, keeps table headers on
 * every page, avoids cutting a finding or a table row across pages, and fits the SVGs to the page.
 */
export const STYLES = `
:root { --ink: #1d2430; --muted: #5b6472; --line: #d5dae1; --paper: #ffffff; --panel: #f5f7fa;
  --critical: #8b0000; --high: #d62728; --medium: #e6780f; --low: #b08d00; --info: #1f6fb4; --none: #8c8c8c; }
* { box-sizing: border-box; }
html { background: var(--paper); color: var(--ink); }
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif; margin: 0 auto; max-width: 1040px; padding: 16px 20px 48px; }
h1 { font-size: 22px; margin: 8px 0 4px; }
h2 { font-size: 18px; margin: 28px 0 8px; border-bottom: 1px solid var(--line); padding-bottom: 4px; }
h3 { font-size: 15px; margin: 18px 0 6px; }
p { margin: 6px 0; }
code, .mono { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, "Liberation Mono", monospace; font-size: 12.5px; }
a { color: #1f5fa8; }
.muted, .note { color: var(--muted); }
.subtitle { color: var(--muted); margin: 0 0 12px; }
nav.toc { font-size: 13px; margin: 8px 0 16px; }
nav.toc a { margin-right: 12px; }
.banner { border: 2px solid; border-radius: 6px; padding: 10px 14px; margin: 12px 0; }
.banner.verdict-fail { border-color: var(--high); background: #fdecea; }
.banner.verdict-pass { border-color: #2e7d32; background: #e8f5e9; }
.banner .verdict { font-size: 20px; font-weight: 700; margin-right: 10px; }
.banner.verdict-fail .verdict { color: #a31515; }
.banner.verdict-pass .verdict { color: #1b5e20; }
.facts { display: grid; grid-template-columns: max-content 1fr; gap: 2px 14px; margin: 8px 0; }
.facts dt { font-weight: 600; color: var(--muted); }
.facts dd { margin: 0; overflow-wrap: anywhere; }
.badge { display: inline-block; border: 1px solid; border-radius: 3px; padding: 0 6px; font-size: 12px; font-weight: 700; text-transform: uppercase; background: var(--paper); }
.badge.sev-critical { color: var(--critical); } .badge.sev-high { color: var(--high); } .badge.sev-medium { color: var(--medium); }
.badge.sev-low { color: var(--low); } .badge.sev-info { color: var(--info); } .badge.sev-none { color: var(--none); }
.finding { border: 1px solid var(--line); border-left-width: 5px; border-radius: 4px; padding: 8px 12px; margin: 10px 0; break-inside: avoid; }
.finding.sev-critical { border-left-color: var(--critical); } .finding.sev-high { border-left-color: var(--high); }
.finding.sev-medium { border-left-color: var(--medium); } .finding.sev-low { border-left-color: var(--low); }
.finding.sev-info { border-left-color: var(--info); }
.finding.suppressed { opacity: 0.75; }
.finding h4 { margin: 0 0 4px; font-size: 14px; }
.finding .evidence { margin: 4px 0; padding-left: 18px; font-size: 13px; }
.finding p, .finding .evidence li, .facts dd, ul.plain li { overflow-wrap: anywhere; }
.finding .recommendation { font-size: 13px; }
.figure { margin: 8px 0 4px; }
svg.map, svg.bars, svg.timeline { display: block; width: 100%; height: auto; }
.sphere { fill: #eef4f9; stroke: #b8c4d0; stroke-width: 0.6; }
.graticule { fill: none; stroke: #d9e2ea; stroke-width: 0.4; }
.land, .country { fill: #e2e2df; stroke: #ffffff; stroke-width: 0.4; }
.country.v-home { fill: #b5dcaa; } .country.v-allowed { fill: #c3d8ee; } .country.v-outside { fill: #f9c995; }
.country.v-denied { fill: #f09b9b; } .country.v-reached { fill: #d8cdeb; }
.arc { fill: none; stroke-width: 1.6; stroke-opacity: 0.85; stroke-linecap: round; }
.arc.sev-critical { stroke: var(--critical); } .arc.sev-high { stroke: var(--high); } .arc.sev-medium { stroke: var(--medium); }
.arc.sev-low { stroke: var(--low); } .arc.sev-info { stroke: var(--info); } .arc.sev-none { stroke: var(--none); }
.marker.endpoint { stroke: #ffffff; stroke-width: 1; fill-opacity: 0.9; }
.marker.sev-critical { fill: var(--critical); } .marker.sev-high { fill: var(--high); } .marker.sev-medium { fill: var(--medium); }
.marker.sev-low { fill: var(--low); } .marker.sev-info { fill: var(--info); } .marker.sev-none { fill: var(--none); }
.marker.vantage { fill: #111827; stroke: #ffffff; stroke-width: 1.2; }
.labels text { font-size: 11px; fill: #1d2430; paint-order: stroke; stroke: #ffffff; stroke-width: 3px; stroke-linejoin: round; }
.legend { list-style: none; display: flex; flex-wrap: wrap; gap: 4px 16px; padding: 0; margin: 6px 0; font-size: 12.5px; }
.legend li { display: flex; align-items: center; gap: 5px; }
.swatch { display: inline-block; vertical-align: middle; }
.bar-label { font-size: 12.5px; text-anchor: end; fill: var(--ink); }
.bar-value { font-size: 12px; fill: var(--muted); }
.bar { fill: #6b8fbf; }
.bar-row.v-outside .bar { fill: #e6780f; } .bar-row.v-denied .bar { fill: #c62828; }
.bar-row.v-home .bar { fill: #4c9a3f; } .bar-row.v-allowed .bar { fill: #4f7fbf; }
.timeline .axis line { stroke: #e1e5ea; stroke-width: 1; }
.timeline .axis text { font-size: 11px; fill: var(--muted); text-anchor: middle; }
.lane-bg { fill: #ffffff; stroke: #eef0f3; }
.lane:nth-of-type(even) .lane-bg { fill: #f7f8fa; }
.lane-label { font-size: 12px; text-anchor: end; fill: var(--ink); }
.flow-bar { fill-opacity: 0.85; }
.role-media { fill: #1f77b4; } .role-relay { fill: #9467bd; } .role-vpn { fill: #393b79; } .role-control { fill: #2ca02c; } .role-telemetry { fill: #e377c2; }
.role-web { fill: #17becf; } .role-dns { fill: #bcbd22; } .role-lan { fill: #7f7f7f; } .role-other { fill: #8c564b; }
.table-wrap { overflow-x: auto; }
table { border-collapse: collapse; width: 100%; margin: 6px 0 12px; font-size: 12.5px; }
caption { text-align: left; color: var(--muted); padding: 2px 0 4px; }
th, td { border-bottom: 1px solid var(--line); padding: 4px 6px; text-align: left; vertical-align: top; overflow-wrap: break-word; }
td.wide { overflow-wrap: anywhere; min-width: 14em; }
td.nowrap { white-space: nowrap; }
th { background: var(--panel); font-weight: 600; white-space: nowrap; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
table.sort-ready th { cursor: pointer; user-select: none; }
table.sort-ready th:hover, table.sort-ready th:focus { background: #e6ebf1; outline: none; }
th[aria-sort="ascending"]::after { content: " \\25B2"; font-size: 10px; }
th[aria-sort="descending"]::after { content: " \\25BC"; font-size: 10px; }
tr:target { background: #fff7d6; }
ul.plain { margin: 4px 0; padding-left: 18px; }
.warnings li { color: #8a4b00; }
.empty { color: var(--muted); font-style: italic; }
footer { margin-top: 32px; color: var(--muted); font-size: 12px; border-top: 1px solid var(--line); padding-top: 8px; }
@page { margin: 12mm; }
@media print {
  html, body { background: #ffffff; color: #000000; }
  body { max-width: none; padding: 0; font-size: 11px; }
  nav.toc { display: none; }
  a { color: inherit; text-decoration: none; }
  .banner.verdict-fail, .banner.verdict-pass { background: #ffffff; }
  th { background: #ffffff; border-bottom: 1.5px solid #000000; }
  thead { display: table-header-group; }
  .table-wrap { overflow: visible; }
  tr, .finding, .figure, .legend { break-inside: avoid; page-break-inside: avoid; }
  h2, h3 { break-after: avoid; page-break-after: avoid; }
  svg.map { max-height: 170mm; }
  svg.timeline { max-height: 230mm; }
  th[aria-sort]::after { content: ""; }
  tr:target { background: #ffffff; }
}
`
