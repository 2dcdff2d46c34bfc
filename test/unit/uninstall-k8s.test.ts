// ovs_k8s_config_absent, planned from fixture facts: the k8s-api-* external_ids ovnkube wrote go, and
// conf.db is compacted while it still mentions them (old transactions keep the token), online through
// ovsdb-server or offline with ovsdb-tool; a rerun plans nothing.
import { describe, expect, it } from 'vitest';
import { K8S_EXTERNAL_IDS, ovsK8sConfigAbsent } from '../../src/operations/uninstall-k8s.js';
import { guideInventory } from '../helpers/inventory.js';
import { planWith, scripts } from '../helpers/plan.js';

const inv = guideInventory();
const n1 = inv.hosts[1];
const MENTIONS = `ovs.conf-mentions:${K8S_EXTERNAL_IDS.join(',')}`;
const COMPACT = 'ovs-appctl --timeout=10 -t ovsdb-server ovsdb-server/compact';
const noConf = { exists: false, bridges: [], externalIds: {} };

const facts = (ids: Record<string, string> | null, mentioned: boolean, offline: object = noConf) => ({
  'ovs.external-ids': ids,
  'ovs.conf-offline': offline,
  [MENTIONS]: mentioned,
});

describe('ovs_k8s_config_absent', () => {
  const written = {
    'system-id': 'n1',
    'k8s-api-server': 'https://10.0.0.10:6443',
    'k8s-api-token': 'sekrit',
    'k8s-ca-certificate': '/etc/kubernetes/ca.crt',
  };
  it('removes the keys through ovsdb-server, then compacts conf.db and waits until the file forgot them', async () => {
    const plan = await planWith(ovsK8sConfigAbsent, {}, facts(written, true), inv, n1);
    const s = scripts(plan);
    expect(s).toHaveLength(2);
    expect(s[0]).toBe(
      'ovs-vsctl --timeout=10 remove Open_vSwitch . external_ids k8s-api-server k8s-api-token k8s-ca-certificate',
    );
    expect(s[1]).toMatch(new RegExp(`^${COMPACT} && `));
    expect(s[1]).toContain(
      'grep -qF -e k8s-api-server -e k8s-api-token -e k8s-ca-certificate /etc/openvswitch/conf.db',
    );
    // Bounded: 50 tries 0.1 s apart, then a failure that names the file but not the token.
    expect(s[1]).toMatch(/\[ \$i -le 50 \]/);
    expect(plan.msg).toMatch(/remove external_ids k8s-api-server k8s-api-token k8s-ca-certificate/);
    expect(plan.msg).not.toContain('sekrit');
    expect(plan.commands.map((c) => c.display).join('\n')).not.toContain('sekrit');
  });

  it('removes only the keys that are there, and keeps every other external_id', async () => {
    const plan = await planWith(ovsK8sConfigAbsent, {}, facts({ 'k8s-api-token': 't', hostname: 'n1' }, true), inv, n1);
    expect(scripts(plan)[0]).toBe('ovs-vsctl --timeout=10 remove Open_vSwitch . external_ids k8s-api-token');
  });

  it('compacts alone when the keys are gone but an old transaction in the file still holds them', async () => {
    const plan = await planWith(ovsK8sConfigAbsent, {}, facts({ 'system-id': 'n1' }, true), inv, n1);
    expect(scripts(plan)).toHaveLength(1);
    expect(scripts(plan)[0]).toMatch(new RegExp(`^${COMPACT}`));
  });

  it('plans nothing when neither the database nor its file knows the keys (a rerun)', async () => {
    const plan = await planWith(ovsK8sConfigAbsent, {}, facts({ 'system-id': 'n1' }, false), inv, n1);
    expect(plan.commands).toEqual([]);
  });

  describe('Open vSwitch stopped: conf.db edited and compacted with ovsdb-tool', () => {
    const offline = (ids: Record<string, string>) => ({ exists: true, bridges: [], externalIds: ids });
    it('deletes the keys and compacts the file', async () => {
      const plan = await planWith(
        ovsK8sConfigAbsent,
        {},
        facts(null, true, offline({ 'k8s-api-token': 't', 'k8s-api-server': 's', 'system-id': 'n1' })),
        inv,
        n1,
      );
      expect(scripts(plan)).toEqual([
        'ovsdb-tool transact /etc/openvswitch/conf.db ' +
          `'["Open_vSwitch",{"op":"mutate","table":"Open_vSwitch","where":[],` +
          `"mutations":[["external_ids","delete",["set",["k8s-api-server","k8s-api-token"]]]]}]'`,
        'ovsdb-tool compact /etc/openvswitch/conf.db',
      ]);
      expect(plan.msg).toMatch(/offline/);
    });
    it('compacts alone when only old transactions mention them', async () => {
      const plan = await planWith(ovsK8sConfigAbsent, {}, facts(null, true, offline({ 'system-id': 'n1' })), inv, n1);
      expect(scripts(plan)).toEqual(['ovsdb-tool compact /etc/openvswitch/conf.db']);
    });
    it('plans nothing on a clean file, or without one', async () => {
      expect(
        (await planWith(ovsK8sConfigAbsent, {}, facts(null, false, offline({ 'system-id': 'n1' })), inv, n1)).commands,
      ).toEqual([]);
      expect((await planWith(ovsK8sConfigAbsent, {}, facts(null, false), inv, n1)).commands).toEqual([]);
    });
  });

  it('reads the file with a fixed-string grep that prints nothing of what matched', async () => {
    const { confDbMentions } = await import('../../src/facts/uninstall.js');
    const f = confDbMentions(K8S_EXTERNAL_IDS);
    expect(f.command).toBe(
      'if [ -e /etc/openvswitch/conf.db ] && grep -qF -e k8s-api-server -e k8s-api-token -e k8s-ca-certificate ' +
        '/etc/openvswitch/conf.db; then echo yes; else echo no; fi',
    );
    expect(f.parse('yes\n', 0)).toBe(true);
    expect(f.parse('no\n', 0)).toBe(false);
    expect(() => confDbMentions(['a;b'])).toThrow();
  });
});

describe('playbooks/uninstall.yaml: what ovnkube wrote', () => {
  it('removes the CNI config and the k8s-api-* ids before Open vSwitch stops, after ovnkube stopped', async () => {
    const { loadPlaybook } = await import('../../src/playbook/load.js');
    const { bundledPlaybook } = await import('../../src/cli/paths.js');
    const pb = loadPlaybook(bundledPlaybook('uninstall'), inv, { selected: inv.hosts, extraVars: {} });
    const tasks = pb.plays.flatMap((p) => p.tasks.map((t) => ({ play: p.name, name: t.name, module: t.module.name })));
    const at = (pred: (t: (typeof tasks)[number]) => boolean) => tasks.findIndex(pred);
    const stopOvnkube = at((t) => t.module === 'ovnkube_absent');
    const cni = at((t) => t.name === 'Remove the CNI config ovnkube wrote');
    const k8s = at((t) => t.module === 'ovs_k8s_config_absent');
    const release = at((t) => t.module === 'ovs_uplink_release');
    const mesh = at((t) => t.module === 'gre_mesh_absent');
    const stopOvs = at((t) => t.name === 'Stop Open vSwitch');
    expect(stopOvnkube).toBeGreaterThanOrEqual(0);
    expect(cni).toBeGreaterThan(stopOvnkube);
    expect(k8s).toBeGreaterThan(stopOvnkube);
    expect(stopOvs).toBeGreaterThan(k8s);
    expect(mesh).toBeGreaterThan(release);
    expect(stopOvs).toBeGreaterThan(mesh);
  });
});
