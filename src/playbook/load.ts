// Loads a playbook YAML file into plays and tasks, and checks it against the inventory before any
// host is contacted: unknown keys, unknown modules, unknown variables and bad module arguments are
// InputErrors (exit 5) naming file:line:col.
import { isMap, isScalar, isSeq, type Node, type YAMLMap } from 'yaml';
import { InputError } from '../errors.js';
import { selectHosts } from '../inventory/select.js';
import type { Host, Inventory } from '../inventory/types.js';
import { MODULES } from '../operations/index.js';
import { MAX_ALIAS_COUNT, readYamlSource, type YamlSource } from '../source/yaml-source.js';
import { ExprError, evalExpr, renderDeep, truthy } from './expr.js';
import type { Play, Playbook, Task } from './types.js';
import { buildNamespace } from './vars.js';

const PLAY_KEYS = new Set(['name', 'hosts', 'tags', 'vars', 'tasks', 'handlers']);
const TASK_KEYS = new Set(['name', 'when', 'tags', 'notify', 'continue_on_failure']);

export interface LoadOptions {
  /** Hosts selected by --limit/--role: plays run only on these. */
  selected: Host[];
  extraVars: Record<string, unknown>;
}

export function loadPlaybook(file: string, inv: Inventory, opts: LoadOptions): Playbook {
  const src = readYamlSource(file);
  const root = src.doc.contents;
  if (!isSeq(root)) throw new InputError('a playbook is a list of plays', src.pos(root));
  const plays = root.items.map((item) => loadPlay(src, item as Node, inv, opts));
  return { file, plays };
}

function loadPlay(src: YamlSource, node: Node, inv: Inventory, opts: LoadOptions): Play {
  const map = asMap(src, node, 'a play');
  checkKeys(src, map, PLAY_KEYS, 'play');
  const name = str(src, map, 'name') ?? 'play';
  const hosts = str(src, map, 'hosts');
  if (!hosts) throw new InputError('a play needs hosts: (a pattern such as all, masters, nodes)', src.pos(map));
  const selected = new Set(opts.selected.map((h) => h.name));
  let matched: Host[];
  try {
    matched = selectHosts(inv, { limit: hosts, limitName: 'hosts:' });
  } catch (e) {
    // A valid group with no members (e.g. nodes in a masters-only inventory) just has nothing to do;
    // a name that is no host or group at all is a typo.
    const hostsPos = src.pos(map.get('hosts', true) as Node);
    if (!(e instanceof InputError) || !/matches no host/.test(e.detail)) throw rethrowAt(e, hostsPos);
    const unknown = hosts.split(/[,:]/).map((p) => p.trim().replace(/^[!&]/, '')).find((p) => p !== '' && !/[*?[]/.test(p) && !Object.hasOwn(inv.groups, p) && !inv.hosts.some((h) => h.name === p));
    if (unknown !== undefined) throw new InputError(`hosts: '${unknown}' is no host or group of the inventory (groups: ${Object.keys(inv.groups).join(', ')})`, hostsPos);
    matched = [];
  }
  const targets = matched.filter((h) => selected.has(h.name));
  const varsNode = map.get('vars', true) as Node | undefined;
  if (varsNode && !isMap(varsNode)) throw new InputError('vars: must be a mapping', src.pos(varsNode));
  const playVars = varsNode ? ((varsNode as YAMLMap).toJS(src.doc, { maxAliasCount: MAX_ALIAS_COUNT }) as Record<string, unknown>) : {};
  const tasksNode = map.get('tasks', true) as Node | undefined;
  const handlersNode = map.get('handlers', true) as Node | undefined;
  const play: Play = {
    name,
    hosts,
    tags: strList(src, map, 'tags'),
    tasks: tasksNode ? asSeqItems(src, tasksNode, 'tasks').map((t) => loadTask(src, t)) : [],
    handlers: handlersNode ? asSeqItems(src, handlersNode, 'handlers').map((t) => loadTask(src, t)) : [],
    pos: src.pos(map),
    targets: targets.map((h) => h.name),
  };
  const handlerNames = new Set(play.handlers.map((h) => h.name));
  for (const t of play.tasks) {
    for (const n of t.notify) if (!handlerNames.has(n)) throw new InputError(`notify names no handler of this play: "${n}"`, t.pos);
  }
  for (const host of targets) {
    // Play vars are defaults; -e wins over them (Ansible's precedence).
    const ns = buildNamespace(inv, host, { ...playVars, ...opts.extraVars });
    for (const t of [...play.tasks, ...play.handlers]) prepareTask(t, host, ns);
  }
  return play;
}

function loadTask(src: YamlSource, node: Node): Task {
  const map = asMap(src, node, 'a task');
  const moduleKeys = map.items.map((p) => String((p.key as { value?: unknown })?.value)).filter((k) => !TASK_KEYS.has(k));
  if (moduleKeys.length !== 1) {
    const pair = map.items.find((p) => !TASK_KEYS.has(String((p.key as { value?: unknown })?.value)) && !MODULES.has(String((p.key as { value?: unknown })?.value)));
    const where = pair ? src.pos(pair.key as Node) : src.pos(map);
    const what = moduleKeys.length === 0 ? 'a task names one module' : `a task names one module, this one has ${moduleKeys.join(', ')}`;
    throw new InputError(`${what} (modules: ${[...MODULES.keys()].join(', ')})`, where);
  }
  const moduleName = moduleKeys[0];
  const module = MODULES.get(moduleName);
  const keyNode = map.items.find((p) => String((p.key as { value?: unknown })?.value) === moduleName)?.key as Node;
  if (!module) throw new InputError(`unknown module or key "${moduleName}" (modules: ${[...MODULES.keys()].join(', ')})`, src.pos(keyNode));
  const argsNode = map.get(moduleName, true) as Node | null;
  const whenNode = map.get('when', true) as Node | undefined;
  const when = whenNode ? (isSeq(whenNode) ? whenNode.items.map((i) => scalarText(src, i as Node)) : [scalarText(src, whenNode)]) : [];
  return {
    name: str(src, map, 'name') ?? `${moduleName}`,
    module,
    rawArgs: argsNode && !(isScalar(argsNode) && argsNode.value === null) ? argsNode.toJS(src.doc, { maxAliasCount: MAX_ALIAS_COUNT }) : {},
    when,
    tags: strList(src, map, 'tags'),
    notify: strList(src, map, 'notify'),
    continueOnFailure: bool(src, map, 'continue_on_failure'),
    pos: src.pos(keyNode),
    prepared: new Map(),
    whenPos: whenNode ? src.pos(whenNode) : undefined,
  };
}

/** Evaluate `when` and render + validate args for one host, so errors surface before any connection. */
function prepareTask(t: Task, host: Host, ns: Record<string, unknown>): void {
  const whenPos = t.whenPos ?? t.pos;
  let run = true;
  try {
    run = t.when.every((w) => truthy(evalExpr(w, ns)));
  } catch (e) {
    if (e instanceof ExprError) throw new InputError(`when: ${e.message}`, whenPos);
    throw e;
  }
  if (!run) {
    t.prepared.set(host.name, { run: false, args: undefined });
    return;
  }
  let rendered: unknown;
  try {
    rendered = renderDeep(t.rawArgs, ns);
  } catch (e) {
    if (e instanceof ExprError) throw new InputError(`${t.module.name}: ${e.message}`, t.pos);
    throw e;
  }
  const parsed = t.module.args.safeParse(rendered);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const path = issue.path.length ? `${issue.path.join('.')}: ` : '';
    throw new InputError(`${t.module.name} (for ${host.name}): ${path}${issue.message}`, t.pos);
  }
  t.prepared.set(host.name, { run: true, args: parsed.data });
}

