// Loads a playbook YAML file into plays and tasks, and checks it against the inventory before any
// host is contacted: unknown keys, unknown modules, unknown variables and bad module arguments are
// InputErrors (exit 5) naming file:line:col - of the included file when the fault is in one.
import { isMap, isScalar, isSeq, type Node, type YAMLMap } from 'yaml';
import { InputError } from '../errors.js';
import { selectHosts } from '../inventory/select.js';
import type { Host, Inventory } from '../inventory/types.js';
import { MODULES } from '../operations/index.js';
import { MAX_ALIAS_COUNT, readYamlSource, type YamlSource } from '../source/yaml-source.js';
import { ExprError, evalExpr, renderDeep, truthy } from './expr.js';
import { Includes } from './include.js';
import type { Play, Playbook, Serial, Task } from './types.js';
import { buildNamespace } from './vars.js';
import { asMap, asSeqItems, bool, checkKeys, keyName, rethrowAt, scalarText, str, strList } from './yaml-nodes.js';

const PLAY_KEYS = new Set(['name', 'hosts', 'tags', 'vars', 'serial', 'gate', 'tasks', 'handlers']);
const TASK_KEYS = new Set(['name', 'when', 'tags', 'notify', 'continue_on_failure', 'run_once', 'throttle']);

export interface LoadOptions {
  /** Hosts selected by --limit/--role: plays run only on these. */
  selected: Host[];
  extraVars: Record<string, unknown>;
}

/** What loading one playbook shares across its plays: the inventory, the options, the included files. */
interface Loading {
  inv: Inventory;
  opts: LoadOptions;
  includes: Includes;
}

export function loadPlaybook(file: string, inv: Inventory, opts: LoadOptions): Playbook {
  const src = readYamlSource(file);
  const root = src.doc.contents;
  if (!isSeq(root)) throw new InputError('a playbook is a list of plays', src.pos(root));
  const includes = new Includes(src);
  const items = includes.splice(src, root.items as Node[], 'plays');
  return { file, plays: items.map((p) => loadPlay(p.src, p.node, { inv, opts, includes }, p.vars)) };
}

/** `includeVars`: the vars of the include that brought the play in: defaults over the play's own. */
function loadPlay(
  src: YamlSource,
  node: Node,
  { inv, opts, includes }: Loading,
  includeVars: Record<string, unknown> = {},
): Play {
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
    const unknown = hosts
      .split(/[,:]/)
      .map((p) => p.trim().replace(/^[!&]/, ''))
      .find(
        (p) => p !== '' && !/[*?[]/.test(p) && !Object.hasOwn(inv.groups, p) && !inv.hosts.some((h) => h.name === p),
      );
    if (unknown !== undefined)
      throw new InputError(
        `hosts: '${unknown}' is no host or group of the inventory (groups: ${Object.keys(inv.groups).join(', ')})`,
        hostsPos,
      );
    matched = [];
  }
  const targets = matched.filter((h) => selected.has(h.name));
  const varsNode = map.get('vars', true) as Node | undefined;
  if (varsNode && !isMap(varsNode)) throw new InputError('vars: must be a mapping', src.pos(varsNode));
  const playVars = varsNode
    ? ((varsNode as YAMLMap).toJS(src.doc, { maxAliasCount: MAX_ALIAS_COUNT }) as Record<string, unknown>)
    : {};
  const batches = serial(src, map);
  // Task and handler lists may include task files: each task is read from the file it is written in.
  const taskList = (key: 'tasks' | 'handlers'): Task[] => {
    const listNode = map.get(key, true) as Node | undefined;
    if (!listNode) return [];
    const items = includes.splice(src, asSeqItems(src, listNode, key), 'tasks');
    return items.map((t) => loadTask(t.src, t.node, key === 'handlers'));
  };
  const play: Play = {
    name,
    hosts,
    tags: strList(src, map, 'tags'),
    tasks: taskList('tasks'),
    handlers: taskList('handlers'),
    pos: src.pos(map),
    targets: targets.map((h) => h.name),
    ...(batches ? { serial: batches } : {}),
    ...(bool(src, map, 'gate') ? { gate: true } : {}),
  };
  const handlerNames = new Set(play.handlers.map((h) => h.name));
  for (const t of play.tasks) {
    for (const n of t.notify)
      if (!handlerNames.has(n)) throw new InputError(`notify names no handler of this play: "${n}"`, t.pos);
  }
  for (const host of targets) {
    // Play vars are defaults, an include's vars over them; -e wins over both (Ansible's precedence).
    const ns = buildNamespace(inv, host, { ...playVars, ...includeVars, ...opts.extraVars });
    for (const t of [...play.tasks, ...play.handlers]) prepareTask(t, host, ns);
  }
  return play;
}

