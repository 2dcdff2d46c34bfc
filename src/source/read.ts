// Reading an input file with a cap: at most MAX_BYTES + 1 bytes, so `-i /dev/zero` or a huge file fails
// fast (decode.ts then refuses it) instead of filling memory.
import { closeSync, openSync, readSync } from 'node:fs';
import { type FileHandle, open } from 'node:fs/promises';
import { InputError } from '../errors.js';
import { MAX_BYTES } from './limits.js';

/** The first MAX_BYTES + 1 bytes of `file`; `what` ("inventory", "playbook") names it in errors. */
export async function readCapped(file: string, what: string): Promise<Uint8Array> {
  let fh: FileHandle | undefined;
  try {
    fh = await open(file, 'r');
    const buf = Buffer.alloc(MAX_BYTES + 1);
    let n = 0;
    while (n < buf.length) {
      const { bytesRead } = await fh.read(buf, n, buf.length - n, null);
      if (bytesRead === 0) break;
      n += bytesRead;
    }
    return buf.subarray(0, n);
  } catch (e) {
    throw readError(file, what, e);
  } finally {
    await fh?.close();
  }
}

/** The same, synchronously: for loaders that run synchronously (the playbook's). */
export function readCappedSync(file: string, what: string): Uint8Array {
  let fd: number | undefined;
  try {
    fd = openSync(file, 'r');
    const buf = Buffer.alloc(MAX_BYTES + 1);
    let n = 0;
    for (let got = -1; got !== 0 && n < buf.length; n += got) got = readSync(fd, buf, n, buf.length - n, null);
    return buf.subarray(0, n);
  } catch (e) {
    throw readError(file, what, e);
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

function readError(file: string, what: string, e: unknown): InputError {
  const code = (e as NodeJS.ErrnoException).code;
  const why =
    code === 'ENOENT'
      ? 'no such file'
      : code === 'EISDIR'
        ? 'it is a directory'
        : code === 'EACCES' || code === 'EPERM'
          ? 'permission denied'
          : (code ?? 'read error');
  return new InputError(`cannot read ${what} ${file}: ${why}`);
}
