import { describe, expect, it } from 'vitest';
import { ExprError, evalExpr, renderDeep, renderTemplate } from '../../src/playbook/expr.js';

const ns = {
  packages: { source: { kind: 'wand' }, datapath: 'dkms' },
  host: { name: 'n1', roles: ['node'] },
  cluster: { nbPort: 6641 },
  ovnkube: { upload: null, enabled: true },
};

describe('expressions', () => {
  it('compares, combines and negates', () => {
    expect(evalExpr("packages.datapath == 'dkms'", ns)).toBe(true);
    expect(evalExpr("packages.source.kind != 'distro' and not ovnkube.upload", ns)).toBe(true);
    expect(evalExpr("'node' in host.roles", ns)).toBe(true);
    expect(evalExpr("'master' not in host.roles or false", ns)).toBe(true);
    expect(evalExpr('(ovnkube.enabled and ovnkube.upload)', ns)).toBe(false);
  });
  it('rejects unknown variables', () => {
    expect(() => evalExpr('packages.nope', ns)).toThrow(ExprError);
    expect(() => evalExpr('nope == 1', ns)).toThrow(/unknown variable "nope"/);
  });
  it('keeps the type of a whole-string template, interpolates otherwise', () => {
    expect(renderTemplate('{{ cluster.nbPort }}', ns)).toBe(6641);
    expect(renderTemplate('port {{ cluster.nbPort }} on {{ host.name }}', ns)).toBe('port 6641 on n1');
    expect(renderTemplate('{{ host.name }}\n', ns)).toBe('n1\n');
    expect(renderDeep({ a: ['{{ host.roles | join(",") }}'] }, ns)).toEqual({ a: ['node'] });
  });
  it('refuses anything that is not an expression', () => {
    expect(() => evalExpr('host.name; rm -rf /', ns)).toThrow(ExprError);
    expect(() => evalExpr('__proto__.x', ns)).toThrow(ExprError);
  });
});
