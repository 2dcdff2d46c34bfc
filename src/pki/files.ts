/** The part of a file system error a user can act on: "ENOENT: no such file or directory" without the path. */
export function fsReason(err: unknown): string {
  const e = err as NodeJS.ErrnoException;
  if (typeof e?.code !== 'string') return String(err);
  return e.message.replace(/, \w+ '.*'$/, '');
}
