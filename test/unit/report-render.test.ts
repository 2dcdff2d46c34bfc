// The report page: every value from a host is escaped (host output is untrusted), the page loads
// nothing and runs nothing, every host is drawn and listed with its health, and the layout keeps
// boxes apart however many hosts there are.
import { describe, expect, it } from 'vitest';
import type { ReportData, ReportHost } from '../../src/report-html/data.js';
import { escapeHtml, html } from '../../src/report-html/html.js';
import { BOX, layout } from '../../src/report-html/layout.js';
import { renderReport } from '../../src/report-html/render.js';

const HOSTILE = [
  '<script>alert(1)</script>',
  '"><img src=x onerror=alert(1)>',
  "' onmouseover='alert(1)",
  '</svg><svg onload=alert(1)>',
  '</style><a href="javascript:alert(1)">x</a>',
  '&lt;already escaped&gt;',
];

function host(name: string, over: Partial<ReportHost> = {}): ReportHost {
  return {
    name,
    address: '10.0.0.1',
    encapIp: '10.0.0.1',
    roles: ['node'],
    health: 'healthy',
    error: '',
    versions: { ovs: '3.1.0', ovn: '23.03.1' },
    daemons: [{ name: 'ovn-controller', running: true }],
    ovnkube: { role: 'node', enabled: true, pids: [1], flagsMatch: true, msg: '' },
    chassis: name,
    tunnels: [],
    checks: [],
    failed: [],
    ...over,
  };
}

function data(hosts: ReportHost[], over: Partial<ReportData> = {}): ReportData {
  return {
    generatedAt: '2026-12-02T18:00:00.000Z',
    inventory: '/tmp/inventory.yaml',
    encapType: 'geneve',
    masters: hosts.filter((h) => h.roles.includes('master')).map((h) => h.name),
    nodes: hosts.filter((h) => !h.roles.includes('master')).map((h) => h.name),
    hosts,
    chassis: [],
    sbError: '',
    tunnels: [],
    databases: [],
    northd: [],
    summary: { hosts: hosts.length, unhealthy: 0, unreachable: 0, failedChecks: 0, tunnelsDown: 0 },
    ...over,
  };
}

