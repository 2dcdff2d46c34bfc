// The bounds on an input file (inventory, playbook): the parser must not be handed something that
// costs seconds and gigabytes. Real files are kilobytes, nest 5 levels and use a handful of aliases.

/** The most an input file may be; the reader stops after one byte more. */
export const MAX_BYTES = 1024 * 1024;
/** Real inventories and playbooks nest 5 levels deep; anything near this is an attack or an accident. */
export const MAX_DEPTH = 32;
/** Handed to yaml's toJS; our own expansion count (aliases.ts) is the check that reports a position. */
export const MAX_ALIAS_COUNT = 100;
/** Nodes that aliases may add in total: a billion-laughs document explodes far past this. */
export const MAX_ALIAS_EXPANSION = 100_000;
