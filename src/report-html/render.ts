// ReportData → one self-contained HTML page: inline CSS and SVG, no script, and a Content-Security-Policy
// that forbids every fetch, so the page needs no network and runs nothing even if a value slipped through.
// Every value from a host goes through html`` (escaped).
import type { ReportCheck, ReportData, ReportDb, ReportHost, ReportTunnel } from './data.js';
import { Html, html } from './html.js';
import { BOX, type Box, centre, layout } from './layout.js';
import { STYLE } from './style.js';

const CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:";

const failedLine = (n: number): string => (n === 0 ? 'all checks pass' : `${n} failed check${n === 1 ? '' : 's'}`);
const encaps = (es: readonly { type: string; ip: string }[]): string => es.map((e) => `${e.type} ${e.ip}`).join(', ');

function line(cls: string, a: Box, b: Box, title?: string): Html {
  const [p, q] = [centre(a), centre(b)];
  const tip = title === undefined ? '' : html`<title>${title}</title>`;
  return html`<line class="${cls}" x1="${p.x}" y1="${p.y}" x2="${q.x}" y2="${q.y}">${tip}</line>`;
}

function hostBox(h: ReportHost, b: Box, d: ReportData, anchor: string): Html {
  const leads = d.databases.filter((db) => db.mode === 'clustered' && db.leader === h.name).map((db) => db.db);
  const sub = h.roles.includes('master') ? 'master' : 'node';
  const state = h.health === 'unhealthy' ? failedLine(h.failed.length) : h.health;
  const leader = leads.length
    ? html`<text x="${b.x + BOX.w - 10}" y="${b.y + 20}" class="lead">${leads.join('+').toUpperCase()} leader</text>`
    : '';
  return html`<a href="#${anchor}" class="box ${h.health}" data-host="${h.name}" data-health="${h.health}">
<title>${h.name} ${h.address}: ${h.health}</title>
<rect x="${b.x}" y="${b.y}" width="${BOX.w}" height="${BOX.h}" rx="8"/>
<text x="${b.x + 10}" y="${b.y + 20}" class="name">${h.name}</text>${leader}
<text x="${b.x + 10}" y="${b.y + 36}" class="sub">${sub} · ${h.encapIp}</text>
<text x="${b.x + 10}" y="${b.y + 52}" class="state">${state}</text></a>`;
}

/** Masters on top, nodes below; each node's OVSDB link to the masters faint, tunnels between chassis. */
function topology(d: ReportData): Html {
  const l = layout(d.masters, d.nodes);
  const at = new Map(l.boxes.map((b) => [b.name, b]));
  const boxOf = (chassis: string) => at.get(d.chassis.find((c) => c.name === chassis)?.host ?? '');
  const control = d.hosts
    .filter((h) => h.roles.includes('node'))
    .flatMap((n) => d.masters.map((m) => [at.get(n.name), at.get(m)] as const))
    .map(([a, b]) => (a && b && a !== b ? line('control', a, b) : html``));
  const tunnels = d.tunnels.map((t) => {
    const [a, b] = [boxOf(t.a), boxOf(t.b)];
    if (!a || !b) return html``;
    const tunnel = line(`tunnel ${t.state}`, a, b, `${t.a} ⇄ ${t.b} (${t.type}): ${t.state}`);
    if (d.tunnels.length > 12) return tunnel;
    const [p, q] = [centre(a), centre(b)];
    const [x, y] = [(p.x + q.x) / 2, (p.y + q.y) / 2 - 6];
    return html`${tunnel}<text class="tunnel-label ${t.state}" x="${x}" y="${y}">${t.type}</text>`;
  });
  const boxes = d.hosts.map((h, i) => {
    const b = at.get(h.name);
    return b ? hostBox(h, b, d, `host-${i}`) : html``;
  });
  return html`<svg class="topology" role="img" aria-label="cluster topology" xmlns="http://www.w3.org/2000/svg"
 viewBox="0 0 ${l.width} ${l.height}" width="${l.width}" height="${l.height}">${control}${tunnels}${boxes}</svg>`;
}

function checkItem(c: ReportCheck, host?: string): Html {
  const look = c.lookCloser ? html`<div class="look">look closer: <code>${c.lookCloser}</code></div>` : '';
  return html`<li><span class="task">${host ? html`<b>${host}</b> · ` : ''}${c.task}</span>
<div class="what">${c.what}</div>${look}</li>`;
}

