// The files one inventory is read from (an Ansible inventory, its group_vars/ and host_vars/ files) as
// one space of offsets: each file's offsets start after the previous file's end, so a single number
// still says where a value came from, and problems sort by file (in reading order), then by place.
import type { SourcePos } from '../errors.js';
import { posIn } from '../source/position.js';

interface Entry {
  file: string;
  text: string;
  base: number;
}

export class SourceFiles {
  readonly #entries: Entry[] = [];
  #next = 0;

  /** Adds a file; returns the offset its text starts at. */
  add(file: string, text: string): number {
    const base = this.#next;
    this.#entries.push({ file, text, base });
    this.#next = base + text.length + 1;
    return base;
  }

  /** The first file added: the inventory itself. */
  get main(): { file: string; text: string } {
    return this.#entries[0];
  }

  pos(offset: number): SourcePos {
    let e = this.#entries[0];
    for (const entry of this.#entries) if (entry.base <= offset) e = entry;
    return posIn(e.file, e.text, offset - e.base);
  }
}
