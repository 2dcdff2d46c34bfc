// Lab clusters for the bench, through ovnctl's own lab code (dist/lab of the snapshot). Only labs
// this process brought up are ever taken down: `up` records each, `downAll` undoes exactly those.
import { pathToFileURL } from 'node:url';

let lab;
const ours = new Set();
const closing = new Map();

/** Use the lab code of the measured build. */
export async function useLabModule(path) {
  lab = await import(pathToFileURL(path).href);
}

export async function up({ name, dir, masters = 1, nodes }) {
  ours.add(dir);
  return lab.labUp({ name, dir, masters, nodes });
}

/** Idempotent, and safe to call twice at once (a signal handler and a finally block). */
export function down(dir) {
  if (!ours.has(dir)) return Promise.resolve();
  if (!closing.has(dir)) {
    closing.set(
      dir,
      lab.labDown({ dir }).then(
        () => {
          ours.delete(dir);
          closing.delete(dir);
        },
        (e) => {
          closing.delete(dir);
          throw e;
        },
      ),
    );
  }
  return closing.get(dir);
}

/** Take down every lab still up; failures are reported, not thrown, so every lab gets its try. */
export async function downAll(log) {
  for (const dir of [...ours]) {
    try {
      await down(dir);
    } catch (e) {
      log(`lab down ${dir} failed: ${e.message}`);
    }
  }
}
