// The report's stylesheet, inlined in the page: red for what is unhealthy, green for what is fine.
export const STYLE = `
:root { --ok: #1a7f37; --bad: #cf222e; --grey: #6e7781; --bg: #f6f8fa; --line: #d0d7de; }
* { box-sizing: border-box; }
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; margin: 0; color: #1f2328; background: #fff; }
header { padding: 16px 24px 8px; border-bottom: 1px solid var(--line); background: var(--bg); }
h1 { font-size: 20px; margin: 0 0 4px; }
h2 { font-size: 16px; margin: 24px 0 8px; }
h3 { font-size: 15px; margin: 0 0 6px; }
main { padding: 0 24px 24px; }
.meta { color: var(--grey); margin: 0 0 8px; word-break: break-all; }
.badge { display: inline-block; padding: 1px 8px; border-radius: 10px; font-size: 12px; font-weight: 600; color: #fff; }
.badge.healthy { background: var(--ok); }
.badge.unhealthy { background: var(--bad); }
.badge.unreachable { background: var(--grey); }
.picture { overflow-x: auto; margin-top: 12px; }
svg.topology text { font: 12px system-ui, sans-serif; fill: #1f2328; }
svg.topology text.name { font-weight: 700; font-size: 14px; }
svg.topology text.sub { fill: var(--grey); }
svg.topology text.lead { font-size: 11px; font-weight: 600; text-anchor: end; fill: #0969da; }
svg.topology .box rect { fill: #dafbe1; stroke: var(--ok); stroke-width: 2; }
svg.topology .box.unhealthy rect { fill: #ffebe9; stroke: var(--bad); stroke-width: 3; }
svg.topology .box.unhealthy text.state { fill: var(--bad); font-weight: 700; }
svg.topology .box.unreachable rect { fill: #eaeef2; stroke: var(--grey); stroke-dasharray: 4 3; }
line.control { stroke: #afb8c1; stroke-width: 1; }
svg.topology text.tunnel-label { font-size: 11px; text-anchor: middle; fill: var(--ok); }
svg.topology text.tunnel-label { paint-order: stroke; stroke: #fff; stroke-width: 3px; }
svg.topology text.tunnel-label.down { fill: var(--bad); }
svg.topology text.tunnel-label.unknown { fill: var(--grey); }
line.tunnel { stroke-width: 2.5; }
line.tunnel.up { stroke: var(--ok); }
line.tunnel.down { stroke: var(--bad); stroke-dasharray: 8 5; stroke-width: 3; }
line.tunnel.unknown { stroke: var(--grey); stroke-dasharray: 2 4; }
.legend { color: var(--grey); font-size: 12px; }
.key { display: inline-block; width: 24px; height: 0; margin: 0 4px 3px 12px; border-top: 3px solid var(--ok); }
.key.down { border-top: 3px dashed var(--bad); }
.key.unknown { border-top: 3px dotted var(--grey); }
.key.control { border-top: 1px solid #afb8c1; }
.hosts { display: grid; grid-template-columns: repeat(auto-fill, minmax(340px, 1fr)); gap: 12px; }
section.host { border: 1px solid var(--line); border-left: 5px solid var(--ok); border-radius: 6px; }
section.host { padding: 10px 12px; }
section.host.unhealthy { border-color: var(--bad); background: #fff8f7; }
section.host.unreachable { border-left-color: var(--grey); background: var(--bg); }
dl { display: grid; grid-template-columns: 80px 1fr; gap: 2px 8px; margin: 0; }
dt { color: var(--grey); }
dd { margin: 0; word-break: break-word; }
.chip { display: inline-block; padding: 0 6px; border-radius: 4px; font-size: 12px; margin: 1px 0; }
.chip.up { background: #dafbe1; color: var(--ok); }
.chip.down { background: #ffebe9; color: var(--bad); font-weight: 700; }
.bad { color: var(--bad); font-weight: 600; }
.ok { color: var(--ok); margin: 8px 0 0; }
ul.failed { list-style: none; margin: 8px 0 0; padding: 0; }
ul.failed li { border-left: 3px solid var(--bad); background: #ffebe9; padding: 4px 8px; margin-bottom: 6px; }
ul.failed .task { font-weight: 600; color: var(--bad); }
ul.failed .what { word-break: break-word; }
code { font: 12px ui-monospace, monospace; background: #fff; padding: 0 3px; word-break: break-all; }
.problems { border: 2px solid var(--bad); border-radius: 6px; padding: 0 12px 8px; margin-top: 12px; }
.problems h2 { color: var(--bad); }
table { border-collapse: collapse; width: 100%; }
th, td { text-align: left; border-bottom: 1px solid var(--line); padding: 4px 8px; vertical-align: top; }
tr.down td { color: var(--bad); font-weight: 600; }
tr.unknown td { color: var(--grey); }
`;
