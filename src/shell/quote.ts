// POSIX sh quoting: the remote shell may be dash, so no $'…' forms.

const SAFE = /^[A-Za-z0-9_@%+=:,./-]+$/;

/** Quote one word so any POSIX shell reads it back byte-exact. */
export function quote(value: string | number): string {
  const s = String(value);
  if (s !== '' && SAFE.test(s)) return s;
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

/** Quote each word and join with spaces. */
export function quoteAll(words: readonly (string | number)[]): string {
  return words.map(quote).join(' ');
}