describe('report page: hostile values from hosts', () => {
  const evil = HOSTILE.join(' ');
  const failed = { play: 'p', task: `task ${evil}`, status: 'failed' as const, what: `what ${evil}`, lookCloser: evil };
  const page = renderReport(
    data(
      [
        host('m1', { roles: ['master'], chassis: null }),
        host('n1', {
          health: 'unhealthy',
          error: evil,
          versions: { ovs: evil, ovn: evil },
          failed: [failed],
          checks: [failed],
          tunnels: [{ port: evil, chassis: 'n2', type: 'geneve', remoteIp: evil, error: evil }],
        }),
        host('n2'),
      ],
      {
        inventory: evil,
        sbError: evil,
        chassis: [{ name: 'n1', hostname: evil, host: 'n1', encaps: [{ type: evil, ip: evil }] }],
        tunnels: [
          {
            a: 'n1',
            b: 'n2',
            state: 'down',
            type: evil,
            ends: [{ chassis: 'n1', read: true, port: evil, remoteIp: evil, error: evil }],
          },
        ],
        databases: [
          {
            db: 'nb',
            mode: 'clustered',
            cid: evil,
            leader: evil,
            members: [{ host: 'm1', address: evil, role: evil, status: evil, lost: [evil] }],
          },
        ],
      },
    ),
  );

  it('never carries a hostile string raw, only escaped', () => {
    for (const s of HOSTILE) {
      expect(page).not.toContain(s);
      expect(page).toContain(escapeHtml(s));
    }
  });

  it('has only the tags and attributes it writes (no script, no handler); its policy forbids every load', () => {
    // Every `<` of the page opens or closes a tag; attribute values are double-quoted and hold no `"`.
    const tags = [...page.matchAll(/<(\/?)([a-zA-Z!][\w:-]*)((?:\s+[^\s=>/]+(?:="[^"]*")?)*)\s*\/?>/g)];
    expect(tags.reduce((n, t) => n + t[0].length, 0)).toBe(
      [...page.matchAll(/<[^>]*>/g)].reduce((n, t) => n + t[0].length, 0),
    );
    const names = new Set(tags.map((t) => t[2].toLowerCase()));
    const allowed = ['!doctype', 'html', 'head', 'meta', 'link', 'title', 'style', 'body', 'header', 'main', 'section']
      .concat(['h1', 'h2', 'h3', 'p', 'a', 'b', 'code', 'span', 'div', 'dl', 'dt', 'dd', 'ul', 'li'])
      .concat(['table', 'tr', 'th', 'td', 'svg', 'line', 'rect', 'text']);
    expect([...names].filter((n) => !allowed.includes(n))).toEqual([]);
    const attrNames = (t: RegExpMatchArray) => [...t[3].replace(/="[^"]*"/g, '').matchAll(/\s([^\s=>/]+)/g)];
    const attrs = new Set(tags.flatMap((t) => attrNames(t).map((m) => m[1].toLowerCase())));
    expect([...attrs].filter((a) => a.startsWith('on'))).toEqual([]);
    expect(page).not.toMatch(/(href|src)="\s*javascript:/i);
    const csp = "default-src 'none'; style-src 'unsafe-inline'; img-src data:";
    expect(page).toContain(`<meta http-equiv="Content-Security-Policy" content="${escapeHtml(csp)}">`);
  });
});

describe('report page: what it shows', () => {
  const page = renderReport(
    data(
      [
        host('m1', { roles: ['master'], chassis: null }),
        host('n1', {
          health: 'unhealthy',
          daemons: [{ name: 'ovn-controller', running: false }],
          failed: [
            {
              play: 'OVN host (nodes)',
              task: 'ovn-controller runs',
              status: 'failed',
              what: 'ovn-controller not running',
              lookCloser: 'tail -n 30 /var/log/ovn/ovn-controller.log',
            },
          ],
        }),
        host('n2'),
      ],
      { summary: { hosts: 3, unhealthy: 1, unreachable: 0, failedChecks: 1, tunnelsDown: 0 } },
    ),
  );

  it('draws a box and a card for every host, each with its health', () => {
    for (const [name, health] of [
      ['m1', 'healthy'],
      ['n1', 'unhealthy'],
      ['n2', 'healthy'],
    ]) {
      expect(page).toContain(
        `<a href="#host-${['m1', 'n1', 'n2'].indexOf(name)}" class="box ${health}" data-host="${name}"`,
      );
      expect(page).toContain(
        `<section class="host ${health}" id="host-${['m1', 'n1', 'n2'].indexOf(name)}" data-host="${name}"`,
      );
    }
  });

  it('lists the failed check with its look-closer command in the failed-checks section', () => {
    const problems = page.slice(page.indexOf('<section class="problems">'), page.indexOf('<h2>Hosts</h2>'));
    expect(problems).toContain('ovn-controller runs');
    expect(problems).toContain('look closer: <code>tail -n 30 /var/log/ovn/ovn-controller.log</code>');
    expect(page).toContain('<span class="chip down">ovn-controller</span>');
  });

  it('shows no failed-checks section when every check passed', () => {
    expect(renderReport(data([host('m1', { roles: ['master'] })]))).not.toContain('class="problems"');
  });
});

describe('report layout', () => {
  it('keeps every box apart and inside the picture, masters above nodes, for 1 to 40 nodes', () => {
    for (const masters of [1, 3]) {
      for (let n = 1; n <= 40; n++) {
        const ms = Array.from({ length: masters }, (_, i) => `m${i}`);
        const ns = Array.from({ length: n }, (_, i) => `n${i}`);
        const l = layout(ms, ns);
        for (const b of l.boxes) {
          expect(b.x).toBeGreaterThanOrEqual(0);
          expect(b.x + BOX.w).toBeLessThanOrEqual(l.width);
          expect(b.y + BOX.h).toBeLessThanOrEqual(l.height);
        }
        for (const [i, a] of l.boxes.entries()) {
          for (const b of l.boxes.slice(i + 1)) {
            const apart = a.x + BOX.w <= b.x || b.x + BOX.w <= a.x || a.y + BOX.h <= b.y || b.y + BOX.h <= a.y;
            expect(apart, `${masters} masters, ${n} nodes: ${a.name} and ${b.name} overlap`).toBe(true);
          }
        }
        const lowestMaster = Math.max(...l.boxes.slice(0, masters).map((b) => b.y + BOX.h));
        expect(Math.min(...l.boxes.slice(masters).map((b) => b.y))).toBeGreaterThan(lowestMaster);
      }
    }
  });
});

describe('html``', () => {
  it('escapes values, joins arrays, keeps nested html, drops null/undefined/booleans', () => {
    const inner = html`<b>${'<i>'}</b>`;
    expect(html`<p title="${'"x"'}">${['a&', inner, null, undefined, false, 3]}</p>`.text).toBe(
      '<p title="&quot;x&quot;">a&amp;<b>&lt;i&gt;</b>3</p>',
    );
  });
});
