// What the numbers were measured on.
import { cpus, loadavg, totalmem, release } from 'node:os';
import { readFileSync } from 'node:fs';

export function describeMachine(ansible) {
  let os = '';
  try {
    os = /PRETTY_NAME="([^"]*)"/.exec(readFileSync('/etc/os-release', 'utf8'))?.[1] ?? '';
  } catch {
    // not Linux
  }
  const c = cpus();
  return {
    cpu: `${c.length} × ${c[0]?.model ?? 'unknown'}`,
    ramGiB: Math.round(totalmem() / 2 ** 30),
    kernel: release(),
    os,
    node: process.version,
    ansible,
    loadAtStart: loadavg()
      .map((l) => l.toFixed(2))
      .join(' '),
  };
}