const checkList = (checks: readonly ReportCheck[], host?: string): Html =>
  html`<ul class="failed">${checks.map((c) => checkItem(c, host))}</ul>`;

function ovnkubeText(k: ReportHost['ovnkube']): { text: string; ok: boolean } {
  if (!k.enabled) return { text: 'not enabled', ok: true };
  if (k.role === 'none')
    return k.pids.length
      ? { text: `runs (pids ${k.pids.join(' ')}) but must not here`, ok: false }
      : { text: 'none here (another master runs it)', ok: true };
  const running = k.pids.length ? `running (pid ${k.pids.join(' ')})` : 'not running';
  const flags = k.flagsMatch === null ? 'not checked' : k.flagsMatch ? 'match' : 'differ';
  return { text: `${k.role}, ${running}, flags ${flags}`, ok: k.pids.length === 1 && k.flagsMatch !== false };
}

function nodeRows(h: ReportHost, d: ReportData): Html {
  if (!h.roles.includes('node')) return html``;
  const chassis = d.chassis.find((c) => c.name === h.chassis);
  const tunnels = h.tunnels.map((t) => {
    const tip = `${t.port} → ${t.remoteIp}${t.error ? `: ${t.error}` : ''}`;
    return html`<span class="chip ${t.error ? 'down' : 'up'}" title="${tip}">${t.chassis} ${t.type}</span> `;
  });
  return html`<dt>chassis</dt><dd>${
    chassis ? encaps(chassis.encaps) || 'no encap' : html`<span class="bad">not in the SB database</span>`
  }</dd>
<dt>tunnels</dt><dd>${h.tunnels.length ? tunnels : 'none'}</dd>`;
}

function hostCard(h: ReportHost, i: number, d: ReportData): Html {
  const kube = ovnkubeText(h.ovnkube);
  const daemons = h.daemons.map((x) => html`<span class="chip ${x.running ? 'up' : 'down'}">${x.name}</span> `);
  const encap = h.encapIp !== h.address ? ` (encap ${h.encapIp})` : '';
  const result = h.failed.length
    ? checkList(h.failed)
    : html`<p class="ok">${h.checks.length} checks, ${failedLine(0)}</p>`;
  return html`<section class="host ${h.health}" id="host-${i}" data-host="${h.name}" data-health="${h.health}">
<h3>${h.name} <span class="badge ${h.health}">${h.health}</span></h3>
<dl>
<dt>roles</dt><dd>${h.roles.join(', ')}</dd>
<dt>address</dt><dd>${h.address}${encap}</dd>
<dt>versions</dt><dd>OVS ${h.versions.ovs || '?'} · OVN ${h.versions.ovn || '?'}</dd>
<dt>daemons</dt><dd>${daemons}</dd>
<dt>ovnkube</dt><dd class="${kube.ok ? '' : 'bad'}">${kube.text}</dd>
${nodeRows(h, d)}
</dl>
${h.error ? html`<p class="bad">could not read: ${h.error}</p>` : ''}
${result}
</section>`;
}

function dbRow(db: ReportDb): Html {
  const members = db.members.map((m) => {
    const bad = m.lost.length > 0 || m.role === 'not running' || m.role === 'not read';
    const status = m.status && m.status !== 'cluster member' ? ` (${m.status})` : '';
    const lost = m.lost.length ? ` — no connection to ${m.lost.join(', ')}` : '';
    return html`<div class="${bad ? 'bad' : ''}">${m.host}: ${m.role}${status}${lost}</div>`;
  });
  return html`<tr><td>${db.db.toUpperCase()}</td><td>${db.mode}</td><td>${db.cid ? db.cid.slice(0, 8) : '-'}</td>
<td class="${db.leader ? '' : 'bad'}">${db.leader ?? 'none'}</td><td>${members}</td></tr>`;
}

function dbTable(d: ReportData): Html {
  const northd = d.northd.map((n) => {
    const bad = n.status !== 'active' && n.status !== 'standby' && n.status !== 'running';
    return html`<span class="chip ${bad ? 'down' : 'up'}">${n.host} ${n.status}</span> `;
  });
  return html`<table><tr><th>database</th><th>mode</th><th>cluster</th><th>leader</th><th>members</th></tr>
${d.databases.map(dbRow)}</table><p>ovn-northd: ${northd}</p>`;
}

