// The one check of a YAML document's aliases, for every input file. yaml's own guard (toJS's
// maxAliasCount) throws late and with no position; this one names the alias at fault.
import { isAlias, isCollection, isMap, type Node } from 'yaml';
import { MAX_ALIAS_EXPANSION } from './limits.js';

/**
 * Every alias names an anchor completed before it (not the node that contains it: a loop that expands
 * forever), and all aliases together expand to at most MAX_ALIAS_EXPANSION nodes. Each problem goes to
 * `report` with the alias's node; a report that throws stops at the first, one that collects sees all.
 */
export function checkAliases(root: unknown, report: (detail: string, alias: Node) => void): void {
  const sizes = new Map<string, number>(); // completed anchors: size with aliases expanded
  const open = new Map<string, number>(); // anchors whose node is being walked, by nesting count
  let expansion = 0;
  let reportedExpansion = false;
  const walk = (node: unknown): number => {
    if (!node || typeof node !== 'object') return 0;
    const n = node as Node;
    if (isAlias(n)) {
      const name = n.source;
      const looped = (open.get(name) ?? 0) > 0;
      const size = looped ? undefined : sizes.get(name);
      if (looped) report(`alias *${name} is inside the node &${name} it names (a loop)`, n);
      else if (size === undefined) report(`alias *${name} has no anchor &${name} before it`, n);
      expansion += size ?? 1;
      if (expansion > MAX_ALIAS_EXPANSION && !reportedExpansion) {
        reportedExpansion = true;
        report(`aliases expand to more than ${MAX_ALIAS_EXPANSION} nodes`, n);
      }
      return size ?? 1;
    }
    const anchor = n.anchor;
    if (anchor) open.set(anchor, (open.get(anchor) ?? 0) + 1);
    let size = 1;
    if (isCollection(n)) {
      for (const item of n.items) {
        if (isMap(n)) {
          const pair = item as { key: unknown; value: unknown };
          size += walk(pair.key) + walk(pair.value);
        } else size += walk(item);
      }
    }
    if (anchor) {
      open.set(anchor, (open.get(anchor) ?? 1) - 1);
      sizes.set(anchor, size);
    }
    return size;
  };
  walk(root);
}
