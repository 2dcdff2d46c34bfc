// Collects every problem found in one pass, so a user fixes a file in one round trip, and throws them
// as one InputError: the first (in file order) gives the position, the rest follow as extra lines.
import { InputError, type SourcePos } from '../errors.js';

const SHOWN = 20;

interface Problem {
  detail: string;
  pos: SourcePos;
  offset: number;
}

export class Problems {
  readonly #list: Problem[] = [];

  /** `offset` (into the file's text) orders the problems as they appear in the file. */
  add(detail: string, pos: SourcePos, offset: number): void {
    this.#list.push({ detail, pos, offset });
  }

  throwIfAny(): void {
    if (this.#list.length > 0) throw this.toError();
  }

  /** All problems as one InputError; call only when there is at least one. */
  toError(): InputError {
    const sorted = [...this.#list].sort((a, b) => a.offset - b.offset);
    const [first, ...rest] = sorted;
    const lines = rest.slice(0, SHOWN - 1).map((p) => `${p.pos.file}:${p.pos.line}:${p.pos.col}: ${p.detail}`);
    if (rest.length > SHOWN - 1) lines.push(`... and ${rest.length - (SHOWN - 1)} more problems`);
    return new InputError([first.detail, ...lines].join('\n'), first.pos);
  }
}

/** A problem with the file as a whole (size, encoding): line 1, column 1. */
export function fileError(file: string, detail: string): InputError {
  return new InputError(detail, { file, line: 1, col: 1 });
}
