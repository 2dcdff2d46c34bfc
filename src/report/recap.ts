// The PLAY RECAP (Ansible's habit) and the run's exit code.
import { ExitCode } from '../errors.js';
import type { Counts } from '../playbook/events.js';
import type { Style } from './style.js';

export function exitCodeFor(hosts: Record<string, Counts>, interrupted: boolean): number {
  if (interrupted) return ExitCode.interrupted;
  const all = Object.values(hosts);
  if (all.some((c) => c.unreachable > 0)) return ExitCode.unreachable;
  if (all.some((c) => c.failed > 0)) return ExitCode.hostFailed;
  return ExitCode.ok;
}

export function formatRecap(hosts: Record<string, Counts>, durationMs: number, style: Style): string {
  const names = Object.keys(hosts);
  const width = Math.max(4, ...names.map((n) => n.length));
  const lines = [style.bold('PLAY RECAP')];
  for (const name of names) {
    const c = hosts[name];
    const color = c.unreachable ? style.red : c.failed ? style.red : c.changed ? style.yellow : style.green;
    lines.push(
      `${color(name.padEnd(width))} : ok=${c.ok}  ${style.yellow(`changed=${c.changed}`)}  ` +
        `unreachable=${c.unreachable}  ${c.failed ? style.red(`failed=${c.failed}`) : 'failed=0'}  ` +
        `skipped=${c.skipped}`,
    );
  }
  const changed = names.filter((n) => hosts[n].changed > 0).length;
  const failed = names.filter((n) => hosts[n].failed > 0).length;
  const unreachable = names.filter((n) => hosts[n].unreachable > 0).length;
  lines.push(
    `${names.length} hosts: ${changed} changed, ${failed} failed, ${unreachable} unreachable ` +
      `in ${(durationMs / 1000).toFixed(1)}s`,
  );
  return lines.join('\n');
}