function loadTask(src: YamlSource, node: Node, handler: boolean): Task {
  const map = asMap(src, node, 'a task');
  const moduleKeys = map.items.map(keyName).filter((k) => !TASK_KEYS.has(k));
  if (moduleKeys.length !== 1) {
    const pair = map.items.find((p) => !TASK_KEYS.has(keyName(p)) && !MODULES.has(keyName(p)));
    const where = pair ? src.pos(pair.key as Node) : src.pos(map);
    const what =
      moduleKeys.length === 0
        ? 'a task names one module'
        : `a task names one module, this one has ${moduleKeys.join(', ')}`;
    throw new InputError(`${what} (modules: ${[...MODULES.keys()].join(', ')})`, where);
  }
  const moduleName = moduleKeys[0];
  const module = MODULES.get(moduleName);
  const keyNode = map.items.find((p) => keyName(p) === moduleName)?.key as Node;
  if (!module)
    throw new InputError(
      `unknown module or key "${moduleName}" (modules: ${[...MODULES.keys()].join(', ')})`,
      src.pos(keyNode),
    );
  const argsNode = map.get(moduleName, true) as Node | null;
  const whenNode = map.get('when', true) as Node | undefined;
  const when = whenNode
    ? isSeq(whenNode)
      ? whenNode.items.map((i) => scalarText(src, i as Node))
      : [scalarText(src, whenNode)]
    : [];
  const runOnce = bool(src, map, 'run_once');
  if (runOnce && handler) {
    // A handler runs on the hosts that notified it; which one of them would "once" be?
    throw new InputError('run_once is for tasks, not handlers', src.pos(map.get('run_once', true) as Node));
  }
  return {
    name: str(src, map, 'name') ?? `${moduleName}`,
    module,
    rawArgs:
      argsNode && !(isScalar(argsNode) && argsNode.value === null)
        ? argsNode.toJS(src.doc, { maxAliasCount: MAX_ALIAS_COUNT })
        : {},
    when,
    tags: strList(src, map, 'tags'),
    notify: strList(src, map, 'notify'),
    continueOnFailure: bool(src, map, 'continue_on_failure'),
    ...(runOnce ? { runOnce } : {}),
    ...throttle(src, map),
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

/** `throttle: N`, N from 1: how many hosts may run the task at once. */
function throttle(src: YamlSource, map: YAMLMap): { throttle?: number } {
  const node = map.get('throttle', true) as Node | undefined;
  if (node === undefined) return {};
  const value = isScalar(node) ? node.value : undefined;
  if (typeof value === 'number' && Number.isInteger(value) && value >= 1) return { throttle: value };
  throw new InputError('throttle: expected a number of hosts (1 or more) that may run the task at once', src.pos(node));
}

/** `serial: N` (hosts) or `serial: "N%"` (of the play's targets), N from 1; absent: all targets at once. */
function serial(src: YamlSource, map: YAMLMap): Serial | undefined {
  const node = map.get('serial', true) as Node | undefined;
  if (node === undefined) return undefined;
  const value = isScalar(node) ? node.value : undefined;
  if (typeof value === 'number' && Number.isInteger(value) && value >= 1) return { hosts: value };
  const percent = typeof value === 'string' ? /^(\d+)%$/.exec(value.trim()) : null;
  if (percent && Number(percent[1]) >= 1 && Number(percent[1]) <= 100) return { percent: Number(percent[1]) };
  const detail = 'serial: expected a number of hosts (1 or more) or a percentage of the play\'s hosts ("1%" to "100%")';
  throw new InputError(detail, src.pos(node));
}
