// The JSON Schema that `ovnctl schema` prints describes the same inventory the loader accepts.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { describe, expect, test } from 'vitest';
import { InventorySchema, inventoryJsonSchema } from '../../src/inventory/schema.js';

const fixtures = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../fixtures/inventories');
type Obj = {
  properties: Record<string, Obj>;
  required?: string[];
  additionalProperties?: unknown;
  default?: unknown;
} & Record<string, unknown>;

describe('inventoryJsonSchema', () => {
  const schema = inventoryJsonSchema() as Obj;

  test('is a strict object schema whose only required key is hosts', () => {
    expect(schema.$schema).toMatch(/json-schema/);
    expect(schema.type).toBe('object');
    expect(schema.additionalProperties).toBe(false);
    expect(schema.required).toEqual(['hosts']);
    expect(Object.keys(schema.properties)).toEqual([
      'ssh',
      'become',
      'cluster',
      'packages',
      'ovs',
      'ovnkube',
      'tls',
      'hosts',
      'groups',
      'greMesh',
    ]);
    expect(JSON.parse(JSON.stringify(schema))).toEqual(schema);
  });

  test('carries the SPEC defaults', () => {
    const ssh = schema.properties.ssh.properties;
    expect(ssh.user.default).toBe('root');
    expect(ssh.port.default).toBe(22);
    expect(ssh.hostKeyChecking.default).toBe('strict');
    const cluster = schema.properties.cluster.properties;
    expect(cluster.nbPort.default).toBe(6641);
    expect(cluster.sbPort.default).toBe(6642);
    expect(cluster.clusterSubnet.default).toBe('11.11.0.0/16');
    expect(schema.properties.ovnkube.properties.logfile.default).toBe('/var/log/openvswitch/ovnkube.log');
  });

  test('hosts: roles are master|node, unknown host keys refused', () => {
    const host = schema.properties.hosts.additionalProperties as Obj;
    expect(host.additionalProperties).toBe(false);
    expect(host.required).toEqual(['address', 'roles']);
    expect(JSON.stringify(host.properties.roles)).toContain('"enum":["master","node"]');
  });
});

test('the SPEC example satisfies the zod schema as written', () => {
  const raw = parse(readFileSync(path.join(fixtures, 'valid-spec.yaml'), 'utf8'));
  expect(InventorySchema.safeParse(raw).success).toBe(true);
});