function asMap(src: YamlSource, node: Node, what: string): YAMLMap {
  if (!isMap(node)) throw new InputError(`${what} must be a mapping`, src.pos(node));
  return node;
}

function asSeqItems(src: YamlSource, node: Node, what: string): Node[] {
  if (!isSeq(node)) throw new InputError(`${what} must be a list`, src.pos(node));
  return node.items as Node[];
}

function checkKeys(src: YamlSource, map: YAMLMap, allowed: Set<string>, what: string): void {
  for (const p of map.items) {
    const k = String((p.key as { value?: unknown })?.value);
    if (!allowed.has(k)) throw new InputError(`unknown ${what} key "${k}" (allowed: ${[...allowed].join(', ')})`, src.pos(p.key as Node));
  }
}

function scalarText(src: YamlSource, node: Node): string {
  if (!isScalar(node) || (typeof node.value !== 'string' && typeof node.value !== 'boolean')) throw new InputError('expected a string', src.pos(node));
  return String(node.value);
}

function bool(src: YamlSource, map: YAMLMap, key: string): boolean {
  const node = map.get(key, true) as Node | undefined;
  if (node === undefined) return false;
  if (!isScalar(node) || typeof node.value !== 'boolean') throw new InputError(`${key}: expected true or false`, src.pos(node));
  return node.value;
}

function str(src: YamlSource, map: YAMLMap, key: string): string | undefined {
  const node = map.get(key, true) as Node | undefined;
  return node === undefined ? undefined : scalarText(src, node);
}

function strList(src: YamlSource, map: YAMLMap, key: string): string[] {
  const node = map.get(key, true) as Node | undefined;
  if (node === undefined) return [];
  if (isSeq(node)) return node.items.map((i) => scalarText(src, i as Node));
  return scalarText(src, node).split(',').map((s) => s.trim()).filter(Boolean);
}

function rethrowAt(e: unknown, pos: Task['pos']): unknown {
  return e instanceof InputError && !e.pos ? new InputError(e.detail, pos) : e;
}
