// From an offset in a file's text to the line and column a message shows.
import type { SourcePos } from '../errors.js';

/** 1-based line and column (in UTF-16 units, as yaml's LineCounter counts) of `offset` in `text`. */
export function posIn(file: string, text: string, offset: number): SourcePos {
  const lineStart = text.lastIndexOf('\n', offset - 1) + 1;
  let line = 1;
  for (let i = text.indexOf('\n'); i !== -1 && i < offset; i = text.indexOf('\n', i + 1)) line++;
  return { file, line, col: offset - lineStart + 1 };
}

/** "an inventory", "a playbook": for messages that say what the file should have been. */
export function withArticle(what: string): string {
  return `${/^[aeiou]/i.test(what) ? 'an' : 'a'} ${what}`;
}
