// A fact (pyinfra facts/*.py): the read-only shell command that reads one piece of host state, and a
// parser of its output into a typed value. Facts never change a host.

export interface Fact<T> {
  /** Unique per instance, e.g. `deb.packages:ovn-host,ovn-common`: the cache key within a host. */
  readonly key: string;
  /** POSIX sh that reads the state. Runs with stderr discarded; its exit status is passed to parse. */
  readonly command: string;
  parse(stdout: string, exitCode: number): T;
}

export function defineFact<T>(key: string, command: string, parse: (out: string, rc: number) => T): Fact<T> {
  return { key, command, parse };
}

/** Read `KEY=value` / `KEY="value"` lines (os-release, env files). */
export function parseKeyValues(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of text.split('\n')) {
    const m = /^([A-Za-z_][A-Za-z0-9_]*)=(.*)$/.exec(line.trim());
    if (!m) continue;
    let v = m[2];
    if ((v.startsWith('"') && v.endsWith('"')) || (v.startsWith("'") && v.endsWith("'"))) v = v.slice(1, -1);
    out[m[1]] = v.replace(/\\(["$`\\])/g, '$1');
  }
  return out;
}
