// Facts about the operating system and init.
import { quote } from '../shell/quote.js';
import { defineFact, parseKeyValues } from './fact.js';
import { Resource } from './resources.js';

export interface OsRelease {
  id: string;
  idLike: string[];
  versionId: string;
  /** From VERSION_CODENAME, UBUNTU_CODENAME or VERSION "(name)": lsb_release may be missing. */
  codename: string;
}

export function parseOsRelease(text: string): OsRelease {
  const kv = parseKeyValues(text);
  const fromVersion = /\(([a-z]+)\)/i.exec(kv.VERSION ?? '')?.[1]?.toLowerCase();
  return {
    id: kv.ID ?? 'unknown',
    idLike: (kv.ID_LIKE ?? '').split(/\s+/).filter(Boolean),
    versionId: kv.VERSION_ID ?? '',
    codename: kv.VERSION_CODENAME || kv.UBUNTU_CODENAME || fromVersion || '',
  };
}

export const osRelease = defineFact(
  'os.release',
  // The shell's own read loop, not cat: one process less on every read of every host.
  'f=/etc/os-release; [ -r "$f" ] || f=/usr/lib/os-release; ' +
    'while IFS= read -r l || [ -n "$l" ]; do printf \'%s\\n\' "$l"; done < "$f"',
  (out) => parseOsRelease(out),
  { reads: [Resource.files], inline: true },
);

/** systemd is usable only when it is PID 1 (containers and the lab run without it). */
export const systemdRunning = defineFact('os.systemd', 'test -d /run/systemd/system', (_out, rc) => rc === 0, {
  reads: [Resource.files],
  inline: true,
});

/** Whether pip refuses system-wide installs (PEP 668). */
export const pipExternallyManaged = defineFact(
  'os.pep668',
  `python3 -c 'import sysconfig,os;` +
    `print(os.path.exists(os.path.join(sysconfig.get_path("stdlib"),"EXTERNALLY-MANAGED")))'`,
  (out) => out.trim() === 'True',
  { reads: [Resource.files] },
);

/** `command -v` for a program: its path, or null. */
export function which(program: string) {
  return defineFact(
    `os.which:${program}`,
    `command -v ${quote(program)}`,
    (out, rc) => (rc === 0 ? out.trim() || null : null),
    { reads: [Resource.files], inline: true },
  );
}