function tunnelEnd(e: ReportTunnel['ends'][number]): string {
  if (!e.read) return `${e.chassis}: not read`;
  if (!e.port) return `${e.chassis}: no tunnel port`;
  return `${e.chassis}: ${e.port} → ${e.remoteIp}${e.error ? ` (${e.error})` : ''}`;
}

/** Up to 20 tunnels all listed; of more (a full mesh of 7+ chassis), those not up, after a count. */
function tunnelTable(all: readonly ReportTunnel[]): Html {
  if (all.length === 0) return html`<p>No tunnels: fewer than two chassis share an encap type.</p>`;
  const ts = all.length > 20 ? all.filter((t) => t.state !== 'up') : all;
  const up = all.length - ts.length;
  const note =
    ts.length < all.length
      ? html`<p>${up} of ${all.length} tunnels up${ts.length ? '; the others:' : '.'}</p>`
      : html``;
  if (ts.length === 0) return note;
  const rows = ts.map(
    (t) => html`<tr class="${t.state}"><td>${t.a} ⇄ ${t.b}</td><td>${t.type}</td><td>${t.state}</td>
<td>${t.ends.map((e) => html`<div>${tunnelEnd(e)}</div>`)}</td></tr>`,
  );
  return html`${note}<table><tr><th>chassis</th><th>type</th><th>state</th><th>ends</th></tr>${rows}</table>`;
}

function chassisTable(d: ReportData): Html {
  if (d.sbError) return html`<p class="bad">The SB database could not be read: ${d.sbError}</p>`;
  const rows = d.chassis.map(
    (c) => html`<tr><td>${c.name}</td><td>${c.hostname}</td><td>${c.host || '-'}</td><td>${encaps(c.encaps)}</td></tr>`,
  );
  return html`<table><tr><th>chassis</th><th>hostname</th><th>host</th><th>encaps</th></tr>${rows}</table>`;
}

function header(d: ReportData): Html {
  const s = d.summary;
  const healthy = s.hosts - s.unhealthy - s.unreachable;
  const badge = (bad: boolean, text: string) =>
    html`<span class="badge ${bad ? 'unhealthy' : 'healthy'}">${text}</span>`;
  return html`<header><h1>OVN cluster report</h1>
<p class="meta">${d.inventory} · ${d.generatedAt} · encap ${d.encapType}</p>
<p class="summary">${badge(healthy < s.hosts, `${healthy} of ${s.hosts} hosts healthy`)}
${s.unreachable ? html`<span class="badge unreachable">${s.unreachable} unreachable</span>` : ''}
${badge(s.failedChecks > 0, failedLine(s.failedChecks))}
${badge(s.tunnelsDown > 0, `${d.tunnels.length - s.tunnelsDown} of ${d.tunnels.length} tunnels up`)}</p></header>`;
}

const LEGEND = html`<p class="legend"><span class="key up"></span>tunnel up <span class="key down"></span>tunnel down
<span class="key unknown"></span>not read <span class="key control"></span>node to master (OVSDB)</p>`;

export function renderReport(d: ReportData): string {
  const s = d.summary;
  const failed = d.hosts.filter((h) => h.failed.length > 0);
  const problems = failed.length
    ? html`<section class="problems"><h2>Failed checks</h2>${failed.map((h) => checkList(h.failed, h.name))}</section>`
    : '';
  return html`<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${CSP}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="icon" href="data:,">
<title>ovnctl report: ${s.hosts} hosts, ${s.unhealthy + s.unreachable} not healthy</title>
<style>${new Html(STYLE)}</style></head><body>
${header(d)}
<main>
<section class="picture">${topology(d)}${LEGEND}</section>
${problems}
<h2>Hosts</h2><div class="hosts">${d.hosts.map((h, i) => hostCard(h, i, d))}</div>
<h2>NB and SB databases</h2>${dbTable(d)}
<h2>Chassis (SB database)</h2>${chassisTable(d)}
<h2>Tunnels</h2>${tunnelTable(d.tunnels)}
</main></body></html>
`.text;
}
