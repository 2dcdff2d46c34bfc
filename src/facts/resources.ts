// What host state a fact reads and a module writes, as typed tags: after a change the runner drops the
// cached facts that read what the change wrote (Module.writes), and keeps the rest for later tasks.

export const Resource = {
  /** Anything on disk: files, apt sources and dpkg status, pidfiles, conf.db, /run/netns entries. */
  files: 'files',
  /** The local Open_vSwitch database as ovsdb-server serves it: external_ids, bridges, ports. */
  localOvsdb: 'local-ovsdb',
  /** The OVN Northbound database, its Connection table included. */
  nb: 'ovn-nb',
  /** The OVN Southbound database: chassis, port bindings, its Connection table. */
  sb: 'ovn-sb',
  /** The kernel's network state: links, addresses, routes, sysctls. */
  links: 'links',
  /** Listening sockets. */
  listeners: 'listeners',
  /** Running processes and their command lines. */
  processes: 'processes',
} as const;

export type Resource = (typeof Resource)[keyof typeof Resource];

/** The NB or SB database as a resource. */
export const dbResource = (db: 'nb' | 'sb'): Resource => (db === 'nb' ? Resource.nb : Resource.sb);
