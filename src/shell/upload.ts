// Writing a file on a host atomically: the bytes go over stdin into a temp file beside the target,
// which is renamed into place, so an interrupted run never leaves a half-written file.
import { quote } from './quote.js';
import { sh, raw, withStdin, type Command } from './command.js';

export interface UploadSpec {
  dest: string;
  content: Buffer;
  /** Octal mode, e.g. "0644". */
  mode: string;
  /** Show the content as masked in logs (tokens, argv files). */
  secret?: boolean;
}

export function uploadCommand(spec: UploadSpec): Command {
  const dir = spec.dest.replace(/\/[^/]*$/, '') || '/';
  const tmp = `${spec.dest}.ovnctl-tmp`;
  const write = sh`umask 077 && cat > ${tmp} && chmod ${spec.mode} ${tmp}`;
  const cmd = sh`mkdir -p ${dir} && ${write} && mv -f ${tmp} ${spec.dest}`;
  return withStdin(
    { ...cmd, display: `${cmd.display}  # ${spec.secret ? 'secret content' : `${spec.content.length} bytes`}` },
    spec.content,
  );
}

export { quote, raw };
