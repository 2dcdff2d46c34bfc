import { describe, expect, it } from 'vitest';
import { applySettingOverrides } from '../../src/inventory/overrides.js';
import { guideInventory } from '../helpers/inventory.js';

describe('-e setting overrides', () => {
  it('change a plain setting for the run, leaving the rest', () => {
    const inv = applySettingOverrides(guideInventory(), { 'ovnkube.loglevel': 5, 'cluster.nbPort': 6631, smoke: true });
    expect(inv.ovnkube.loglevel).toBe(5);
    expect(inv.cluster.nbPort).toBe(6631);
    expect(inv.cluster.sbPort).toBe(6642);
  });
  it('refuse a wrong type or a non-setting with exit 5', () => {
    expect(() => applySettingOverrides(guideInventory(), { 'ovnkube.loglevel': 'high' })).toThrow(/expected a number/);
    expect(() => applySettingOverrides(guideInventory(), { 'cluster.k8sToken': 'x' })).toThrow(/only plain settings/);
    expect(() => applySettingOverrides(guideInventory(), { 'ovs.nope': 1 })).toThrow(/only plain settings/);
  });
});
