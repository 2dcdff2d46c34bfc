// `ovnctl inventory --convert`: an inventory (Ansible INI/YAML, or native) written as a native YAML
// inventory that loads back to the same hosts and settings. Only what the source set is written;
// everything else keeps its default. Relative local paths are rewritten for the output's directory.
import path from 'node:path';
import { Document, isMap, isSeq } from 'yaml';
import type { InventoryFormat } from './format.js';
import { isDirectory } from './inventory-dir.js';

const FORMAT_NAME: Record<InventoryFormat, string> = {
  native: 'an ovnctl inventory',
  'ansible-ini': 'an Ansible INI inventory',
  'ansible-yaml': 'an Ansible YAML inventory',
};

export interface ConvertOptions {
  /** The source inventory file, and the directory the output will live in (default: the source's). */
  from: string;
  format: InventoryFormat;
  toDir?: string;
}

export function toNativeYaml(native: unknown, opts: ConvertOptions): string {
  // An inventory directory (`-i dir`) anchors its relative paths in itself, as a file does in its directory.
  const fromDir = isDirectory(opts.from) ? path.resolve(opts.from) : path.dirname(path.resolve(opts.from));
  const toDir = path.resolve(opts.toDir ?? fromDir);
  const value = rebasePaths(structuredClone(native) as Record<string, unknown>, fromDir, toDir);

  const doc = new Document(value);
  // Hosts and group lists one a line, as in inventory.example.yaml.
  for (const section of ['hosts', 'groups']) {
    const node = doc.get(section, true);
    if (!isMap(node)) continue;
    for (const pair of node.items) if (isMap(pair.value) || isSeq(pair.value)) pair.value.flow = true;
  }
  const token = doc.getIn(['cluster', 'k8sToken'], true);
  if (isMap(token)) token.flow = true;
  doc.commentBefore = [
    ` Written by \`ovnctl inventory --convert\` from ${path.basename(opts.from)} (${FORMAT_NAME[opts.format]}).`,
    ' Settings not written here take their defaults (`ovnctl inventory -i FILE` shows them all).',
    ' For completion in editors, save `ovnctl schema` as inventory.schema.json and start this file with',
    '   # yaml-language-server: $schema=./inventory.schema.json',
  ].join('\n');
  return doc.toString({ lineWidth: 0, flowCollectionPadding: false });
}

/** Local paths (relative to the inventory's directory) made relative to `toDir` instead. */
function rebasePaths(v: Record<string, unknown>, fromDir: string, toDir: string): Record<string, unknown> {
  if (fromDir === toDir) return v;
  const rebase = (obj: unknown, key: string): void => {
    if (!obj || typeof obj !== 'object') return;
    const o = obj as Record<string, unknown>;
    const p = o[key];
    if (typeof p !== 'string' || p.startsWith('~') || path.isAbsolute(p) || /^https?:\/\//i.test(p)) return;
    const abs = path.resolve(fromDir, p);
    const rel = path.relative(toDir, abs) || '.';
    // Up to / and back down says nothing a reader can use: the absolute path then.
    const ups = rel.split(path.sep).filter((s) => s === '..').length;
    if (ups >= toDir.split(path.sep).filter(Boolean).length) o[key] = abs;
    else o[key] = rel.startsWith('.') ? rel : `./${rel}`;
  };
  const sshPaths = (ssh: unknown): void => {
    rebase(ssh, 'privateKey');
    rebase(ssh, 'knownHosts');
  };
  const certPaths = (pair: unknown): void => {
    rebase(pair, 'cert');
    rebase(pair, 'key');
  };
  sshPaths(v.ssh);
  for (const host of Object.values((v.hosts ?? {}) as Record<string, { ssh?: unknown; tls?: unknown }>)) {
    sshPaths(host?.ssh);
    certPaths(host?.tls);
  }
  // The CA ovnctl keeps defaults to pki/ beside the inventory: the moved inventory names the same one.
  const tls = (v.tls ?? {}) as Record<string, unknown>;
  v.tls = { ...tls, caDir: tls.caDir ?? 'pki' };
  rebase(v.tls, 'caDir');
  certPaths(tls.ca);
  rebase(v.ovnkube, 'upload');
  rebase((v.packages as { source?: unknown } | undefined)?.source, 'key');
  rebase((v.cluster as { k8sToken?: unknown } | undefined)?.k8sToken, 'file');
  return v;
}
