// vitest globalSetup of the e2e project: ONE lab (1 master, 2 nodes) for the whole suite, torn down at
// the end. Not root / not Linux / tools missing: the e2e tests skip, saying why — except under CI=true,
// where that fails the run (CI must run them). A lab that fails to come up always fails the run.
// OVNCTL_E2E_KEEP_LAB=1 leaves the lab up afterwards (to look around); `ovnctl lab down --name e2e
// --dir /var/lib/ovnctl/test-lab` removes it.
import type { TestProject } from 'vitest/node';
import type {} from '../helpers/lab.js';
import { labDown, labUnavailableReason, labUp } from '../../src/lab/index.js';

/** Its own name (so a developer's `ovnctl lab up` runs beside it) and directory. */
// OVNCTL_E2E_LAB=<name> gives a developer's concurrent e2e run a lab of its own.
const labName = process.env.OVNCTL_E2E_LAB ?? 'e2e';
const E2E_LAB = {
  name: labName,
  dir: labName === 'e2e' ? '/var/lib/ovnctl/test-lab' : `/var/lib/ovnctl/test-lab-${labName}`,
  masters: 1,
  nodes: 2,
} as const;

export default async function setup(project: TestProject): Promise<(() => Promise<void>) | undefined> {
  const unavailable = labUnavailableReason();
  if (unavailable) {
    if (process.env.CI === 'true') {
      throw new Error(
        `CI=true but the e2e lab cannot run here: ${unavailable}. CI must run the e2e tests as root on Linux.`,
      );
    }
    project.provide('labSkipReason', `the e2e tests need the lab: ${unavailable}`);
    project.provide('labInventory', '');
    project.provide('labDir', '');
    return undefined;
  }

  // A run that was killed may have left its lab: remove it first.
  await labDown({ dir: E2E_LAB.dir });
  const started = Date.now();
  const lab = await labUp({ ...E2E_LAB, onProgress: (m) => console.log(`[e2e lab] ${m}`) });
  console.log(`[e2e lab] up in ${((Date.now() - started) / 1000).toFixed(1)}s: ${lab.inventory}`);
  project.provide('labSkipReason', '');
  project.provide('labInventory', lab.inventory);
  project.provide('labDir', lab.dir);

  return async () => {
    if (process.env.OVNCTL_E2E_KEEP_LAB === '1') {
      console.log(`[e2e lab] left up: ovnctl lab down --name ${E2E_LAB.name} --dir ${E2E_LAB.dir}`);
      return;
    }
    await labDown({ dir: E2E_LAB.dir });
  };
}
