// Guards that run before the YAML parser sees an input file: it is a small UTF-8 text file, and the
// parser must not be handed something that costs seconds and gigabytes (deep nesting, huge files).
import { InputError } from '../errors.js';
import { MAX_BYTES, MAX_DEPTH } from './limits.js';
import { posIn, withArticle } from './position.js';

/** The file's text, or an InputError at the first offending character; `what` ("playbook") names the file. */
export function decodeText(file: string, bytes: Uint8Array, what: string): string {
  if (bytes.length > MAX_BYTES) {
    const detail = `file is larger than 1 MiB (${MAX_BYTES} bytes), the most ${withArticle(what)} may be`;
    throw new InputError(detail, { file, line: 1, col: 1 });
  }
  const before = textBeforeInvalidUtf8(bytes);
  if (before !== undefined) throw new InputError('not UTF-8 text (binary file?)', posIn(file, before, before.length));
  const text = new TextDecoder().decode(bytes);
  // biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is the point
  const ctl = /[\0-\x08\x0b\x0c\x0e-\x1f\x7f]/.exec(text);
  if (ctl) {
    const code = ctl[0].charCodeAt(0).toString(16).toUpperCase().padStart(4, '0');
    throw new InputError(`control character U+${code} (binary file?)`, posIn(file, text, ctl.index));
  }
  const deep = tooDeepAt(text);
  if (deep !== undefined) throw new InputError(`nested deeper than ${MAX_DEPTH} levels`, posIn(file, text, deep));
  return text;
}

/** The text before the first character that is not valid UTF-8, or undefined when all of it is. */
function textBeforeInvalidUtf8(bytes: Uint8Array): string | undefined {
  // A streaming decoder accepts a prefix that ends inside a character and returns only the complete
  // characters: so validity of prefixes is monotone and can be bisected.
  const decode = (n: number): string | undefined => {
    try {
      return new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(0, n), { stream: true });
    } catch {
      return undefined;
    }
  };
  const all = decode(bytes.length);
  if (all !== undefined) {
    try {
      new TextDecoder('utf-8', { fatal: true }).decode(bytes);
      return undefined;
    } catch {
      return all; // the file ends inside a multi-byte character
    }
  }
  let lo = 0; // decode(lo) succeeds
  let hi = bytes.length; // decode(hi) fails
  while (hi - lo > 1) {
    const mid = (lo + hi) >>> 1;
    if (decode(mid) !== undefined) lo = mid;
    else hi = mid;
  }
  return decode(lo);
}

/**
 * Offset where nesting first exceeds MAX_DEPTH, counting flow brackets and the block indicators
 * (`- `, `? `) that open a collection on the same line. A cheap lexical scan, not a parser: it may
 * undercount (indentation), never meaningfully overcount; the AST check afterwards is exact.
 */
function tooDeepAt(text: string): number | undefined {
  let flow = 0;
  let quote: '' | "'" | '"' = '';
  let lineStart = true; // still in the indentation/indicators at the start of a line
  let block = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quote === '"') {
      if (c === '\\') i++;
      else if (c === '"') quote = '';
      continue;
    }
    if (quote === "'") {
      if (c === "'" && text[i + 1] === "'") i++;
      else if (c === "'") quote = '';
      continue;
    }
    if (c === '\n') {
      lineStart = true;
      block = 0;
      continue;
    }
    const prev = i === 0 ? '\n' : text[i - 1];
    if (lineStart && (c === '-' || c === '?') && /[ \t\n]/.test(text[i + 1] ?? '\n')) {
      block++;
    } else if (c !== ' ' && c !== '\t') {
      lineStart = false;
    }
    if (c === '#' && /[ \t\n]/.test(prev)) {
      const end = text.indexOf('\n', i);
      i = (end === -1 ? text.length : end) - 1;
    } else if ((c === '"' || c === "'") && /[ \t\n[{,:]/.test(prev)) {
      quote = c;
    } else if (c === '[' || c === '{') {
      flow++;
    } else if ((c === ']' || c === '}') && flow > 0) {
      flow--;
    }
    if (flow + block > MAX_DEPTH) return i;
  }
  return undefined;
}
