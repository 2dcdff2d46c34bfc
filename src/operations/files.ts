// copy: a file on the host with the wanted content and mode, compared by checksum, written atomically.
import * as z from 'zod';
import { fileState } from '../facts/files.js';
import { sh } from '../shell/command.js';
import { uploadCommand } from '../shell/upload.js';
import { sha256 } from '../util/hash.js';
import { Resource } from '../facts/resources.js';
import { defineModule, noChange } from './module.js';

const mode = z
  .string()
  .regex(/^0?[0-7]{3}$/, 'an octal mode like "0644"')
  .transform((m) => m.padStart(4, '0'));

export const copy = defineModule({
  name: 'copy',
  args: z
    .object({
      dest: z.string().startsWith('/'),
      content: z.string().optional(),
      src: z.string().optional(),
      mode: mode.default('0644'),
      secret: z.boolean().default(false),
    })
    .strict()
    .refine((a) => (a.content === undefined) !== (a.src === undefined), 'give exactly one of content or src'),
  facts: ({ dest }) => [fileState(dest)],
  writes: () => [Resource.files],
  async plan({ dest, content, src, mode: wantMode, secret }, facts, ctx) {
    const data = src !== undefined ? await ctx.readAsset(src) : Buffer.from(content ?? '');
    const state = facts(fileState(dest));
    const want = sha256(data);
    if (state.exists && state.sha256 === want && state.mode === wantMode) return noChange(`${dest} up to date`);
    const show = (s: string) => (secret ? '(secret content)' : s);
    return {
      commands: [uploadCommand({ dest, content: data, mode: wantMode, secret })],
      diff: {
        before: state.exists ? show(`${dest} mode ${state.mode} sha256 ${state.sha256}`) : '(absent)',
        after: show(`${dest} mode ${wantMode} sha256 ${want}`),
      },
      msg: state.exists ? `update ${dest}` : `create ${dest}`,
    };
  },
});

export const fileAbsent = defineModule({
  name: 'file_absent',
  args: z.object({ paths: z.array(z.string().startsWith('/')).min(1) }).strict(),
  facts: ({ paths }) => paths.map((p) => fileState(p)),
  writes: () => [Resource.files],
  plan({ paths }, facts) {
    const present = paths.filter((p) => facts(fileState(p)).exists);
    if (present.length === 0) return noChange('absent');
    return { commands: [sh`rm -f ${present}`], msg: `remove ${present.join(' ')}` };
  },
});
