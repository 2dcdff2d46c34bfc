// Files ovnctl writes on hosts are written atomically: the bytes go to a temp file beside the target
// (same directory, so same filesystem: rename(2) is atomic), private while written, and renamed into
// place only after the whole content arrived. An interrupted write never leaves a half file.
import { mkdtempSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { LocalConnection } from '../../src/connection/local.js';
import { uploadCommand } from '../../src/shell/upload.js';

describe('uploadCommand', () => {
  it('is: mkdir, private temp beside the target, content from stdin, mode, then one rename', () => {
    const cmd = uploadCommand({ dest: '/etc/ovnctl/ovnkube.args', content: Buffer.from('x\n'), mode: '0600' });
    expect(cmd.script).toBe(
      'mkdir -p /etc/ovnctl && umask 077 && cat > /etc/ovnctl/ovnkube.args.ovnctl-tmp && ' +
        'chmod 0600 /etc/ovnctl/ovnkube.args.ovnctl-tmp && ' +
        'mv -f /etc/ovnctl/ovnkube.args.ovnctl-tmp /etc/ovnctl/ovnkube.args',
    );
    expect(cmd.stdin?.toString()).toBe('x\n');
    // `&&` all the way: a failed or cut-off `cat` never reaches the rename.
    expect(cmd.script.split(' && ')).toHaveLength(5);
  });

  it('quotes hostile paths, and never shows secret content', () => {
    const cmd = uploadCommand({ dest: "/tmp/a b/it's", content: Buffer.from('s3cr3t'), mode: '0600', secret: true });
    expect(cmd.script).toBe(
      "mkdir -p '/tmp/a b' && umask 077 && cat > '/tmp/a b/it'\\''s.ovnctl-tmp' && " +
        "chmod 0600 '/tmp/a b/it'\\''s.ovnctl-tmp' && " +
        "mv -f '/tmp/a b/it'\\''s.ovnctl-tmp' '/tmp/a b/it'\\''s'",
    );
    expect(cmd.display).toMatch(/# secret content$/);
    expect(cmd.display).not.toContain('s3cr3t');
    expect(cmd.script).not.toContain('s3cr3t');
  });

  it('run for real: writes the content with the mode; a write cut off half way leaves the old file whole', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ovnctl-upload-'));
    const dest = join(dir, 'sub', 'file');
    const conn = new LocalConnection();
    const first = uploadCommand({ dest, content: Buffer.from('old content\n'), mode: '0640' });
    expect((await conn.exec(first.script, { stdin: first.stdin })).exitCode).toBe(0);
    expect(readFileSync(dest, 'utf8')).toBe('old content\n');
    expect((statSync(dest).mode & 0o777).toString(8)).toBe('640');

    // The "connection" dies while the new content streams in: the script is killed after the temp
    // file has part of the bytes (a timeout kills the whole process group, like a lost channel).
    const big = Buffer.alloc(8 << 20, 'n');
    const second = uploadCommand({ dest, content: big, mode: '0640' });
    const cut = await conn.exec(second.script.replace('cat >', '{ head -c 1000; sleep 5; cat; } >'), {
      stdin: big,
      timeoutMs: 300,
    });
    expect(cut.timedOut).toBe(true);
    expect(readFileSync(dest, 'utf8')).toBe('old content\n');
    // the partial temp file is private (umask 077) and the next run overwrites it
    const tmp = `${dest}.ovnctl-tmp`;
    expect(statSync(tmp).size).toBe(1000);
    expect(statSync(tmp).mode & 0o077).toBe(0);

    const third = uploadCommand({ dest, content: Buffer.from('new\n'), mode: '0644' });
    expect((await conn.exec(third.script, { stdin: third.stdin })).exitCode).toBe(0);
    expect(readFileSync(dest, 'utf8')).toBe('new\n');
    expect(readdirSync(join(dir, 'sub'))).toEqual(['file']);
  });
});
