// Preflight: the host's clock is within MAX_CLOCK_SKEW_MS of the machine running ovnctl. ovnctl signs the
// hosts' TLS certificates with its own clock (a host behind it rejects a certificate not yet valid), and
// RAFT members' logs and election timings are read side by side. The host's time is read in the gather;
// it was taken between the moment the gather left and the moment its output came back, so the host's
// offset lies in [host - received, host - sent]: only a whole interval beyond the limit fails, and a
// slow round trip never makes a correct clock fail.
import * as z from 'zod';
import { hostClock, type HostClock } from '../../facts/preflight-host.js';
import { defineModule } from '../module.js';
import { fail, pass, verdictPlan, type Verdict } from './verdict.js';

/** How far a host's clock may be from ovnctl's: the 60 s, far above what NTP-synced clocks differ by. */
export const MAX_CLOCK_SKEW_MS = 60_000;

const seconds = (ms: number) => `${(Math.abs(ms) / 1000).toFixed(ms !== 0 && Math.abs(ms) < 10_000 ? 1 : 0)} s`;

const FIX =
  'synchronize the clocks (timedatectl set-ntp true, or chrony/systemd-timesyncd) on the host and on the machine ' +
  'running ovnctl';

export function clockVerdicts(host: string, c: HostClock): Verdict[] {
  if (!Number.isFinite(c.hostMs)) return [pass('clock not checked: date printed no time')];
  const low = c.hostMs - c.receivedMs;
  const high = c.hostMs - c.sentMs;
  if (low > MAX_CLOCK_SKEW_MS)
    return [fail(`${host}'s clock is ${seconds(low)} or more ahead of this machine's (limit 60 s)`, FIX)];
  if (high < -MAX_CLOCK_SKEW_MS)
    return [fail(`${host}'s clock is ${seconds(high)} or more behind this machine's (limit 60 s)`, FIX)];
  const worst = Math.max(Math.abs(low), Math.abs(high));
  return [pass(`clock within ${seconds(worst)} of this machine's`)];
}

export const preflightClock = defineModule({
  name: 'preflight_clock',
  args: z.object({}).strict(),
  facts: () => [hostClock()],
  plan(_a, facts, { host }) {
    return verdictPlan(clockVerdicts(host.name, facts(hostClock())));
  },
});
