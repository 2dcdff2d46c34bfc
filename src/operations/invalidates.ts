// What a narrow change can make stale, as fact-key prefixes (Module.invalidates). The runner then keeps
// every other cached fact, so a run of such tasks re-reads facts once instead of before each task.
// A fact added under a new key prefix must be classified here (test/unit/runner/invalidates.test.ts checks).

/**
 * Every fact that reads the filesystem: files named in its key, and files found by glob, search path
 * or fixed location (apt sources, pidfiles, ovn-ctl, python's site dirs, conf.db offline). Not the live
 * state of daemons and the kernel (OVSDB, NB/SB, links, sockets, /proc), which a file write cannot change.
 */
export const FILE_READERS = [
  'file:',
  'file.content:',
  'paths.present:',
  'os.',
  'apt.',
  'pip.',
  'ovs.ctl-path',
  'ovn.ctl-path',
  'ovs.conf-offline',
  'process.daemons:',
  'smoke.leftovers',
];

/**
 * A write to the local Open_vSwitch record: the record and conf.db on disk, and what a running
 * ovn-controller does about it at once (br-int, tunnel ports and their links, the chassis in SB).
 */
export const LOCAL_OVSDB_READERS = ['ovs.external-ids', 'ovs.bridges', 'ovs.ports:', 'ovs.conf-offline', 'net.', 'ovn.sb-chassis:', 'smoke.', 'file:', 'file.content:', 'paths.present:'];

/** A write to the NB or SB Connection table: the table and its db file, the listening port, and reads through it. */
export function ovnConnectionReaders(db: 'nb' | 'sb'): string[] {
  return [`ovn.connection:${db}`, 'ovn.reachable:', 'ovn.sb-chassis:', 'ovn.smoke-switch', 'net.tcp-listening', 'file:', 'file.content:', 'paths.present:'];
}
